//! The line-based parse, following BuildKit's `parser.Parse`.

use super::json::{parse_array, JsonArray};
use super::words::{
    extract_flags, is_space, is_ws_sep, parse_words, shell_words_cooked, shell_words_raw, split_ws,
    trim_space_range, LWord,
};
use super::{
    Args, Directive, Dockerfile, Flag, Heredoc, Instruction, Kind, LineMap, ParseError, Piece,
    PieceKind, Word,
};
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

fn split_lines(text: &str, skip: usize) -> Vec<Line> {
    let b = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = skip;
    while start < b.len() {
        let end = match b[start..].iter().position(|&c| c == b'\n') {
            Some(i) => start + i + 1,
            None => b.len(),
        };
        let mut content_end = end;
        while content_end > start && matches!(b[content_end - 1], b'\n' | b'\r') {
            content_end -= 1;
        }
        lines.push(Line {
            start,
            content_end,
            end,
        });
        start = end;
    }
    lines
}

/// Parser-directive state (BuildKit's `DirectiveParser`).
struct Directives {
    done: bool,
    seen: Vec<String>,
    escape: char,
}

fn is_re_space(c: char) -> bool {
    // Go regexp `\s`: [\t\n\f\r ]
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// Match `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
fn match_directive(tok: &str) -> Option<(String, String)> {
    let rest = tok.strip_prefix('#')?.trim_start_matches(is_re_space);
    let name_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
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
        return Some((name.to_string(), v.to_string()));
    }
    // Only blanks after `=`: the lazy group takes the last one.
    let last = after.chars().last()?;
    Some((name.to_string(), last.to_string()))
}

