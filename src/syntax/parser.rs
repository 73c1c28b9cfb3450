//! The line-based parse, following BuildKit's `parser.Parse`.

use super::json::{parse_array, JsonArray};
use super::words::{
    extract_flags, is_space, is_ws_sep, parse_words, shell_words_cooked, shell_words_raw, split_ws,
    trim_space_range, LValue, LWord,
};
use super::{
    Args, Directive, Dockerfile, Extra, Flag, Heredoc, Instruction, Kind, LineMap, ParseError,
    PieceKind, Pieces, ShellText, Span32, Word,
};
use std::borrow::Cow;
use std::ops::Range;

const BOM: &str = "\u{feff}";

/// A physical line: `start..content_end` is its text without trailing `\r`
/// and `\n` characters, `content_end..end` the line ending.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    content_end: usize,
    end: usize,
}

/// The physical lines of the text, read one at a time (nothing is kept).
struct Lines<'s> {
    bytes: &'s [u8],
    /// Where the next line starts.
    pos: usize,
    /// How many lines were read (the 1-based number of the last one).
    count: usize,
}

impl Iterator for Lines<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        let b = self.bytes;
        let start = self.pos;
        if start >= b.len() {
            return None;
        }
        let end = match b[start..].iter().position(|&c| c == b'\n') {
            Some(i) => start + i + 1,
            None => b.len(),
        };
        let mut content_end = end;
        while content_end > start && matches!(b[content_end - 1], b'\n' | b'\r') {
            content_end -= 1;
        }
        self.pos = end;
        self.count += 1;
        Some(Line {
            start,
            content_end,
            end,
        })
    }
}

/// Parser-directive state (BuildKit's `DirectiveParser`).
struct Directives {
    done: bool,
    seen: Vec<String>,
    escape: char,
}

impl Default for Directives {
    fn default() -> Self {
        Directives {
            done: false,
            seen: Vec::new(),
            escape: '\\',
        }
    }
}

fn is_re_space(c: char) -> bool {
    // Go regexp `\s`: [\t\n\f\r ]
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// Match `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
fn match_directive(tok: &str) -> Option<(&str, &str)> {
    let rest = tok.strip_prefix('#')?.trim_start_matches(is_re_space);
    let name_len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
    if name_len == 0 || !rest.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    let name = &rest[..name_len];
    let after = rest[name_len..]
        .trim_start_matches(is_re_space)
        .strip_prefix('=')?;
    if after.contains('\n') {
        return None;
    }
    let v = after.trim_matches(is_re_space);
    if !v.is_empty() {
        return Some((name, v));
    }
    // Only blanks after `=`: the lazy group takes the last one.
    let last = after.chars().last()?;
    Some((name, &after[after.len() - last.len_utf8()..]))
}

impl Directives {
    fn check<'s>(
        &mut self,
        tok: &'s str,
        span: Range<usize>,
    ) -> Result<Option<Directive<'s>>, ParseError> {
        if self.done {
            return Ok(None);
        }
        let Some((name, value)) = match_directive(tok) else {
            self.done = true;
            return Ok(None);
        };
        let k: Cow<'s, str> = if name.bytes().any(|c| c.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        if !matches!(&*k, "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(None);
        }
        if self.seen.iter().any(|s| *s == *k) {
            return Err(ParseError {
                message: format!("only one {k} parser directive can be used"),
                offset: span.start,
            });
        }
        self.seen.push(k.to_string());
        if k == "escape" {
            if value != "`" && value != "\\" {
                return Err(ParseError {
                    message: format!("invalid escape token '{value}' does not match ` or \\"),
                    offset: span.start,
                });
            }
            self.escape = value.chars().next().unwrap_or('\\');
        }
        Ok(Some(Directive {
            name: k,
            value,
            span,
        }))
    }
}

/// BuildKit's line-continuation test `([^E])E[ \t]*$|^E[ \t]*$`: returns the
/// length of the text to keep and whether the line continues.
fn trim_continuation(s: &str, escape: char) -> (usize, bool) {
    let t = s.trim_end_matches([' ', '\t']);
    let e = escape as u8;
    let b = t.as_bytes();
    if b.last() == Some(&e) && (b.len() == 1 || b[b.len() - 2] != e) {
        (b.len() - 1, true)
    } else {
        (s.len(), false)
    }
}

fn is_comment(s: &str) -> bool {
    s.trim_start_matches(is_space).starts_with('#')
}

