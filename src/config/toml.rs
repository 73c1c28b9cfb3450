//! A small TOML reader for `dsig.toml`: the subset a configuration file
//! needs, with the byte span of every key and value so that errors point at
//! the line.
//!
//! Supported: comments, bare / quoted / dotted keys, `[table]` headers,
//! basic and literal strings (single-line, with TOML's escapes), booleans,
//! integers, arrays (over several lines, trailing comma), inline tables.
//! Anything else (multi-line strings, floats, dates, arrays of tables) is an
//! error that says so, never silently misread. Duplicate keys and tables
//! are errors, as in TOML.

use std::collections::HashMap;
use std::ops::Range;

/// A value with the byte range it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    String(String),
    Bool(bool),
    Integer(i64),
    Array(Vec<Spanned<Value>>),
    Table(Table),
}

impl Value {
    /// What the value is, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Bool(_) => "a boolean",
            Value::Integer(_) => "an integer",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

/// A table: its entries in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub entries: Vec<(Spanned<String>, Spanned<Value>)>,
    /// Defined by a `[header]` or inline: may not be reopened.
    sealed: bool,
    /// Key -> its index in `entries` (a scan per key was quadratic: 100,000
    /// keys took 11 s).
    index: HashMap<String, usize>,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Spanned<Value>> {
        self.index.get(key).map(|&i| &self.entries[i].1)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Spanned<Value>> {
        self.index.get(key).map(|&i| &mut self.entries[i].1)
    }

    /// Add an entry whose key is not in the table yet.
    fn push(&mut self, key: Spanned<String>, value: Spanned<Value>) {
        self.index.insert(key.value.clone(), self.entries.len());
        self.entries.push((key, value));
    }
}

/// A syntax error at a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    pub span: Range<usize>,
}

fn err<T>(message: impl Into<String>, span: Range<usize>) -> Result<T, Error> {
    Err(Error {
        message: message.into(),
        span,
    })
}

/// Parse a whole document into its root table.
pub fn parse(text: &str) -> Result<Table, Error> {
    let mut p = Parser {
        text,
        pos: if text.starts_with('\u{feff}') { 3 } else { 0 },
        depth: 0,
    };
    let mut root = Table::default();
    // The path of the current `[table]`, empty for the root.
    let mut current: Vec<Spanned<String>> = Vec::new();
    loop {
        p.skip_ws();
        match p.peek() {
            None => break,
            Some('#') => p.skip_comment(),
            Some('\n') => p.pos += 1,
            Some('\r') if p.rest().starts_with("\r\n") => p.pos += 2,
            Some('[') => {
                let start = p.pos;
                if p.rest().starts_with("[[") {
                    return err(
                        "arrays of tables (`[[...]]`) are not supported in dsig.toml",
                        start..start + 2,
                    );
                }
                p.pos += 1;
                p.skip_ws();
                let path = p.key_path()?;
                p.skip_ws();
                if p.peek() != Some(']') {
                    return err("expected `]` to close the table header", p.here());
                }
                p.pos += 1;
                p.end_of_line()?;
                open_table(&mut root, &path, start..p.line_end_before_comment(start))?;
                current = path;
            }
            Some(_) => {
                let path = p.key_path()?;
                p.skip_ws();
                if p.peek() != Some('=') {
                    return err("expected `=` after the key", p.here());
                }
                p.pos += 1;
                p.skip_ws();
                let value = p.value()?;
                p.end_of_line()?;
                let table = table_at(&mut root, &current)?;
                insert(table, &path, value)?;
            }
        }
    }
    Ok(root)
}

/// The table at `path` (already opened by a header).
fn table_at<'t>(root: &'t mut Table, path: &[Spanned<String>]) -> Result<&'t mut Table, Error> {
    let mut table = root;
    for key in path {
        table = match table.get_mut(&key.value) {
            Some(Spanned {
                value: Value::Table(t),
                ..
            }) => t,
            _ => return err("internal error: table vanished", key.span.clone()),
        };
    }
    Ok(table)
}

