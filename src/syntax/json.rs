//! The JSON check BuildKit applies to exec-form arguments.
//!
//! BuildKit decodes the arguments with Go's `encoding/json` into `[]any`: a
//! syntax error (anything that is not one complete JSON value, trailing text
//! included) makes the instruction shell form; a valid array with a
//! non-string element is a hard parse error. This module reproduces that
//! decision and records where each string element sits.

use std::ops::Range;

/// Outcome of trying `text` as an exec-form array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonArray {
    /// A JSON array of strings: each decoded value and its byte range in `text`
    /// (the range includes the quotes).
    Strings(Vec<(String, Range<usize>)>),
    /// Valid JSON, but an element is not a string (BuildKit rejects the file).
    NotStrings,
    /// Not valid JSON: BuildKit treats the text as shell form.
    Invalid(String),
}

struct P<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

type R<T> = Result<T, String>;

/// How deep arrays and objects may nest: Go's `encoding/json` rejects the
/// 10,001st level ("exceeded max depth"), and so BuildKit takes the text as
/// shell form.
const MAX_DEPTH: usize = 10_000;

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> R<T> {
        match self.text[self.i.min(self.text.len())..].chars().next() {
            Some(c) => Err(format!("invalid character {c:?} {what} (byte {})", self.i)),
            None => Err(format!("unexpected end of JSON input {what}")),
        }
    }

    /// Read one JSON value, as Go's decoder checks it. A loop over an
    /// explicit stack of the open arrays and objects, not recursion: `CMD`
    /// followed by 10,000 `[` overflowed the stack of a lint thread.
    fn value(&mut self) -> R<()> {
        let mut open: Vec<u8> = Vec::new();
        loop {
            // A value is expected here.
            self.ws();
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.string()?;
                }
                Some(&c @ (b'[' | b'{')) => {
                    if open.len() >= MAX_DEPTH {
                        return Err("exceeded max depth".into());
                    }
                    let close = if c == b'[' { b']' } else { b'}' };
                    self.i += 1;
                    self.ws();
                    if self.s.get(self.i) == Some(&close) {
                        self.i += 1;
                    } else {
                        open.push(c);
                        if c == b'{' {
                            self.object_key()?;
                        }
                        continue;
                    }
                }
                Some(b't') => self.lit("true")?,
                Some(b'f') => self.lit("false")?,
                Some(b'n') => self.lit("null")?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                _ => return self.err("looking for beginning of value"),
            }
            // A value ended: close what it ends, or go on to the next element.
            loop {
                let Some(&top) = open.last() else {
                    return Ok(());
                };
                self.ws();
                match (top, self.s.get(self.i)) {
                    (b'[', Some(b',')) => {
                        self.i += 1;
                        break;
                    }
                    (b'[', Some(b']')) | (b'{', Some(b'}')) => {
                        self.i += 1;
                        open.pop();
                    }
                    (b'[', _) => return self.err("after array element"),
                    (_, Some(b',')) => {
                        self.i += 1;
                        self.object_key()?;
                        break;
                    }
                    _ => return self.err("after object key:value pair"),
                }
            }
        }
    }

    /// An object's key and the colon after it.
    fn object_key(&mut self) -> R<()> {
        self.ws();
        if self.s.get(self.i) != Some(&b'"') {
            return self.err("looking for beginning of object key string");
        }
        self.string()?;
        self.ws();
        if self.s.get(self.i) != Some(&b':') {
            return self.err("after object key");
        }
        self.i += 1;
        Ok(())
    }

    fn lit(&mut self, word: &str) -> R<()> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(())
        } else {
            self.err("in literal")
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> R<()> {
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.err("in numeric literal"),
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return self.err("after decimal point in numeric literal");
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return self.err("in exponent of numeric literal");
            }
        }
        Ok(())
    }

    fn hex4(&mut self) -> R<u32> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .ok_or("unexpected end of JSON input")?;
        let h = std::str::from_utf8(h).map_err(|_| "invalid \\u escape".to_string())?;
        let v = u32::from_str_radix(h, 16).map_err(|_| format!("invalid \\u escape {h:?}"))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> R<String> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let rest = &self.text[self.i..];
            let Some(c) = rest.chars().next() else {
                return self.err("in string literal");
            };
            match c {
                '"' => {
                    self.i += 1;
                    return Ok(out);
                }
                '\\' => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return self.err("in string escape code");
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi)
                                && self.s.get(self.i) == Some(&b'\\')
                                && self.s.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.i = save;
                                    0xFFFD
                                }
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        _ => {
                            self.i -= 1;
                            return self.err("in string escape code");
                        }
                    }
                }
                c if (c as u32) < 0x20 => return self.err("in string literal"),
                c => {
                    out.push(c);
                    self.i += c.len_utf8();
                }
            }
        }
    }
}