/// An instruction parsed from its logical line, offsets logical.
struct Node {
    keyword: LWord,
    kind: Kind,
    flags: Vec<LWord>,
    args: LArgs,
    args_range: Range<usize>,
}

enum LArgs {
    None,
    Exec(Vec<LWord>),
    Shell(LWord, Option<String>),
    List(Vec<LWord>),
    Words(Vec<LWord>),
    KeyValues(Vec<(LWord, LWord)>, bool),
    Health(LWord, Box<LArgs>),
    OnBuild(Box<Node>),
    Text(LWord),
    Ignored,
}

type LResult<T> = Result<T, (String, usize)>;

const NOT_STRINGS: &str = "when using JSON array syntax, arrays must be comprised of strings only";

/// The words of a valid JSON array, `lead` bytes into `rest` at `base`.
/// A string without escapes keeps its text (the quotes dropped).
fn exec_words(items: Vec<(String, Range<usize>)>, t: &str, base: usize) -> Vec<LWord> {
    items
        .into_iter()
        .map(|(v, r)| {
            let inner = t.get(r.start + 1..r.end.saturating_sub(1)) == Some(v.as_str());
            LWord {
                value: if inner {
                    LValue::Inner
                } else {
                    LValue::Owned(v)
                },
                range: base + r.start..base + r.end,
            }
        })
        .collect()
}

/// The JSON array at the start of `rest` (after white space): `Ok(Some)` for
/// exec form, `Ok(None)` when it is not one, with BuildKit's error for an
/// array of something else than strings.
fn json_form(rest: &str, base: usize) -> LResult<Option<Result<Vec<LWord>, String>>> {
    let t = rest.trim_start_matches(is_space);
    if !t.starts_with('[') {
        return Ok(None);
    }
    let lead = rest.len() - t.len();
    match parse_array(t) {
        JsonArray::Strings(items) => Ok(Some(Ok(exec_words(items, t, base + lead)))),
        JsonArray::NotStrings => Err((NOT_STRINGS.into(), base)),
        JsonArray::Invalid(e) => Ok(Some(Err(e))),
    }
}

/// parseJSON + parseMaybeJSON.
fn maybe_json(rest: &str, base: usize) -> LResult<LArgs> {
    if rest.is_empty() {
        return Ok(LArgs::None);
    }
    let text = LWord::slice(base..base + rest.len());
    Ok(match json_form(rest, base)? {
        Some(Ok(words)) => LArgs::Exec(words),
        Some(Err(e)) => LArgs::Shell(text, Some(e)),
        None => LArgs::Shell(text, None),
    })
}

fn whitespace_list(rest: &str, base: usize) -> LArgs {
    if rest.is_empty() {
        return LArgs::None;
    }
    LArgs::List(split_ws(rest, base))
}

fn maybe_json_list(rest: &str, base: usize) -> LResult<LArgs> {
    if let Some(Ok(words)) = json_form(rest, base)? {
        return Ok(LArgs::Exec(words));
    }
    Ok(whitespace_list(rest, base))
}

/// The value of a `parseWords` word: its ranges are offsets in the logical
/// line, and `rest` starts at `base` in it.
fn word_text<'a>(w: &'a LWord, rest: &'a str, base: usize) -> &'a str {
    match &w.value {
        LValue::Owned(v) => v,
        _ => &rest[w.range.start - base..w.range.end - base],
    }
}

fn name_val(rest: &str, base: usize, key: &str, escape: char) -> LResult<LArgs> {
    let words = parse_words(rest, base, escape);
    let Some(first) = words.first() else {
        return Ok(LArgs::None);
    };
    if !word_text(first, rest, base).contains('=') {
        let parts = split_ws(rest, base);
        if parts.len() < 2 {
            return Err((format!("{key} must have two arguments"), base));
        }
        let k = parts[0].clone();
        let v = LWord::slice(parts[1].range.start..base + rest.len());
        return Ok(LArgs::KeyValues(vec![(k, v)], true));
    }
    let mut pairs = Vec::with_capacity(words.len());
    for w in &words {
        let t = word_text(w, rest, base);
        let Some(eq) = t.find('=') else {
            return Err((
                format!("Syntax error - can't find = in {t:?}. Must be of the form: name=value"),
                w.range.start,
            ));
        };
        let s = w.range.start;
        let (k, v) = match &w.value {
            LValue::Owned(o) => (
                LWord {
                    value: LValue::Owned(o[..eq].to_string()),
                    range: s..s + eq,
                },
                LWord {
                    value: LValue::Owned(o[eq + 1..].to_string()),
                    range: s + eq + 1..w.range.end,
                },
            ),
            _ => (
                LWord::slice(s..s + eq),
                LWord::slice(s + eq + 1..w.range.end),
            ),
        };
        pairs.push((k, v));
    }
    Ok(LArgs::KeyValues(pairs, false))
}