/// `[a.b.c]`: create the table (and any missing parents); a table may be
/// opened by a header only once, and not after keys defined it.
fn open_table(root: &mut Table, path: &[Spanned<String>], span: Range<usize>) -> Result<(), Error> {
    let mut table = root;
    for (i, key) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        if table.get(&key.value).is_none() {
            table.push(
                key.clone(),
                Spanned {
                    value: Value::Table(Table::default()),
                    span: span.clone(),
                },
            );
        }
        let entry = table.get_mut(&key.value).expect("just inserted");
        match &mut entry.value {
            Value::Table(t) => {
                if last {
                    if t.sealed {
                        return err(format!("table `{}` is defined twice", dotted(path)), span);
                    }
                    t.sealed = true;
                    entry.span = span.clone();
                }
                table = t;
            }
            other => {
                return err(
                    format!(
                        "`{}` is {}, not a table",
                        dotted(&path[..=i]),
                        other.type_name()
                    ),
                    key.span.clone(),
                )
            }
        }
    }
    Ok(())
}

/// `a.b.c = value` inside `table`.
fn insert(table: &mut Table, path: &[Spanned<String>], value: Spanned<Value>) -> Result<(), Error> {
    let (last, parents) = path.split_last().expect("a key has at least one part");
    let mut table = table;
    for (i, key) in parents.iter().enumerate() {
        if table.get(&key.value).is_none() {
            table.push(
                key.clone(),
                Spanned {
                    value: Value::Table(Table::default()),
                    span: key.span.start..value.span.end,
                },
            );
        }
        let entry = &table.get(&key.value).expect("just inserted").value;
        match entry {
            Value::Table(t) if !t.sealed => {}
            Value::Table(_) => {
                return err(
                    format!("table `{}` is already defined", dotted(&path[..=i])),
                    key.span.clone(),
                )
            }
            other => {
                return err(
                    format!(
                        "`{}` is {}, not a table",
                        dotted(&path[..=i]),
                        other.type_name()
                    ),
                    key.span.clone(),
                )
            }
        }
        table = match &mut table.get_mut(&key.value).expect("just inserted").value {
            Value::Table(t) => t,
            _ => unreachable!("checked above"),
        };
    }
    if table.get(&last.value).is_some() {
        return err(
            format!("key `{}` is defined twice", dotted(path)),
            last.span.clone(),
        );
    }
    table.push(last.clone(), value);
    Ok(())
}