impl Directives {
    fn check(&mut self, tok: &str, span: Range<usize>) -> Result<Option<Directive>, ParseError> {
        if self.done {
            return Ok(None);
        }
        let Some((name, value)) = match_directive(tok) else {
            self.done = true;
            return Ok(None);
        };
        let k = name.to_ascii_lowercase();
        if !matches!(k.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(None);
        }
        if self.seen.contains(&k) {
            return Err(ParseError {
                message: format!("only one {k} parser directive can be used"),
                offset: span.start,
            });
        }
        self.seen.push(k.clone());
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

/// parseJSON + parseMaybeJSON.
fn maybe_json(rest: &str, base: usize) -> LResult<LArgs> {
    if rest.is_empty() {
        return Ok(LArgs::None);
    }
    let lead = rest.len() - rest.trim_start_matches(is_space).len();
    let t = &rest[lead..];
    if t.starts_with('[') {
        match parse_array(t) {
            JsonArray::Strings(items) => {
                return Ok(LArgs::Exec(
                    items
                        .into_iter()
                        .map(|(v, r)| LWord {
                            value: v,
                            range: base + lead + r.start..base + lead + r.end,
                        })
                        .collect(),
                ))
            }
            JsonArray::NotStrings => return Err((NOT_STRINGS.into(), base)),
            JsonArray::Invalid(e) => {
                return Ok(LArgs::Shell(
                    LWord {
                        value: rest.to_string(),
                        range: base..base + rest.len(),
                    },
                    Some(e),
                ))
            }
        }
    }
    Ok(LArgs::Shell(
        LWord {
            value: rest.to_string(),
            range: base..base + rest.len(),
        },
        None,
    ))
}

fn whitespace_list(rest: &str, base: usize) -> LArgs {
    if rest.is_empty() {
        return LArgs::None;
    }
    LArgs::List(split_ws(rest, base))
}

fn maybe_json_list(rest: &str, base: usize) -> LResult<LArgs> {
    let t = rest.trim_start_matches(is_space);
    if t.starts_with('[') {
        let lead = rest.len() - t.len();
        match parse_array(t) {
            JsonArray::Strings(items) => {
                return Ok(LArgs::Exec(
                    items
                        .into_iter()
                        .map(|(v, r)| LWord {
                            value: v,
                            range: base + lead + r.start..base + lead + r.end,
                        })
                        .collect(),
                ))
            }
            JsonArray::NotStrings => return Err((NOT_STRINGS.into(), base)),
            JsonArray::Invalid(_) => {}
        }
    }
    Ok(whitespace_list(rest, base))
}

fn name_val(rest: &str, base: usize, key: &str, escape: char) -> LResult<LArgs> {
    let words = parse_words(rest, base, escape);
    if words.is_empty() {
        return Ok(LArgs::None);
    }
    if !words[0].value.contains('=') {
        let parts = split_ws(rest, base);
        if parts.len() < 2 {
            return Err((format!("{key} must have two arguments"), base));
        }
        let k = parts[0].clone();
        let vstart = parts[1].range.start;
        let v = LWord {
            value: rest[vstart - base..].to_string(),
            range: vstart..base + rest.len(),
        };
        return Ok(LArgs::KeyValues(vec![(k, v)], true));
    }
    let mut pairs = Vec::new();
    for w in words {
        let Some(eq) = w.value.find('=') else {
            return Err((
                format!(
                    "Syntax error - can't find = in {:?}. Must be of the form: name=value",
                    w.value
                ),
                w.range.start,
            ));
        };
        let s = w.range.start;
        pairs.push((
            LWord {
                value: w.value[..eq].to_string(),
                range: s..s + eq,
            },
            LWord {
                value: w.value[eq + 1..].to_string(),
                range: s + eq + 1..w.range.end,
            },
        ));
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
    let kind = LWord {
        value: rest[..sep].to_string(),
        range: base..base + sep,
    };
    let cmd = maybe_json(&rest[next..], base + next)?;
    Ok(LArgs::Health(kind, Box::new(cmd)))
}

/// newNodeFromLine: split keyword, flags and arguments, then dispatch.
fn parse_node(line: &str, base: usize, escape: char) -> LResult<Node> {
    let tr = trim_space_range(line);
    let t = &line[tr.clone()];
    let tb = t.as_bytes();
    let kw_end = tb.iter().position(|&c| is_ws_sep(c)).unwrap_or(tb.len());
    let keyword = LWord {
        value: t[..kw_end].to_string(),
        range: base + tr.start..base + tr.start + kw_end,
    };
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
    let args = match Kind::from_keyword(&keyword.value) {
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
                LArgs::Text(LWord {
                    value: args_text.to_string(),
                    range: args_range.clone(),
                })
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
        flags,
        args,
        args_range,
    })
}

impl Node {
    /// BuildKit's `canContainHeredoc`.
    fn can_contain_heredoc(&self) -> bool {
        let n = match &self.args {
            LArgs::OnBuild(child) if Kind::from_keyword(&self.keyword.value) == Kind::Onbuild => {
                child
            }
            _ => self,
        };
        matches!(
            Kind::from_keyword(&n.keyword.value),
            Kind::Run | Kind::Copy | Kind::Add
        ) && !matches!(n.args, LArgs::Exec(_))
    }
}

struct Marker {
    name: String,
    fd: u32,
    chomp: bool,
    expand: bool,
    range: Range<usize>,
}

/// Match `^(\d*)<<(-?)([^<]*)$` on a raw word and read the delimiter.
fn heredoc_marker(w: &LWord) -> Result<Option<Marker>, String> {
    let s = w.value.as_str();
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
    Ok(Some(Marker {
        expand: quotes(&name) == quotes(rest),
        name,
        fd: s[..digits].parse().unwrap_or(0),
        chomp,
        range: w.range.clone(),
    }))
}

struct Builder<'a> {
    text: &'a str,
    pieces: Vec<Piece>,
}

impl Builder<'_> {
    fn piece(&mut self, kind: PieceKind, span: Range<usize>) {
        if !span.is_empty() {
            self.pieces.push(Piece { kind, span });
        }
    }

    fn newline(&mut self, l: &Line) {
        self.piece(PieceKind::Newline, l.content_end..l.end);
    }