fn health(rest: &str, base: usize) -> LResult<LArgs> {
    let b = rest.as_bytes();
    let sep = b
        .iter()
        .position(|c| c.is_ascii_whitespace() || *c == 0x0b)
        .unwrap_or(b.len());
    if sep == 0 {
        return Ok(LArgs::None);
    }
    let mut next = sep;
    while next < b.len() && (b[next].is_ascii_whitespace() || b[next] == 0x0b) {
        next += 1;
    }
    let kind = LWord::slice(base..base + sep);
    let cmd = maybe_json(&rest[next..], base + next)?;
    Ok(LArgs::Health(kind, Box::new(cmd)))
}

/// newNodeFromLine: split keyword, flags and arguments, then dispatch.
fn parse_node(line: &str, base: usize, escape: char) -> LResult<Node> {
    let tr = trim_space_range(line);
    let t = &line[tr.clone()];
    let tb = t.as_bytes();
    let kw_end = tb.iter().position(|&c| is_ws_sep(c)).unwrap_or(tb.len());
    let keyword = LWord::slice(base + tr.start..base + tr.start + kw_end);
    let kind = Kind::from_keyword(&t[..kw_end]);
    let (flags, args_range) = if kw_end < tb.len() {
        let mut rs = kw_end;
        while rs < tb.len() && is_ws_sep(tb[rs]) {
            rs += 1;
        }
        let rest = &t[rs..];
        let rest_base = base + tr.start + rs;
        let (flags, off) = extract_flags(rest, rest_base);
        let a = &rest[off..];
        let ar = trim_space_range(a);
        (flags, rest_base + off + ar.start..rest_base + off + ar.end)
    } else {
        let p = base + tr.end;
        (Vec::new(), p..p)
    };
    let args_text = &line[args_range.start - base..args_range.end - base];
    let ab = args_range.start;
    let args = match kind {
        Kind::Add | Kind::Copy | Kind::Volume => maybe_json_list(args_text, ab)?,
        Kind::Arg => {
            let w = parse_words(args_text, ab, escape);
            if w.is_empty() {
                LArgs::None
            } else {
                LArgs::Words(w)
            }
        }
        Kind::Cmd | Kind::Entrypoint | Kind::Run | Kind::Shell => maybe_json(args_text, ab)?,
        Kind::Env => name_val(args_text, ab, "ENV", escape)?,
        Kind::Label => name_val(args_text, ab, "LABEL", escape)?,
        Kind::Expose | Kind::From => whitespace_list(args_text, ab),
        Kind::Healthcheck => health(args_text, ab)?,
        Kind::Maintainer | Kind::StopSignal | Kind::User | Kind::Workdir => {
            if args_text.is_empty() {
                LArgs::None
            } else {
                LArgs::Text(LWord::slice(args_range.clone()))
            }
        }
        Kind::Onbuild => {
            if args_text.is_empty() {
                LArgs::None
            } else {
                LArgs::OnBuild(Box::new(parse_node(args_text, ab, escape)?))
            }
        }
        Kind::Unknown => LArgs::Ignored,
    };
    Ok(Node {
        keyword,
        kind,
        flags,
        args,
        args_range,
    })
}

impl Node {
    /// BuildKit's `canContainHeredoc`.
    fn can_contain_heredoc(&self) -> bool {
        let n = match &self.args {
            LArgs::OnBuild(child) if self.kind == Kind::Onbuild => child,
            _ => self,
        };
        matches!(n.kind, Kind::Run | Kind::Copy | Kind::Add) && !matches!(n.args, LArgs::Exec(_))
    }
}

struct Marker {
    name: LWord,
    fd: u32,
    chomp: bool,
    expand: bool,
    range: Range<usize>,
}

