//! Text from the repository made safe to print: nothing in a file name, a
//! Dockerfile or script line, or a config key may act on a terminal or
//! command a CI runner that reads the output.
//!
//! What is neutralised, and how it is shown:
//!
//! - control characters: `\n`, `\r`, and `\xNN` for the other C0 controls
//!   and DEL (`\x1b` for ESC); `\u{NN}` for the C1 controls; `\u{NNNN}` for
//!   the bidirectional overrides and isolates (U+202A–U+202E,
//!   U+2066–U+2069), which reorder what a reader sees, and the line and
//!   paragraph separators U+2028 and U+2029. A tab stays a tab.
//!   Source snippets keep their line breaks (`\n`, `\r\n`); a lone `\r`,
//!   which a terminal and a GitHub runner both take as a line break, is
//!   escaped.
//! - GitHub workflow commands: the runner takes a line whose text after
//!   leading whitespace starts with `::` as a command, and also `##[` anywhere
//!   in a line (its legacy form). `##[` is shown as `##\[`, and a line that
//!   would start with `::` gets a `\` in front of its first `:`.
//!
//! A backslash itself is not escaped (paths and messages stay readable), so
//! `\n` in output may also be a backslash and an `n` in the name.
//! JSON and SARIF keep the exact strings: [`json`] only rewrites how they are
//! spelled in the document.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is shown escaped in a single-line field.
fn hostile(c: char) -> bool {
    (c.is_control() && c != '\t') || is_bidi(c)
}

/// The bidirectional overrides and isolates, and the Unicode line and
/// paragraph separators (U+2028, U+2029), which a log viewer may show as a
/// line break.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// The escape of one character `c` (see the module docs).
fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        // (Writing to a `String` does not fail.)
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// A name, message or other text shown inside a line: every control
/// character (line breaks too, but tab) escaped and `##[` broken. The result
/// is one line.
pub fn field(s: &str) -> Cow<'_, str> {
    if !s.chars().any(hostile) && !s.contains("##[") {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hostile(c) {
            push_escape(&mut out, c);
        } else {
            if c == '[' && out.ends_with("##") {
                out.push('\\');
            }
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A whole output line: [`field`], and a line that a runner would take as
/// a `::command` gets a `\` in front of its first `:`.
#[must_use]
pub fn line(s: &str) -> Cow<'_, str> {
    commands(&field(s)).into_owned().into()
}

/// Only the runner's command forms neutralised (`##[` broken, a leading `::`
/// escaped), for a line that carries dsig's own colours: the control
/// characters of the text it shows were escaped before it was rendered.
#[must_use]
pub fn commands(line: &str) -> Cow<'_, str> {
    let trimmed = line.trim_start();
    let leading = trimmed.starts_with("::");
    if !leading && !line.contains("##[") {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 2);
    let indent = line.len() - trimmed.len();
    out.push_str(&line[..indent]);
    if leading {
        out.push('\\');
    }
    for c in trimmed.chars() {
        if c == '[' && out.ends_with("##") {
            out.push('\\');
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// A multi-line text ([`line`] on each line), e.g. a line of stderr whose
/// message spans lines: line breaks are kept, everything else escaped.
#[must_use]
pub fn lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, l) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&line(l));
    }
    out
}

/// A file's text for a source snippet, escaped like [`field`] but keeping
/// its line breaks (`\n`, `\r\n`; a lone `\r` is escaped), with the map
/// from offsets in the original to offsets in the escaped text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub text: String,
    /// `(start, end of a replaced piece in the original, bytes added up to
    /// its end)`, in order; empty when nothing was escaped.
    shifts: Vec<(usize, usize, usize)>,
}

impl Source {
    #[must_use]
    pub fn new(text: &str) -> Source {
        let b = text.as_bytes();
        let clean = !text.contains("##[")
            && !text.char_indices().any(|(i, c)| {
                (hostile(c) && c != '\n' && c != '\r')
                    || (c == '\r' && b.get(i + 1) != Some(&b'\n'))
            });
        if clean {
            return Source {
                text: text.to_string(),
                shifts: Vec::new(),
            };
        }
        let mut out = String::with_capacity(text.len() + 16);
        let mut shifts = Vec::new();
        for (i, c) in text.char_indices() {
            let keep = c == '\n' || (c == '\r' && b.get(i + 1) == Some(&b'\n'));
            let before = out.len();
            if hostile(c) && !keep {
                push_escape(&mut out, c);
            } else {
                if c == '[' && out.ends_with("##") {
                    out.push('\\');
                }
                out.push(c);
            }
            let added = out.len() - before - c.len_utf8();
            if added > 0 {
                let total = shifts.last().map_or(0, |&(_, _, t)| t) + added;
                shifts.push((i, i + c.len_utf8(), total));
            }
        }
        Source { text: out, shifts }
    }