    /// Pieces of a line of instruction text: code, then a continuation marker.
    fn code_line(&mut self, start: usize, keep: usize, l: &Line) {
        self.piece(PieceKind::Code, start..start + keep);
        self.piece(PieceKind::Continuation, start + keep..l.content_end);
        self.newline(l);
    }
}

fn convert(a: LArgs, map: &LineMap, line: &str, escape: char) -> Args {
    let w = |lw: LWord| Word {
        value: lw.value,
        span: map.range(lw.range),
    };
    match a {
        LArgs::None => Args::None,
        LArgs::Exec(v) => Args::Exec(v.into_iter().map(w).collect()),
        LArgs::Shell(t, e) => Args::Shell {
            text: w(t),
            json_error: e,
        },
        LArgs::List(v) => Args::List(v.into_iter().map(w).collect()),
        LArgs::Words(v) => Args::Words(v.into_iter().map(w).collect()),
        LArgs::KeyValues(v, legacy) => Args::KeyValues {
            pairs: v.into_iter().map(|(k, v)| (w(k), w(v))).collect(),
            legacy,
        },
        LArgs::Health(k, c) => Args::Health {
            kind: w(k),
            cmd: Box::new(convert(*c, map, line, escape)),
        },
        LArgs::OnBuild(n) => Args::OnBuild(Box::new(instruction(
            *n,
            map,
            line,
            escape,
            0,
            0,
            Vec::new(),
            false,
        ))),
        LArgs::Text(t) => Args::Text(w(t)),
        LArgs::Ignored => Args::Ignored,
    }
}

#[allow(clippy::too_many_arguments)]
fn instruction(
    n: Node,
    map: &LineMap,
    line: &str,
    escape: char,
    start_line: usize,
    end_line: usize,
    heredocs: Vec<Heredoc>,
    has_inner_comments: bool,
) -> Instruction {
    let keyword_span = map.range(n.keyword.range.clone());
    let flags = n
        .flags
        .into_iter()
        .map(|f| {
            let body = f.value.trim_start_matches('-');
            let (name, value) = match body.split_once('=') {
                Some((a, b)) => (a.to_string(), Some(b.to_string())),
                None => (body.to_string(), None),
            };
            Flag {
                span: map.range(f.range),
                text: f.value,
                name,
                value,
            }
        })
        .collect();
    let kind = Kind::from_keyword(&n.keyword.value);
    Instruction {
        keyword: n.keyword.value,
        kind,
        span: keyword_span.clone(),
        keyword_span,
        start_line,
        end_line,
        line: line.to_string(),
        map: map.clone(),
        flags,
        args: convert(n.args, map, line, escape),
        args_range: n.args_range,
        heredocs,
        has_inner_comments,
        json_trailing: None,
    }
}