/// Match `^(\d*)<<(-?)([^<]*)$` on a raw word and read the delimiter.
fn heredoc_marker(w: &LWord, line: &str) -> Result<Option<Marker>, String> {
    let s = w.text(line);
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let Some(after) = s[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, rest) = match after.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, after),
    };
    if rest.is_empty() || rest.contains('<') {
        return Ok(None);
    }
    let cooked = shell_words_cooked(rest)?;
    if cooked.len() != 1 {
        return Ok(None);
    }
    let name = cooked.into_iter().next().unwrap_or_default();
    let quotes = |x: &str| x.matches(['\'', '"']).count();
    let expand = quotes(&name) == quotes(rest);
    // The name is the text after `<<`/`<<-` when nothing was removed.
    let name = if name == rest && matches!(w.value, LValue::Slice) {
        LWord::slice(w.range.end - rest.len()..w.range.end)
    } else {
        LWord {
            value: LValue::Owned(name),
            range: w.range.clone(),
        }
    };
    Ok(Some(Marker {
        expand,
        name,
        fd: s[..digits].parse().unwrap_or(0),
        chomp,
        range: w.range.clone(),
    }))
}

#[derive(Default)]
struct Builder {
    pieces: Pieces,
}

impl Builder {
    fn piece(&mut self, kind: PieceKind, span: Range<usize>) {
        self.pieces.push(kind, span);
    }

    fn newline(&mut self, l: &Line) {
        self.piece(PieceKind::Newline, l.content_end..l.end);
    }

    /// Pieces of a comment (or directive) line: its indent, the text from
    /// `at`, the newline.
    fn comment_line(&mut self, kind: PieceKind, at: usize, l: &Line) {
        self.piece(PieceKind::Indent, l.start..at);
        self.piece(kind, at..l.content_end);
        self.newline(l);
    }

    /// Pieces of a line of instruction text: code, then a continuation marker.
    fn code_line(&mut self, start: usize, keep: usize, l: &Line) {
        self.piece(PieceKind::Code, start..start + keep);
        self.piece(PieceKind::Continuation, start + keep..l.content_end);
        self.newline(l);
    }
}

/// Turns the words of a logical line into words of the source: a value
/// borrows the source when it is the source text of its span, and is owned
/// only when it differs.
struct Cx<'s, 'l> {
    src: &'s str,
    /// The logical line.
    line: &'l str,
    /// The logical line when it is a slice of the source (one physical line).
    line_src: Option<&'s str>,
    map: &'l LineMap,
}

impl<'s> Cx<'s, '_> {
    /// The logical text of `r`, borrowed when the source has it as is.
    fn text(&self, r: Range<usize>) -> Cow<'s, str> {
        if let Some(l) = self.line_src {
            return Cow::Borrowed(l.get(r).unwrap_or(""));
        }
        let logical = self.line.get(r.clone()).unwrap_or("");
        if self.map.is_contiguous(r.clone()) {
            if let Some(s) = self.src.get(self.map.range(r)) {
                if s == logical {
                    return Cow::Borrowed(s);
                }
            }
        }
        Cow::Owned(logical.to_string())
    }

    fn value(&self, w: LWord) -> Cow<'s, str> {
        match w.value {
            LValue::Slice => self.text(w.range),
            LValue::Inner => self.text(w.range.start + 1..w.range.end.saturating_sub(1)),
            LValue::Owned(v) => Cow::Owned(v),
        }
    }

    fn word(&self, w: LWord) -> Word<'s> {
        let span = self.map.range(w.range.clone());
        Word::new(self.value(w), &span)
    }

    fn flag(&self, f: LWord) -> Flag<'s> {
        Flag::new(self.value(f.clone()), self.map.range(f.range))
    }

    fn args(&self, a: LArgs) -> Args<'s> {
        // Exactly sized (collecting in place would keep the lexer's spare
        // capacity).
        let words = |v: Vec<LWord>| {
            let mut out = Vec::with_capacity(v.len());
            out.extend(v.into_iter().map(|w| self.word(w)));
            out
        };
        match a {
            LArgs::None => Args::None,
            LArgs::Exec(v) => Args::Exec(words(v)),
            LArgs::Shell(t, e) => Args::Shell {
                text: ShellText::new(t.range, self.map),
                json_error: e.map(String::into_boxed_str),
            },
            LArgs::List(v) => Args::List(words(v)),
            LArgs::Words(v) => Args::Words(words(v)),
            LArgs::KeyValues(v, legacy) => Args::KeyValues {
                pairs: {
                    let mut out = Vec::with_capacity(v.len());
                    out.extend(v.into_iter().map(|(k, v)| (self.word(k), self.word(v))));
                    out
                },
                legacy,
            },
            LArgs::Health(k, c) => Args::Health {
                kind: self.word(k),
                cmd: Box::new(self.args(*c)),
            },
            LArgs::OnBuild(n) => {
                Args::OnBuild(Box::new(self.instruction(*n, 0..0, Extra::default())))
            }
            LArgs::Text(t) => Args::Text(self.word(t)),
            LArgs::Ignored => Args::Ignored,
        }
    }

    /// The instruction of a node.
    fn instruction(&self, n: Node, lines: Range<usize>, extra: Extra<'s>) -> Instruction<'s> {
        let mut flags = Vec::with_capacity(n.flags.len());
        flags.extend(n.flags.into_iter().map(|f| self.flag(f)));
        Instruction::new(
            self.src,
            n.kind,
            self.map.clone(),
            n.keyword.range.clone(),
            self.args(n.args),
            n.args_range,
            lines,
            Extra { flags, ..extra },
        )
    }
}

