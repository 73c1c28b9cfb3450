//! The small lexers BuildKit applies to an instruction's logical line: the
//! command/flags split, `parseWords` (ENV, LABEL, ARG), and the shell-word
//! split used to find heredoc markers. Every word keeps its byte range in the
//! logical line so that findings and fixes can point at it.

use std::ops::Range;

/// A word's value, relative to its text in the logical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LValue {
    /// The text of the word's range, as it is.
    Slice,
    /// The text of the range without its first and last byte (a JSON string
    /// without escapes: the quotes are dropped).
    Inner,
    /// A value that differs from the text (quotes removed, escapes applied).
    Owned(String),
}

/// A word of the logical line: its processed value and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LWord {
    /// The value; most often the text of `range` itself.
    pub value: LValue,
    /// Where the word is in the logical line.
    pub range: Range<usize>,
}

impl LWord {
    /// A word whose value is its text.
    #[must_use]
    pub fn slice(range: Range<usize>) -> LWord {
        LWord {
            value: LValue::Slice,
            range,
        }
    }

    /// A word with a built value, kept as a slice when it equals its text
    /// (`text` is what `base` offsets are relative to).
    fn built(value: &str, text: &str, range: Range<usize>, base: usize) -> LWord {
        let same = text.get(range.start - base..range.end - base) == Some(value);
        LWord {
            value: if same {
                LValue::Slice
            } else {
                LValue::Owned(value.to_string())
            },
            range,
        }
    }

    /// The value, given the logical line the range points into.
    #[must_use]
    pub fn text<'a>(&'a self, line: &'a str) -> &'a str {
        match &self.value {
            LValue::Slice => line.get(self.range.clone()).unwrap_or(""),
            LValue::Inner => line
                .get(self.range.start + 1..self.range.end.saturating_sub(1))
                .unwrap_or(""),
            LValue::Owned(s) => s,
        }
    }
}

/// BuildKit's `reWhitespace`: `[\t\v\f\r ]`.
#[must_use]
pub fn is_ws_sep(b: u8) -> bool {
    matches!(b, b'\t' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Go's `unicode.IsSpace`.
#[must_use]
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Split on runs of `[\t\v\f\r ]` (Go's `regexp.Split(s, -1)`), keeping ranges.
/// Leading or trailing separators give empty words, as in Go.
#[must_use]
pub fn split_ws(s: &str, base: usize) -> Vec<LWord> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if is_ws_sep(b[i]) {
            let end = i;
            while i < b.len() && is_ws_sep(b[i]) {
                i += 1;
            }
            out.push(LWord::slice(base + start..base + end));
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(LWord::slice(base + start..base + s.len()));
    out
}

/// Range of `s` with Unicode white space trimmed from both ends (Go's
/// `strings.TrimSpace`).
pub fn trim_space_range(s: &str) -> Range<usize> {
    let start = s.len() - s.trim_start_matches(is_space).len();
    let end = s.trim_end_matches(is_space).len().max(start);
    start..end
}

/// BuildKit's `extractBuilderFlags`: leading `--flag` words. Returns the flags
/// (value as BuildKit keeps it, quotes removed) and the offset in `line` where
/// the arguments start.
#[must_use]
pub fn extract_flags(line: &str, base: usize) -> (Vec<LWord>, usize) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let b = line.as_bytes();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word: Vec<u8> = Vec::new();
    let mut word_start = 0;
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = 0;
    let push = |words: &mut Vec<LWord>, word: &[u8], start: usize, end: usize| {
        words.push(if word == &b[start..end] {
            LWord::slice(base + start..base + end)
        } else {
            LWord {
                value: LValue::Owned(String::from_utf8_lossy(word).into_owned()),
                range: base + start..base + end,
            }
        });
    };
    while pos <= b.len() {
        let ch = if pos < b.len() { b[pos] } else { 0 };
        if phase == Phase::Spaces {
            if pos == b.len() {
                break;
            }
            if ch.is_ascii_whitespace() || ch == 0x0b {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == b.len() || b[pos + 1] != b'-' {
                return (words, pos);
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if pos == b.len() {
            if word != b"--" && (blank_ok || !word.is_empty()) {
                push(&mut words, &word, word_start, pos);
            }
            break;
        }
        match phase {
            Phase::Word => {
                if ch.is_ascii_whitespace() || ch == 0x0b {
                    phase = Phase::Spaces;
                    if word == b"--" {
                        return (words, pos);
                    }
                    if blank_ok || !word.is_empty() {
                        push(&mut words, &word, word_start, pos);
                    }
                    word.clear();
                    blank_ok = false;
                    pos += 1;
                    continue;
                }
                if ch == b'\'' || ch == b'"' {
                    quote = ch;
                    blank_ok = true;
                    phase = Phase::Quote;
                    pos += 1;
                    continue;
                }
                if ch == b'\\' {
                    if pos + 1 == b.len() {
                        pos += 1;
                        continue;
                    }
                    pos += 1;
                }
                word.push(b[pos]);
                pos += 1;
            }
            Phase::Quote => {
                if ch == quote {
                    phase = Phase::Word;
                    pos += 1;
                    continue;
                }
                if ch == b'\\' {
                    if pos + 1 == b.len() {
                        phase = Phase::Word;
                        pos += 1;
                        continue;
                    }
                    pos += 1;
                }
                word.push(b[pos]);
                pos += 1;
            }
            Phase::Spaces => unreachable!(),
        }
    }
    (words, b.len())
}

/// BuildKit's `parseWords`: white-space separated words, quotes and escapes
/// kept in the value.
#[must_use]
pub fn parse_words(rest: &str, base: usize, escape: char) -> Vec<LWord> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut word = String::new();
    let mut word_start = 0;
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let mut k = 0;
    let len = chars.len();
    let pos_of = |k: usize| if k < len { chars[k].0 } else { rest.len() };
    loop {
        if phase == Phase::Spaces {
            if k == len {
                break;
            }
            if is_space(chars[k].1) {
                k += 1;
                continue;
            }
            phase = Phase::Word;
            word_start = pos_of(k);
        }
        if k == len {
            if blank_ok || !word.is_empty() {
                words.push(LWord::built(
                    &word,
                    rest,
                    base + word_start..base + rest.len(),
                    base,
                ));
            }
            break;
        }
        let mut ch = chars[k].1;
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(LWord::built(
                        &word,
                        rest,
                        base + word_start..base + pos_of(k),
                        base,
                    ));
                }
                word.clear();
                blank_ok = false;
                k += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if k + 1 == len {
                    k += 1;
                    continue;
                }
                word.push(ch);
                k += 1;
                ch = chars[k].1;
            }
            word.push(ch);
            k += 1;
            continue;
        }
        // Quote phase
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if k + 1 == len {
                phase = Phase::Word;
                k += 1;
                continue;
            }
            k += 1;
            word.push(ch);
            ch = chars[k].1;
        }
        word.push(ch);
        k += 1;
    }
    words
}