fn dotted(path: &[Spanned<String>]) -> String {
    path.iter()
        .map(|k| k.value.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// How deep arrays and inline tables may nest, and how many parts a dotted
/// key may have, in dsig.toml: a hostile file nesting 30,000 `[` overflowed
/// the stack (the parser, and the drop of the value, recurse once per level).
pub const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// Arrays and inline tables open at `pos`.
    depth: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// A one-character span at the current position (empty at the end).
    fn here(&self) -> Range<usize> {
        self.pos..self.pos + self.peek().map_or(0, char::len_utf8)
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn skip_comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    /// Skip white space, newlines and comments (inside arrays).
    fn skip_ws_lines(&mut self) {
        loop {
            self.skip_ws();
            match self.peek() {
                Some('#') => self.skip_comment(),
                Some('\n') | Some('\r') => self.pos += 1,
                _ => break,
            }
        }
    }

    /// After a key/value pair or header: only a comment may follow.
    fn end_of_line(&mut self) -> Result<(), Error> {
        self.skip_ws();
        match self.peek() {
            None | Some('\n') => Ok(()),
            Some('\r') if self.rest().starts_with("\r\n") => Ok(()),
            Some('#') => {
                self.skip_comment();
                Ok(())
            }
            Some(_) => err("expected the end of the line", self.here()),
        }
    }

    /// The end of the header that started at `start`, for its span.
    fn line_end_before_comment(&self, start: usize) -> usize {
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line = &self.text[start..line_end];
        start + line.find(']').map_or(line.len(), |i| i + 1)
    }

    fn key_path(&mut self) -> Result<Vec<Spanned<String>>, Error> {
        let mut path = vec![self.key()?];
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.peek() == Some('.') {
                if path.len() >= MAX_DEPTH {
                    return err(
                        format!("a dotted key has more than {MAX_DEPTH} parts"),
                        self.here(),
                    );
                }
                self.pos += 1;
                self.skip_ws();
                path.push(self.key()?);
            } else {
                self.pos = save;
                return Ok(path);
            }
        }
    }

    fn key(&mut self) -> Result<Spanned<String>, Error> {
        let start = self.pos;
        match self.peek() {
            Some('"') | Some('\'') => {
                if self.rest().starts_with("\"\"\"") || self.rest().starts_with("'''") {
                    return err("a key cannot be a multi-line string", start..start + 3);
                }
                let value = self.string()?;
                Ok(Spanned {
                    value,
                    span: start..self.pos,
                })
            }
            Some(c) if is_bare(c) => {
                while self.peek().is_some_and(is_bare) {
                    self.pos += 1;
                }
                Ok(Spanned {
                    value: self.text[start..self.pos].to_string(),
                    span: start..self.pos,
                })
            }
            _ => err("expected a key", self.here()),
        }
    }

    fn value(&mut self) -> Result<Spanned<Value>, Error> {
        if matches!(self.peek(), Some('[' | '{')) {
            if self.depth >= MAX_DEPTH {
                return err(
                    format!("arrays and inline tables nest more than {MAX_DEPTH} deep"),
                    self.here(),
                );
            }
            self.depth += 1;
            let v = self.value_at();
            self.depth -= 1;
            return v;
        }
        self.value_at()
    }

    fn value_at(&mut self) -> Result<Spanned<Value>, Error> {
        let start = self.pos;
        let value = match self.peek() {
            Some('"') | Some('\'') => {
                if self.rest().starts_with("\"\"\"") || self.rest().starts_with("'''") {
                    return err(
                        "multi-line strings are not supported in dsig.toml",
                        start..start + 3,
                    );
                }
                Value::String(self.string()?)
            }
            Some('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws_lines();
                    if self.peek() == Some(']') {
                        self.pos += 1;
                        break;
                    }
                    items.push(self.value()?);
                    self.skip_ws_lines();
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some(']') => {
                            self.pos += 1;
                            break;
                        }
                        None => {
                            return err("unterminated array (no closing `]`)", start..start + 1)
                        }
                        _ => return err("expected `,` or `]` in the array", self.here()),
                    }
                }
                Value::Array(items)
            }
            Some('{') => {
                self.pos += 1;
                let mut table = Table::default();
                self.skip_ws();
                if self.peek() == Some('}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_ws();
                        let path = self.key_path()?;
                        self.skip_ws();
                        if self.peek() != Some('=') {
                            return err("expected `=` after the key", self.here());
                        }
                        self.pos += 1;
                        self.skip_ws();
                        let v = self.value()?;
                        insert(&mut table, &path, v)?;
                        self.skip_ws();
                        match self.peek() {
                            Some(',') => self.pos += 1,
                            Some('}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => {
                                return err("expected `,` or `}` in the inline table", self.here())
                            }
                        }
                    }
                }
                table.sealed = true;
                Value::Table(table)
            }
            Some(c) if c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '_' => {
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || "+-_.:".contains(c))
                {
                    self.pos += 1;
                }
                let word = &self.text[start..self.pos];
                match word {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => match word.replace('_', "").parse::<i64>() {
                        Ok(n) if !word.starts_with('_') && !word.ends_with('_') => {
                            Value::Integer(n)
                        }
                        _ => {
                            return err(
                                format!(
                                    "unsupported value `{word}` (dsig.toml takes strings, booleans, integers, arrays and tables; quote strings)"
                                ),
                                start..self.pos,
                            )
                        }
                    },
                }
            }
            _ => return err("expected a value", self.here()),
        };
        Ok(Spanned {
            value,
            span: start..self.pos,
        })
    }

    /// A single-line basic (`"..."`) or literal (`'...'`) string.
    fn string(&mut self) -> Result<String, Error> {
        let start = self.pos;
        let quote = self.peek().expect("caller saw a quote");
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return err("unterminated string", start..self.pos);
            };
            match c {
                '\n' | '\r' => return err("unterminated string", start..self.pos),
                c if c == quote => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' if quote == '"' => {
                    let esc_start = self.pos;
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return err("unterminated string", start..self.pos);
                    };
                    self.pos += e.len_utf8();
                    match e {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'e' => out.push('\u{1b}'),
                        'u' | 'U' => {
                            let n = if e == 'u' { 4 } else { 8 };
                            let hex = self.rest().get(..n).unwrap_or("");
                            match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                                Some(ch) if hex.len() == n => {
                                    out.push(ch);
                                    self.pos += n;
                                }
                                _ => {
                                    return err(
                                        "invalid unicode escape",
                                        esc_start..self.pos + hex.len(),
                                    )
                                }
                            }
                        }
                        _ => return err("invalid escape in string", esc_start..self.pos),
                    }
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }
}