/// Exec form with text after the JSON array: the source span of that text.
fn json_trailing(ins: &Instruction<'_>, logical: &str, map: &LineMap) -> Option<Range<usize>> {
    if !matches!(ins.args, Args::Exec(_)) {
        return None;
    }
    let a = ins.args_range();
    let lead = logical[a.clone()].len() - logical[a.clone()].trim_start_matches(is_space).len();
    let t = super::json::trailing_text(&logical[a.start + lead..a.end])?;
    Some(map.range(a.start + lead + t..a.end))
}

/// The logical line of an instruction being joined across continuation
/// lines.
struct Joined<'a, 's> {
    logical: &'a mut Cow<'s, str>,
    segments: &'a mut Vec<(usize, usize, usize)>,
    /// A comment line was skipped.
    inner_comments: bool,
    /// Where the text of the last code line ends.
    last_content_end: usize,
}

impl<'s> Joined<'_, 's> {
    /// Read the lines after one that ends with the escape: comment and blank
    /// lines are skipped, code lines joined, until one does not continue.
    fn read(&mut self, text: &'s str, lines: &mut Lines<'_>, b: &mut Builder, escape: char) {
        for l in lines.by_ref() {
            let raw = &text[l.start..l.content_end];
            if is_comment(raw) {
                self.inner_comments = true;
                let lead = raw.len() - raw.trim_start_matches(is_space).len();
                b.comment_line(PieceKind::Comment, l.start + lead, &l);
                continue;
            }
            if raw.trim_start_matches(is_space).is_empty() {
                b.piece(PieceKind::Blank, l.start..l.content_end);
                b.newline(&l);
                continue;
            }
            let (keep, cont) = trim_continuation(raw, escape);
            self.segments.push((self.logical.len(), l.start, keep));
            if keep > 0 {
                self.logical.to_mut().push_str(&raw[..keep]);
            }
            b.code_line(l.start, keep, &l);
            self.last_content_end = l.content_end.max(l.start + keep);
            if !cont {
                break;
            }
        }
    }
}

/// The heredocs of an instruction whose logical line `cx` has: their
/// markers, then their bodies read from `lines` (pieces to `b`). Returns where
/// the last terminator line's text ends, if there was one.
fn read_heredocs<'s>(
    cx: &Cx<'s, '_>,
    lines: &mut Lines<'_>,
    b: &mut Builder,
    heredocs: &mut Vec<Heredoc<'s>>,
) -> Result<Option<usize>, ParseError> {
    let (text, logical, map) = (cx.src, cx.line, cx.map);
    let mut markers = Vec::new();
    // An unterminated quote: BuildKit finds no heredocs at all.
    for w in shell_words_raw(logical).unwrap_or_default() {
        let m = heredoc_marker(&w, logical).map_err(|message| ParseError {
            message,
            offset: map.start(w.range.start),
        })?;
        markers.extend(m);
    }
    let mut last_end = None;
    for m in markers {
        let body_start = lines.pos.min(text.len());
        let name = m.name.text(logical);
        let mut terminated = None;
        for l in lines.by_ref() {
            let mut cand = &text[l.start..l.content_end];
            if m.chomp {
                cand = cand.trim_start_matches('\t');
            }
            if cand == name {
                terminated = Some(l);
                break;
            }
        }
        let Some(end) = terminated else {
            return Err(ParseError {
                message: "unterminated heredoc".into(),
                offset: map.start(m.range.start),
            });
        };
        b.piece(PieceKind::HeredocBody, body_start..end.start);
        b.piece(PieceKind::HeredocEnd, end.start..end.content_end);
        b.newline(&end);
        last_end = Some(end.content_end);
        heredocs.push(Heredoc {
            name: cx.value(m.name),
            fd: m.fd,
            chomp: m.chomp,
            expand: m.expand,
            content: &text[body_start..end.start],
            marker: map.range(m.range),
            body: body_start..end.start,
            terminator: end.start..end.content_end,
        });
    }
    Ok(last_end)
}

