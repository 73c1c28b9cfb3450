//! A small POSIX shell tokenizer for command strings, with byte ranges.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokKind {
    /// A word. `value` is the word after quote removal when it is a literal
    /// (no expansion, glob or leading `~`), else `None`.
    Word { raw: String, value: Option<String> },
    /// A control operator: `&&` `||` `;` `;;` `&` `|` `|&` `(` `)` or newline.
    Op(String),
    /// A redirection operator with its target word (`>log`, `2>&1`).
    Redirect { raw: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub kind: TokKind,
    pub range: Range<usize>,
}

fn is_op_char(c: u8) -> bool {
    matches!(c, b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' | b'\n')
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r')
}

/// Scan a word starting at `i`; returns its end and its literal value.
fn word(s: &str, mut i: usize) -> (usize, Option<String>) {
    let b = s.as_bytes();
    let mut val = String::new();
    let mut literal = true;
    if b.get(i) == Some(&b'~') {
        literal = false;
    }
    while i < b.len() {
        let c = b[i];
        if is_blank(c) || is_op_char(c) {
            break;
        }
        match c {
            b'\\' => {
                if let Some(ch) = s[i + 1..].chars().next() {
                    if ch != '\n' {
                        val.push(ch);
                    }
                    i += 1 + ch.len_utf8();
                } else {
                    i += 1;
                }
            }
            b'\'' => {
                let end = s[i + 1..].find('\'').map_or(b.len(), |e| i + 1 + e);
                val.push_str(&s[i + 1..end]);
                i = (end + 1).min(b.len());
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    match b[i] {
                        b'\\'
                            if i + 1 < b.len()
                                && matches!(b[i + 1], b'"' | b'\\' | b'$' | b'`' | b'\n') =>
                        {
                            if b[i + 1] != b'\n' {
                                val.push(b[i + 1] as char);
                            }
                            i += 2;
                        }
                        b'$' | b'`' => {
                            literal = false;
                            i = skip_expansion(s, i);
                        }
                        _ => {
                            let ch = s[i..].chars().next().unwrap_or(' ');
                            val.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                i = (i + 1).min(b.len());
            }
            b'$' | b'`' => {
                literal = false;
                i = skip_expansion(s, i);
            }
            b'*' | b'?' | b'[' => {
                literal = false;
                val.push(c as char);
                i += 1;
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or(' ');
                val.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    // Empty when it starts at a blank or an operator: a redirection without
    // its target (`<<` then a newline); callers make progress themselves.
    (i, literal.then_some(val))
}

/// Skip `$name`, `${...}`, `$(...)`, `$((...))` or a backtick command.
fn skip_expansion(s: &str, i: usize) -> usize {
    let b = s.as_bytes();
    if b[i] == b'`' {
        let mut j = i + 1;
        while j < b.len() && b[j] != b'`' {
            j += if b[j] == b'\\' { 2 } else { 1 };
        }
        return (j + 1).min(b.len());
    }
    match b.get(i + 1) {
        Some(b'{') => match_close(s, i + 1, b'{', b'}'),
        Some(b'(') => match_close(s, i + 1, b'(', b')'),
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => {
            let mut j = i + 1;
            if c.is_ascii_digit() {
                return j + 1;
            }
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            j
        }
        Some(b'@' | b'*' | b'#' | b'?' | b'-' | b'$' | b'!') => i + 2,
        _ => i + 1,
    }
}

/// Index after the bracket matching the one at `open_at`, honouring quotes.
fn match_close(s: &str, open_at: usize, open: u8, close: u8) -> usize {
    let b = s.as_bytes();
    let mut depth = 0;
    let mut j = open_at;
    while j < b.len() {
        match b[j] {
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            b'\\' => j += 1,
            b'\'' => j = s[j + 1..].find('\'').map_or(b.len(), |e| j + 1 + e),
            _ => {}
        }
        j += 1;
    }
    b.len()
}

/// Tokenize a command string. Never fails: unterminated quotes run to the end.
#[must_use]
pub fn lex(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut word_start_ok = true;
    while i < b.len() {
        let c = b[i];
        if is_blank(c) {
            i += 1;
            word_start_ok = true;
            continue;
        }
        if c == b'\\' && b.get(i + 1) == Some(&b'\n') {
            i += 2;
            continue;
        }
        if c == b'#' && word_start_ok {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        // Redirections: [n]op target
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let op_at = i + digits;
        if op_at < b.len() && (b[op_at] == b'<' || b[op_at] == b'>')
            || (c == b'&' && b.get(i + 1) == Some(&b'>'))
        {
            let start = i;
            let mut j = if c == b'&' { i + 2 } else { op_at + 1 };
            while j < b.len() && matches!(b[j], b'>' | b'<' | b'&' | b'|' | b'-') {
                j += 1;
            }
            while j < b.len() && is_blank(b[j]) {
                j += 1;
            }
            let (end, _) = word(s, j);
            out.push(Tok {
                kind: TokKind::Redirect {
                    raw: s[start..end].to_string(),
                },
                range: start..end,
            });
            i = end;
            word_start_ok = true;
            continue;
        }
        if is_op_char(c) {
            let two = s.get(i..i + 2).unwrap_or("");
            let op = match two {
                "&&" | "||" | ";;" | "|&" => two,
                _ => &s[i..=i],
            };
            out.push(Tok {
                kind: TokKind::Op(op.to_string()),
                range: i..i + op.len(),
            });
            i += op.len();
            word_start_ok = true;
            continue;
        }
        let (end, value) = word(s, i);
        let end = end.max(i + 1);
        out.push(Tok {
            kind: TokKind::Word {
                raw: s[i..end].to_string(),
                value,
            },
            range: i..end,
        });
        i = end;
        word_start_ok = false;
    }
    out
}