/// Parse a Dockerfile. Fails where BuildKit fails, with the offset of the
/// offending text.
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    let skip = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let lines = split_lines(text, skip);
    let mut b = Builder {
        text,
        pieces: Vec::new(),
    };
    b.piece(PieceKind::Bom, 0..skip);
    let mut d = Directives {
        done: false,
        seen: Vec::new(),
        escape: '\\',
    };
    let mut directives = Vec::new();
    let mut instructions = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        i += 1;
        let raw = &text[l.start..l.content_end];
        let lead = raw.len() - raw.trim_start_matches(is_space).len();
        let tok = &raw[lead..];
        let tok_start = l.start + lead;
        let directive = d.check(tok, tok_start..l.content_end)?;
        if is_comment(tok) {
            b.piece(PieceKind::Indent, l.start..tok_start);
            let kind = if directive.is_some() {
                PieceKind::Directive
            } else {
                PieceKind::Comment
            };
            b.piece(kind, tok_start..l.content_end);
            b.newline(&l);
            directives.extend(directive);
            continue;
        }
        let (keep, mut cont) = trim_continuation(tok, d.escape);
        if !cont && keep == 0 {
            b.piece(PieceKind::Blank, l.start..l.content_end);
            b.newline(&l);
            continue;
        }
        let start_line = i;
        let mut map = LineMap::default();
        let mut logical = String::new();
        map.push(0, tok_start, keep);
        logical.push_str(&tok[..keep]);
        b.piece(PieceKind::Indent, l.start..tok_start);
        b.code_line(tok_start, keep, &l);
        let mut inner_comments = false;
        let mut last_content_end = tok_start + keep;
        while cont && i < lines.len() {
            let l = lines[i];
            i += 1;
            let raw = &text[l.start..l.content_end];
            if is_comment(raw) {
                inner_comments = true;
                let lead = raw.len() - raw.trim_start_matches(is_space).len();
                b.piece(PieceKind::Indent, l.start..l.start + lead);
                b.piece(PieceKind::Comment, l.start + lead..l.content_end);
                b.newline(&l);
                continue;
            }
            if raw.trim_start_matches(is_space).is_empty() {
                b.piece(PieceKind::Blank, l.start..l.content_end);
                b.newline(&l);
                continue;
            }
            let (keep, c) = trim_continuation(raw, d.escape);
            cont = c;
            map.push(logical.len(), l.start, keep);
            logical.push_str(&raw[..keep]);
            b.code_line(l.start, keep, &l);
            last_content_end = l.content_end.max(l.start + keep);
        }
        let node = parse_node(&logical, 0, d.escape).map_err(|(message, off)| ParseError {
            message,
            offset: map.start(off).max(tok_start),
        })?;
        let mut heredocs = Vec::new();
        if node.can_contain_heredoc() && logical.contains("<<") {
            let markers = match shell_words_raw(&logical) {
                Some(words) => {
                    let mut ms = Vec::new();
                    for w in &words {
                        let m = heredoc_marker(w).map_err(|message| ParseError {
                            message,
                            offset: map.start(w.range.start),
                        })?;
                        ms.extend(m);
                    }
                    ms
                }
                None => Vec::new(),
            };
            for m in markers {
                let body_start = lines.get(i).map_or(text.len(), |l| l.start);
                let mut content = String::new();
                let mut terminated = None;
                while i < lines.len() {
                    let l = lines[i];
                    i += 1;
                    let mut cand = &text[l.start..l.content_end];
                    if m.chomp {
                        cand = cand.trim_start_matches('\t');
                    }
                    if cand == m.name {
                        terminated = Some(l);
                        break;
                    }
                    content.push_str(&text[l.start..l.end]);
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
                last_content_end = end.content_end;
                heredocs.push(Heredoc {
                    name: m.name,
                    fd: m.fd,
                    chomp: m.chomp,
                    expand: m.expand,
                    content,
                    marker: map.range(m.range),
                    body: body_start..end.start,
                    terminator: end.start..end.content_end,
                });
            }
        }
        let mut ins = instruction(
            node,
            &map,
            &logical,
            d.escape,
            start_line,
            i,
            heredocs,
            inner_comments,
        );
        if let Args::Exec(_) = &ins.args {
            let a = ins.args_range.clone();
            let lead =
                logical[a.clone()].len() - logical[a.clone()].trim_start_matches(is_space).len();
            if let Some(t) = super::json::trailing_text(&logical[a.start + lead..a.end]) {
                ins.json_trailing = Some(map.range(a.start + lead + t..a.end));
            }
        }
        ins.span = ins.keyword_span.start..last_content_end.max(ins.keyword_span.end);
        instructions.push(ins);
    }
    let pieces = b.pieces;
    debug_assert_eq!(
        pieces.iter().map(|p| p.span.len()).sum::<usize>(),
        b.text.len()
    );
    if instructions.is_empty() {
        return Err(ParseError {
            message: "file with no instructions".into(),
            // The start of the last line with text (not past the end).
            offset: {
                let body = text.trim_end();
                body.rfind('\n').map_or(0, |i| i + 1)
            },
        });
    }
    Ok(Dockerfile {
        escape: d.escape,
        directives,
        instructions,
        pieces,
    })
}