/// Parse a Dockerfile. The tree borrows `text`.
///
/// # Errors
///
/// Where BuildKit fails (no instructions, a bad parser directive, an
/// unterminated heredoc, a JSON array of something else than strings, ENV or
/// LABEL without a value), with the offset of the offending text; and for a
/// text of 4 GiB or more.
pub fn parse(text: &str) -> Result<Dockerfile<'_>, ParseError> {
    if u32::try_from(text.len()).is_err() {
        return Err(ParseError {
            message: "file too large (4 GiB or more)".into(),
            offset: 0,
        });
    }
    let skip = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let mut lines = Lines {
        bytes: text.as_bytes(),
        pos: skip,
        count: 0,
    };
    let mut b = Builder::default();
    b.piece(PieceKind::Bom, 0..skip);
    let mut d = Directives::default();
    let mut directives = Vec::new();
    let mut instructions = Vec::new();
    // The segments of the logical line being read (one allocation reused).
    let mut segments = Vec::new();
    while let Some(l) = lines.next() {
        let raw = &text[l.start..l.content_end];
        let lead = raw.len() - raw.trim_start_matches(is_space).len();
        let tok = &raw[lead..];
        let tok_start = l.start + lead;
        let directive = d.check(tok, tok_start..l.content_end)?;
        if is_comment(tok) {
            let kind = if directive.is_some() {
                PieceKind::Directive
            } else {
                PieceKind::Comment
            };
            b.comment_line(kind, tok_start, &l);
            directives.extend(directive);
            continue;
        }
        let (keep, cont) = trim_continuation(tok, d.escape);
        if !cont && keep == 0 {
            b.piece(PieceKind::Blank, l.start..l.content_end);
            b.newline(&l);
            continue;
        }
        let start_line = lines.count;
        segments.clear();
        // Borrowed while the instruction is on one physical line.
        let mut logical = Cow::Borrowed(&tok[..keep]);
        segments.push((0, tok_start, keep));
        b.piece(PieceKind::Indent, l.start..tok_start);
        b.code_line(tok_start, keep, &l);
        let mut joined = Joined {
            logical: &mut logical,
            segments: &mut segments,
            inner_comments: false,
            last_content_end: tok_start + keep,
        };
        if cont {
            joined.read(text, &mut lines, &mut b, d.escape);
        }
        let (inner_comments, mut last_content_end) =
            (joined.inner_comments, joined.last_content_end);
        let map = LineMap::from_segments(&segments);
        let node = parse_node(&logical, 0, d.escape).map_err(|(message, off)| ParseError {
            message,
            offset: map.start(off).max(tok_start),
        })?;
        let cx = Cx {
            src: text,
            line: &logical,
            line_src: match &logical {
                Cow::Borrowed(s) => Some(*s),
                Cow::Owned(_) => None,
            },
            map: &map,
        };
        let mut heredocs = Vec::new();
        if node.can_contain_heredoc() && logical.contains("<<") {
            if let Some(end) = read_heredocs(&cx, &mut lines, &mut b, &mut heredocs)? {
                last_content_end = end;
            }
        }
        let extra = Extra {
            heredocs,
            has_inner_comments: inner_comments,
            ..Extra::default()
        };
        let mut ins = cx.instruction(node, start_line..lines.count, extra);
        if let Some(t) = json_trailing(&ins, &logical, &map) {
            let mut e = ins.extra.take().map_or_else(Extra::default, |e| *e);
            e.json_trailing = Some(t);
            ins.set_extra(e);
        }
        let kw = ins.keyword_span();
        ins.span = Span32::new(&(kw.start..last_content_end.max(kw.end)));
        instructions.push(ins);
    }
    let pieces = b.pieces;
    debug_assert_eq!(pieces.ends.last().map_or(0, |&e| e as usize), text.len());
    if instructions.is_empty() {
        // At the start of the last line with text (not past the end).
        let offset = text.trim_end().rfind('\n').map_or(0, |i| i + 1);
        return Err(ParseError {
            message: "file with no instructions".into(),
            offset,
        });
    }
    Ok(Dockerfile {
        escape: d.escape,
        directives,
        instructions,
        pieces,
    })
}