/// Shell-like word split of a whole instruction line as BuildKit's lexer does
/// it when looking for heredoc markers (raw quotes and escapes kept; the escape
/// is always `\`). `None` when a quote is unterminated (BuildKit then finds no
/// heredocs at all).
#[must_use]
pub fn shell_words_raw(line: &str) -> Option<Vec<LWord>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut start: Option<usize> = None;
    let mut it = line.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match c {
            '\'' | '"' => {
                start.get_or_insert(i);
                cur.push(c);
                let mut closed = false;
                while let Some((_, d)) = it.next() {
                    if c == '"' && d == '\\' {
                        cur.push(d);
                        if let Some((_, e)) = it.next() {
                            cur.push(e);
                        }
                        continue;
                    }
                    cur.push(d);
                    if d == c {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return None;
                }
            }
            '\\' => {
                start.get_or_insert(i);
                cur.push(c);
                if let Some((_, d)) = it.next() {
                    cur.push(d);
                }
            }
            c if is_space(c) => {
                if let Some(s) = start.take() {
                    words.push(LWord::built(&cur, line, s..i, 0));
                    cur.clear();
                }
            }
            c => {
                start.get_or_insert(i);
                cur.push(c);
            }
        }
    }
    if let Some(s) = start {
        words.push(LWord::built(&cur, line, s..line.len(), 0));
    }
    Some(words)
}

/// Shell words with quotes removed and escapes applied (the heredoc name).
///
/// # Errors
///
/// An unterminated quote, with the message BuildKit's shell lexer gives.
pub fn shell_words_cooked(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut it = s.chars();
    while let Some(c) = it.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match it.next() {
                        Some('\'') => break,
                        Some(d) => cur.push(d),
                        None => return Err(
                            "unexpected end of statement while looking for matching single-quote"
                                .into(),
                        ),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match it.next() {
                        Some('"') => break,
                        Some('\\') => match it.next() {
                            Some(e @ ('"' | '\\' | '$')) => cur.push(e),
                            Some(e) => {
                                cur.push('\\');
                                cur.push(e);
                            }
                            None => {
                                return Err("unexpected end of statement while looking for matching double-quote".into())
                            }
                        },
                        Some(d) => cur.push(d),
                        None => return Err("unexpected end of statement while looking for matching double-quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(d) = it.next() {
                    cur.push(d);
                }
            }
            c if is_space(c) => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_like_buildkit() {
        let line = "--from=a --chmod=\"7 55\" src dst";
        let (f, rest) = extract_flags(line, 0);
        let v: Vec<_> = f.iter().map(|w| w.text(line)).collect();
        assert_eq!(v, ["--from=a", "--chmod=7 55"]);
        assert_eq!(rest, 24);
        let (f, rest) = extract_flags("-- --x", 0);
        assert!(f.is_empty());
        assert_eq!(&"-- --x"[rest..], " --x");
    }

    #[test]
    fn words_keep_quotes() {
        let line = r#"A=1 B="2 3" C=a\ b"#;
        let w: Vec<_> = parse_words(line, 0, '\\')
            .iter()
            .map(|w| w.text(line).to_string())
            .collect();
        assert_eq!(w, ["A=1", "B=\"2 3\"", "C=a\\ b"]);
    }

    #[test]
    fn raw_shell_words() {
        let line = "RUN cat <<'EOF' > \"a b\"";
        let w: Vec<_> = shell_words_raw(line)
            .unwrap()
            .iter()
            .map(|w| w.text(line).to_string())
            .collect();
        assert_eq!(w, ["RUN", "cat", "<<'EOF'", ">", "\"a b\""]);
        assert!(shell_words_raw("RUN echo 'x").is_none());
        assert_eq!(shell_words_cooked("'E'OF").unwrap(), ["EOF"]);
    }
}