    /// Where byte `offset` of the original text is in the escaped text.
    /// Every escaped piece is one character, so an offset on a character
    /// boundary is never inside one.
    #[must_use]
    pub fn map(&self, offset: usize) -> usize {
        let n = self.shifts.partition_point(|&(_, end, _)| end <= offset);
        let added = n.checked_sub(1).map_or(0, |i| self.shifts[i].2);
        (offset + added).min(self.text.len())
    }

    /// Whether anything was escaped.
    #[must_use]
    pub fn changed(&self) -> bool {
        !self.shifts.is_empty()
    }

    /// The offset in the original text of byte `shown` of the escaped text
    /// (inside an escape: the start of the character it shows).
    #[must_use]
    pub fn unmap(&self, shown: usize) -> usize {
        let n = self
            .shifts
            .partition_point(|&(_, end, total)| end + total <= shown);
        let added = n.checked_sub(1).map_or(0, |i| self.shifts[i].2);
        let offset = shown.saturating_sub(added);
        match self.shifts.get(n) {
            Some(&(start, _, _)) => offset.min(start),
            None => offset,
        }
    }
}

/// A serialized JSON document with the same values, spelled so that no raw
/// line holds `##[` or a character a terminal acts on: DEL, the C1 controls,
/// the bidirectional controls and U+2028/U+2029 become `\uXXXX` escapes and
/// `##[` becomes `#\u0023[` (`serde_json` already escapes the C0 controls).
/// These only occur inside strings, where the escapes mean the same.
#[must_use]
pub fn json(text: String) -> String {
    let needs = |c: char| {
        (c.is_control() && c as u32 >= 0x7f) || is_bidi(c) || matches!(c, '\u{2028}' | '\u{2029}')
    };
    if !text.contains("##[") && !text.chars().any(needs) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out.replace("##[", "#\\u0023[")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_one_line_without_controls_or_commands() {
        assert_eq!(field("plain: a::b, 100%"), "plain: a::b, 100%");
        assert_eq!(
            field("a\n::warning::x\r\x1b[2J\x07\u{9b}\u{202e}\tz"),
            "a\\n::warning::x\\r\\x1b[2J\\x07\\u{9b}\\u{202e}\tz"
        );
        assert_eq!(field("##[set-output]###[x]"), "##\\[set-output]###\\[x]");
        assert_eq!(field("\x7f"), "\\x7f");
        assert_eq!(field("a\u{2028}b\u{2029}c"), "a\\u{2028}b\\u{2029}c");
    }

    #[test]
    fn lines_never_start_a_command() {
        assert_eq!(line("  ::error::x"), "  \\::error::x");
        assert_eq!(line("::e\n::x"), "\\::e\\n::x");
        assert_eq!(line("a ::x"), "a ::x");
        assert_eq!(commands("\x1b[1m::x ##[y"), "\x1b[1m::x ##\\[y");
        assert_eq!(lines("ok\n ::x::y\n##[z"), "ok\n \\::x::y\n##\\[z");
    }

    #[test]
    fn sources_keep_line_breaks_and_map_offsets() {
        let s = Source::new("a\r\nb\n");
        assert_eq!(s.text, "a\r\nb\n");
        assert_eq!(s.map(3), 3);

        let text = "é\x1bx\rq\n##[y\n";
        let s = Source::new(text);
        assert_eq!(s.text, "é\\x1bx\\rq\n##\\[y\n");
        // Every character of the original maps to where it is shown.
        for (i, c) in text.char_indices() {
            let at = s.map(i);
            // (`[` after `##` maps to the `\` shown before it.)
            let shown = if c == '[' {
                "\\[".to_string()
            } else {
                c.to_string()
            };
            if !c.is_control() {
                assert!(
                    s.text[at..].starts_with(c) || s.text[at..].starts_with(&shown),
                    "{i} {c:?} -> {at}"
                );
            }
        }
        assert_eq!(s.map(text.len()), s.text.len());
        // And back.
        for (i, _) in text.char_indices() {
            assert_eq!(s.unmap(s.map(i)), i, "{i}");
        }
        assert_eq!(s.unmap(3), 2, "inside the escape of ESC");
    }

    #[test]
    fn json_keeps_values() {
        let v = serde_json::json!({"a": "x##[y\u{7f}\u{85}\u{202e}\u{2028}\x1b\n", "b": ["##["]});
        let text = json(serde_json::to_string_pretty(&v).unwrap());
        assert!(!text.contains("##[") && !text.chars().any(|c| c.is_control() && c != '\n'));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }
}