/// Decide how BuildKit treats `text` (the arguments after the keyword and
/// flags, leading white space already removed) when it starts with `[`.
#[must_use]
pub fn parse_array(text: &str) -> JsonArray {
    let mut p = P {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    // Pass 1: the input must start with one valid JSON value. Like Go's
    // json.Decoder (BuildKit v0.12), text after that value is not read.
    if let Err(e) = p.value() {
        return JsonArray::Invalid(e);
    }
    // Pass 2: it is valid; it must be an array of strings.
    let mut p = P {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    p.ws();
    if p.s.get(p.i) != Some(&b'[') {
        return JsonArray::NotStrings;
    }
    p.i += 1;
    let mut items = Vec::new();
    p.ws();
    if p.s.get(p.i) == Some(&b']') {
        return JsonArray::Strings(items);
    }
    loop {
        p.ws();
        let start = p.i;
        if p.s.get(p.i) != Some(&b'"') {
            return JsonArray::NotStrings;
        }
        let Ok(v) = p.string() else {
            return JsonArray::NotStrings;
        };
        items.push((v, start..p.i));
        p.ws();
        match p.s.get(p.i) {
            Some(b',') => p.i += 1,
            _ => return JsonArray::Strings(items),
        }
    }
}

/// Byte offset of the first non-blank character after the leading JSON value
/// of `text`, when there is one (text BuildKit v0.12 ignores, and stricter
/// parsers reject).
#[must_use]
pub fn trailing_text(text: &str) -> Option<usize> {
    let mut p = P {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    p.value().ok()?;
    p.ws();
    (p.i < p.s.len()).then_some(p.i)
}

/// Encode `s` as a JSON string literal the way an author would write it in a
/// Dockerfile (only `"`, `\` and control characters escaped).
#[must_use]
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write as _;
                // Writing to a String does not fail.
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `["a", "b"]` for the given words.
#[must_use]
pub fn array(words: &[String]) -> String {
    let parts: Vec<String> = words.iter().map(|w| quote(w)).collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(t: &str) -> Vec<String> {
        match parse_array(t) {
            JsonArray::Strings(v) => v.into_iter().map(|(s, _)| s).collect(),
            other => panic!("{t}: {other:?}"),
        }
    }

    #[test]
    fn decides_like_go() {
        assert_eq!(strings(r#"["a", "b c"]"#), vec!["a", "b c"]);
        assert_eq!(strings("[]"), Vec::<String>::new());
        assert_eq!(strings("[\"\\u00e9\\n\"]  "), vec!["é\n"]);
        assert_eq!(parse_array(r#"["a", 1]"#), JsonArray::NotStrings);
        assert_eq!(
            parse_array(r#"[ "echo", [ "nested json" ] ]"#),
            JsonArray::NotStrings
        );
        assert!(matches!(parse_array("['a']"), JsonArray::Invalid(_)));
        assert_eq!(
            strings(r#"["a"] b"#),
            vec!["a"],
            "trailing text is ignored, as BuildKit v0.12 does"
        );
        assert_eq!(trailing_text(r#"["a"]  # x"#), Some(7));
        assert_eq!(trailing_text(r#"["a"]  "#), None);
        assert!(matches!(parse_array(r#"["a", 1"#), JsonArray::Invalid(_)));
        assert!(matches!(parse_array(r#"["a",]"#), JsonArray::Invalid(_)));
        assert!(matches!(parse_array(r#"["a\x"]"#), JsonArray::Invalid(_)));
    }

    #[test]
    fn nesting_is_bounded_like_go_without_recursion() {
        let nested = |n: usize| format!("[{}{}]", "[".repeat(n - 1), "]".repeat(n - 1));
        assert_eq!(parse_array(&nested(MAX_DEPTH)), JsonArray::NotStrings);
        match parse_array(&nested(MAX_DEPTH + 1)) {
            JsonArray::Invalid(e) => assert!(e.contains("max depth"), "{e}"),
            other => panic!("{other:?}"),
        }
        // Far deeper than any stack allows for recursion: still an answer.
        let n = 1_000_000;
        let deep = format!("[\"a\", {}{}]", "[{\"k\": ".repeat(n), "}]".repeat(n));
        assert!(matches!(parse_array(&deep), JsonArray::Invalid(_)));
        assert_eq!(
            parse_array(r#"[{"a": [1, {"b": null}], "c": true}, "x"]"#),
            JsonArray::NotStrings
        );
        assert!(matches!(parse_array(r#"[{"a" 1}]"#), JsonArray::Invalid(_)));
        assert!(matches!(
            parse_array(r#"[{"a": 1,}]"#),
            JsonArray::Invalid(_)
        ));
        assert!(matches!(parse_array("[{1: 1}]"), JsonArray::Invalid(_)));
    }

    #[test]
    fn quote_round_trips() {
        let words = vec!["a\"b".to_string(), "c\\d".into(), "é\t".into()];
        assert_eq!(strings(&array(&words)), words);
    }
}