fn is_bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(t: &'a Table, path: &str) -> &'a Value {
        let mut table = t;
        let parts: Vec<&str> = path.split('.').collect();
        for (i, p) in parts.iter().enumerate() {
            let v = &table.get(p).unwrap_or_else(|| panic!("no {p}")).value;
            if i + 1 == parts.len() {
                return v;
            }
            match v {
                Value::Table(t) => table = t,
                _ => panic!("{p} is not a table"),
            }
        }
        unreachable!()
    }

    #[test]
    fn documents() {
        let text = r#"
# a comment
select = ["SIG001", 'shell-form-cmd',] # trailing
fail-level = "error"
flag = true
n = 1_000
[severity]
SIG004 = "info"
"quoted key" = "a\tb\u00e9"
[tool.dsig]
ignore = [
  "SIG005",  # why
  "SIG010",
]
per-path.x = { "a/**" = ["SIG001"] }
"#;
        let t = parse(text).expect("parses");
        assert_eq!(get(&t, "fail-level"), &Value::String("error".to_string()));
        assert_eq!(get(&t, "flag"), &Value::Bool(true));
        assert_eq!(get(&t, "n"), &Value::Integer(1000));
        assert_eq!(
            get(&t, "severity.quoted key"),
            &Value::String("a\tbé".to_string())
        );
        match get(&t, "tool.dsig.ignore") {
            Value::Array(a) => assert_eq!(a.len(), 2),
            v => panic!("{v:?}"),
        }
        match get(&t, "tool.dsig.per-path.x") {
            Value::Table(t) => assert!(t.get("a/**").is_some()),
            v => panic!("{v:?}"),
        }
        match get(&t, "select") {
            Value::Array(a) => {
                assert_eq!(a.len(), 2);
                assert_eq!(&text[a[1].span.clone()], "'shell-form-cmd'");
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn errors_point_at_the_problem() {
        for (text, message, at) in [
            ("a = 1\na = 2\n", "key `a` is defined twice", "a = 2"),
            ("[t]\n[t]\n", "table `t` is defined twice", "[t]\n"),
            ("a = \"x\n", "unterminated string", "\"x"),
            ("a = 1.5\n", "unsupported value `1.5`", "1.5"),
            ("a = \"\"\"x\"\"\"\n", "multi-line strings", "\"\"\""),
            ("[[t]]\n", "arrays of tables", "[["),
            ("a = [1 2]\n", "expected `,` or `]`", "2]"),
            ("a = 1 b\n", "expected the end of the line", "b"),
            ("a\n", "expected `=`", "\n"),
            ("a = 1\n[a]\n", "`a` is an integer, not a table", "a]"),
        ] {
            let e = parse(text).expect_err(text);
            assert!(e.message.contains(message), "{text:?}: {}", e.message);
            assert!(
                text[e.span.start..].starts_with(&at[..at.len().min(text.len() - e.span.start)]),
                "{text:?}: span {:?}",
                e.span
            );
        }
    }

    /// 30,000 nested `[` overflowed the stack (an abort of the whole run);
    /// nesting is bounded, with the error where it goes too deep.
    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let ok = format!("a = {}{}\n", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let n = 30_000;
        let deep_array = format!("a = {}{}\n", "[".repeat(n), "]".repeat(n));
        let deep_table = format!("a = {}{}\n", "{b=".repeat(n), "}".repeat(n));
        let long_key = format!("{} = 1\n", vec!["k"; n].join("."));
        let long_header = format!("[{}]\n", vec!["k"; n].join("."));
        for (text, message, at) in [
            (&deep_array, "nest more than 64 deep", 4 + MAX_DEPTH),
            (&deep_table, "nest more than 64 deep", 4 + 3 * MAX_DEPTH),
            (&long_key, "more than 64 parts", 2 * MAX_DEPTH - 1),
            (&long_header, "more than 64 parts", 2 * MAX_DEPTH),
        ] {
            let e = parse(text).expect_err("too deep");
            assert!(e.message.contains(message), "{}", e.message);
            assert_eq!(e.span.start, at, "{}", e.message);
        }
    }
}
