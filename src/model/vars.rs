//! Build-time variable substitution as BuildKit does it in a Dockerfile:
//! `$a`, `${a}`, `${a:-b}`, `${a-b}`, `${a:+b}`, `${a+b}`, `${a:?m}`,
//! `${a?m}`, `${a#p}`, `${a##p}`, `${a%p}`, `${a%%p}`, `${a/p/r}`,
//! `${a//p/r}`, quotes (`'...'` literal, `"..."` expanding) and the
//! Dockerfile's escape character.
//!
//! The reference is BuildKit's shell lexer, `frontend/dockerfile/shell/
//! lex.go` (`ProcessWord`), and its test cases (`envVarTest`,
//! `lex_test.go`), from which the unit tests below are taken. BuildKit
//! applies it to FROM (with the global ARGs), ARG, ENV, LABEL, COPY/ADD
//! sources, destination and `--chmod`/`--chown`, WORKDIR, USER, VOLUME,
//! STOPSIGNAL and EXPOSE; never to RUN, CMD or ENTRYPOINT, whose text the
//! shell expands at run time.
//!
//! dsig does not always know a variable's value (an ARG without a default
//! that the build may give, a base image's ENV): such a variable is
//! [`Var::Unknown`] and what it touches becomes a [`Part::Unknown`] of the
//! result, never an empty or literal `${X}` string.

/// A piece of a substituted word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    /// A value dsig does not know, with the text it was written as
    /// (`${TAG}`).
    Unknown(String),
}

/// A word after substitution: known text with the parts dsig does not
/// know.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    pub parts: Vec<Part>,
}

impl Word {
    #[must_use]
    pub fn text(s: &str) -> Word {
        let mut w = Word::default();
        w.push_str(s);
        w
    }

    #[must_use]
    pub fn unknown(written: &str) -> Word {
        Word {
            parts: vec![Part::Unknown(written.to_string())],
        }
    }

    fn push_str(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        match self.parts.last_mut() {
            Some(Part::Text(t)) => t.push_str(s),
            _ => self.parts.push(Part::Text(s.to_string())),
        }
    }

    fn push_char(&mut self, c: char) {
        let mut b = [0u8; 4];
        self.push_str(c.encode_utf8(&mut b));
    }

    fn push_word(&mut self, w: Word) {
        for p in w.parts {
            match p {
                Part::Text(t) => self.push_str(&t),
                u => self.parts.push(u),
            }
        }
    }

    /// The value, when every part of it is known.
    #[must_use]
    pub fn known(&self) -> Option<String> {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => s.push_str(t),
                Part::Unknown(_) => return None,
            }
        }
        Some(s)
    }

    #[must_use]
    pub fn is_known(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// The known text with each unknown part as it was written.
    #[must_use]
    pub fn display(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) | Part::Unknown(t) => t.as_str(),
            })
            .collect()
    }

    /// Whether it is empty: `None` when that depends on an unknown part.
    fn is_empty(&self) -> Option<bool> {
        if self
            .parts
            .iter()
            .any(|p| matches!(p, Part::Text(t) if !t.is_empty()))
        {
            Some(false)
        } else if self.parts.is_empty() {
            Some(true)
        } else {
            None
        }
    }

    fn len(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) | Part::Unknown(t) => t.len(),
            })
            .sum()
    }
}

/// What a variable is where a word is substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Var {
    /// Set (to a value that may have unknown parts).
    Set(Word),
    /// Known not to be set: it substitutes as empty.
    Unset,
    /// Set or not, to a value dsig does not know.
    Unknown,
}

/// Longest substituted word kept (bytes): a longer one is unknown (`ARG
/// B=$A$A`, `ARG C=$B$B`, ... doubles at each step).
pub const MAX_LEN: usize = 1 << 16;
/// Deepest `${a:-${b:-...}}` nesting followed.
const MAX_DEPTH: usize = 32;
/// Most steps of a `#`/`%`/`/` pattern match (value × pattern).
const MAX_MATCH_WORK: usize = 4_000_000;

/// Substitute the variables of `src` as BuildKit's `ProcessWord` does,
/// `escape` being the Dockerfile's escape character. `Err` where BuildKit
/// fails the build (bad substitution, unterminated quote, `${a:?}` of an
/// empty `a`) or where the word grows past [`MAX_LEN`].
///
/// # Errors
/// BuildKit's error message for the word, or the length bound's.
pub fn expand(src: &str, escape: char, lookup: &dyn Fn(&str) -> Var) -> Result<Word, String> {
    if !src.contains(['$', '\'', '"', '<', escape]) {
        // Nothing to substitute or unquote (most words).
        return Ok(Word::text(src));
    }
    let mut lx = Lexer {
        chars: src.chars().collect(),
        pos: 0,
        escape,
        raw_escapes: false,
        lookup,
        depth: 0,
    };
    lx.process_stop_on(None, false)
}

struct Lexer<'a> {
    chars: Vec<char>,
    pos: usize,
    escape: char,
    raw_escapes: bool,
    lookup: &'a dyn Fn(&str) -> Var,
    depth: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn written(&self, from: usize) -> String {
        self.chars[from..self.pos].iter().collect()
    }

    /// `processStopOn`: up to `stop` (consumed) or the end.
    fn process_stop_on(&mut self, stop: Option<char>, raw: bool) -> Result<Word, String> {
        let saved = self.raw_escapes;
        self.raw_escapes = raw;
        let mut out = Word::default();
        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.next();
                self.raw_escapes = saved;
                return Ok(out);
            }
            match ch {
                '$' => {
                    let w = self.dollar()?;
                    out.push_word(w);
                }
                '<' => {
                    let h = self.heredoc();
                    out.push_str(h);
                }
                '\'' => {
                    let s = self.single_quote()?;
                    out.push_str(&s);
                }
                '"' => {
                    let w = self.double_quote()?;
                    out.push_word(w);
                }
                _ => {
                    self.next();
                    if ch == self.escape {
                        if self.raw_escapes {
                            out.push_char(ch);
                        }
                        // The escape character escapes the next one; at the
                        // end it is dropped.
                        match self.next() {
                            Some(c) => out.push_char(c),
                            None => break,
                        }
                    } else {
                        out.push_char(ch);
                    }
                }
            }
            if out.len() > MAX_LEN {
                return Err("the value is too long".into());
            }
        }
        self.raw_escapes = saved;
        match stop {
            Some(c) => Err(format!(
                "unexpected end of statement while looking for matching {c}"
            )),
            None => Ok(out),
        }
    }

    fn single_quote(&mut self) -> Result<String, String> {
        self.next();
        let mut s = String::new();
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    )
                }
                Some('\'') => return Ok(s),
                Some(c) => s.push(c),
            }
        }
    }

    fn double_quote(&mut self) -> Result<Word, String> {
        self.next();
        let mut out = Word::default();
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    )
                }
                Some('"') => {
                    self.next();
                    return Ok(out);
                }
                Some('$') => {
                    let w = self.dollar()?;
                    out.push_word(w);
                }
                Some(_) => {
                    let mut ch = self.next().unwrap_or_default();
                    if ch == self.escape {
                        if self.raw_escapes {
                            out.push_char(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.escape => {
                                ch = c;
                                self.next();
                            }
                            Some(_) => {}
                        }
                    }
                    out.push_char(ch);
                }
            }
            if out.len() > MAX_LEN {
                return Err("the value is too long".into());
            }
        }
    }

    /// `processPossibleHeredoc`: `<<` loses the blanks after it.
    fn heredoc(&mut self) -> &'static str {
        self.next();
        if self.peek() != Some('<') {
            return "<";
        }
        self.next();
        while matches!(self.peek(), Some('\t' | '\r' | ' ')) {
            self.next();
        }
        "<<"
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_numeric() {
                while let Some(d) = self.peek().filter(|d| d.is_numeric()) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !ch.is_alphabetic() && !ch.is_numeric() && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    fn get(&self, name: &str) -> Var {
        // Positional and special parameters are never set in a Dockerfile.
        if name
            .chars()
            .next()
            .is_some_and(|c| c.is_numeric() || "@*#?-$!".contains(c))
        {
            return Var::Unset;
        }
        (self.lookup)(name)
    }

    fn dollar(&mut self) -> Result<Word, String> {
        let start = self.pos;
        self.next();
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return Ok(Word::text("$"));
            }
            return Ok(match self.get(&name) {
                Var::Set(w) => w,
                Var::Unset => Word::default(),
                Var::Unknown => Word::unknown(&self.written(start)),
            });
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            _ => {}
        }
        if self.depth >= MAX_DEPTH {
            return Err("substitutions nested too deep".into());
        }
        self.depth += 1;
        let r = self.braced(start);
        self.depth -= 1;
        r
    }

    fn braced(&mut self, start: usize) -> Result<Word, String> {
        let name = self.name();
        let unsupported = |m: &str| Err(format!("unsupported modifier ({m}) in substitution"));
        match self.next() {
            Some('}') => Ok(match self.get(&name) {
                Var::Set(w) => w,
                Var::Unset => Word::default(),
                Var::Unknown => Word::unknown(&self.written(start)),
            }),
            Some(c @ (':' | '+' | '-' | '?' | '#' | '%')) => {
                let null_is_unset = c == ':';
                let op = if null_is_unset { self.next() } else { Some(c) };
                let raw = matches!(op, Some('#' | '%'));
                let chs: String = std::iter::once(c)
                    .chain(op.filter(|_| null_is_unset))
                    .collect();
                if null_is_unset && raw {
                    return unsupported(&chs);
                }
                let word = self.process_stop_on(Some('}'), raw).map_err(|e| {
                    if self.peek().is_none() {
                        "syntax error: missing '}'".to_string()
                    } else {
                        e
                    }
                })?;
                let var = self.get(&name);
                let unknown = || Word::unknown(&self.written(start));
                // Whether the variable counts as unset here.
                let absent = match &var {
                    Var::Unset => Some(true),
                    Var::Unknown => None,
                    Var::Set(w) if null_is_unset => w.is_empty(),
                    Var::Set(_) => Some(false),
                };
                match op {
                    Some('-') => Ok(match absent {
                        Some(true) => word,
                        Some(false) => match var {
                            Var::Set(w) => w,
                            _ => Word::default(),
                        },
                        None => unknown(),
                    }),
                    Some('+') => Ok(match absent {
                        Some(true) => Word::default(),
                        Some(false) => word,
                        None => unknown(),
                    }),
                    Some('?') => match (absent, var) {
                        (None, _) => Ok(unknown()),
                        (Some(false), Var::Set(w)) => Ok(w),
                        (Some(false), _) => Ok(Word::default()),
                        (Some(true), v) => {
                            let msg = word.display();
                            let msg = if !msg.is_empty() {
                                msg
                            } else if v == Var::Unset {
                                "is not allowed to be unset".to_string()
                            } else {
                                "is not allowed to be empty".to_string()
                            };
                            Err(format!("{name}: {msg}"))
                        }
                    },
                    Some(o @ ('#' | '%')) => {
                        let value = match var {
                            Var::Set(w) => w.known(),
                            Var::Unset => Some(String::new()),
                            Var::Unknown => None,
                        };
                        let (Some(value), Some(pat)) = (value, word.known()) else {
                            return Ok(unknown());
                        };
                        let (greedy, pat) = match pat.strip_prefix(o) {
                            Some(rest) => (true, rest.to_string()),
                            None => (false, pat),
                        };
                        let r = if o == '%' {
                            trim_suffix(&pat, &value, greedy)
                        } else {
                            trim_prefix(&pat, &value, greedy)
                        };
                        Ok(r?.map_or_else(unknown, |s| Word::text(&s)))
                    }
                    _ => unsupported(&chs),
                }
            }
            Some('/') => {
                let all = self.peek() == Some('/');
                if all {
                    self.next();
                }
                let pattern = self.process_stop_on(Some('/'), true).map_err(|e| {
                    if self.peek().is_none() {
                        "syntax error: missing '/' in ${}".to_string()
                    } else {
                        e
                    }
                })?;
                let repl = self.process_stop_on(Some('}'), true).map_err(|e| {
                    if self.peek().is_none() {
                        "syntax error: missing '}'".to_string()
                    } else {
                        e
                    }
                })?;
                let value = match self.get(&name) {
                    Var::Set(w) => w.known(),
                    Var::Unset => Some(String::new()),
                    Var::Unknown => None,
                };
                let (Some(value), Some(pattern), Some(repl)) =
                    (value, pattern.known(), repl.known())
                else {
                    return Ok(Word::unknown(&self.written(start)));
                };
                Ok(replace(&value, &pattern, &repl, all)?
                    .map_or_else(|| Word::unknown(&self.written(start)), |s| Word::text(&s)))
            }
            other => unsupported(&other.map(String::from).unwrap_or_default()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Star,
    One,
    Lit(char),
}

/// `convertShellPatternToRegex`: `*`, `?`, and `\` escaping `*`, `?`, `\`
/// (`\}` and `\/` are the characters themselves).
fn compile(pattern: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut it = pattern.chars().peekable();
    while let Some(c) = it.next() {
        out.push(match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            '\\' => {
                if matches!(it.peek(), Some('}' | '/')) {
                    continue;
                }
                match it.next() {
                    Some(e @ ('*' | '?' | '\\')) => Tok::Lit(e),
                    e => {
                        return Err(format!(
                            "invalid pattern ({pattern}) in substitution: invalid escape '\\{}'",
                            e.map(String::from).unwrap_or_default()
                        ))
                    }
                }
            }
            c => Tok::Lit(c),
        });
    }
    Ok(out)
}

/// The lengths (in chars) of the prefixes of `s` that `toks` matches.
/// `None` past the work bound.
fn prefix_ends(toks: &[Tok], s: &[char]) -> Option<Vec<usize>> {
    if toks.len().saturating_add(1).saturating_mul(s.len() + 1) > MAX_MATCH_WORK {
        return None;
    }
    let m = toks.len();
    let close = |set: &mut Vec<bool>| {
        for j in 0..m {
            if set[j] && toks[j] == Tok::Star {
                set[j + 1] = true;
            }
        }
    };
    let mut cur = vec![false; m + 1];
    cur[0] = true;
    close(&mut cur);
    let mut ends = Vec::new();
    if cur[m] {
        ends.push(0);
    }
    for (i, &c) in s.iter().enumerate() {
        let mut next = vec![false; m + 1];
        for j in 0..m {
            if !cur[j] {
                continue;
            }
            match toks[j] {
                Tok::Star => next[j] = true,
                Tok::One => next[j + 1] = true,
                Tok::Lit(l) if l == c => next[j + 1] = true,
                Tok::Lit(_) => {}
            }
        }
        close(&mut next);
        if !next.iter().any(|&b| b) {
            break;
        }
        if next[m] {
            ends.push(i + 1);
        }
        cur = next;
    }
    Some(ends)
}

/// `${v#p}` / `${v##p}`: `Ok(None)` when the match is too costly to run.
fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Result<Option<String>, String> {
    let toks = compile(pattern)?;
    let chars: Vec<char> = value.chars().collect();
    let Some(ends) = prefix_ends(&toks, &chars) else {
        return Ok(None);
    };
    let cut = if greedy { ends.last() } else { ends.first() };
    Ok(Some(match cut {
        Some(&n) => chars[n..].iter().collect(),
        None => value.to_string(),
    }))
}

/// `${v%p}` / `${v%%p}`: the prefix match of the reversed pattern on the
/// reversed value, as BuildKit does.
fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<Option<String>, String> {
    let mut toks = compile(pattern)?;
    toks.reverse();
    let chars: Vec<char> = value.chars().rev().collect();
    let Some(ends) = prefix_ends(&toks, &chars) else {
        return Ok(None);
    };
    let cut = if greedy { ends.last() } else { ends.first() };
    Ok(Some(match cut {
        Some(&n) => chars[n..].iter().rev().collect(),
        None => value.to_string(),
    }))
}

/// `${v/p/r}` / `${v//p/r}`: the leftmost matches, each as long as it can
/// be (BuildKit's pattern is greedy there), replaced.
fn replace(value: &str, pattern: &str, repl: &str, all: bool) -> Result<Option<String>, String> {
    let toks = compile(pattern)?;
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut last_end: Option<usize> = None;
    let mut work = 0usize;
    while i <= chars.len() {
        let mut found = None;
        for s in i..=chars.len() {
            work += (toks.len() + 1) * (chars.len() - s + 1);
            if work > MAX_MATCH_WORK {
                return Ok(None);
            }
            if let Some(&e) = prefix_ends(&toks, &chars[s..])
                .and_then(|v| v.last().copied())
                .as_ref()
            {
                found = Some((s, s + e));
                break;
            }
        }
        let Some((s, e)) = found else { break };
        out.extend(&chars[i..s]);
        if e == s && last_end == Some(s) {
            // An empty match right after the previous one is skipped.
            if s < chars.len() {
                out.push(chars[s]);
            }
            i = s + 1;
            continue;
        }
        out.push_str(repl);
        last_end = Some(e);
        if e > s {
            i = e;
        } else {
            if s < chars.len() {
                out.push(chars[s]);
            }
            i = s + 1;
        }
        if !all {
            break;
        }
        if out.len() > MAX_LEN {
            return Ok(None);
        }
    }
    if i < chars.len() {
        out.extend(&chars[i..]);
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn run(src: &str, env: &HashMap<String, String>) -> Result<String, String> {
        let lookup = |n: &str| env.get(n).map_or(Var::Unset, |v| Var::Set(Word::text(v)));
        expand(src, '\\', &lookup).map(|w| w.known().expect("all known"))
    }

    /// BuildKit's own expansion cases, frontend/dockerfile/shell/envVarTest
    /// of moby/buildkit at 73ed6825c4b7569379ef89df0aedcdbe64473d31 (the
    /// lines for all platforms, `A`, and Unix, `U`), with the environment of
    /// its `lex_test.go`. Fetched code is not committed: the file is read from
    /// the local fetch mirror, and the test is skipped when it is missing.
    #[test]
    fn buildkit_env_var_test() {
        let Some(table) = crate::project::mirrored(
            "moby/buildkit",
            "73ed6825c4b7569379ef89df0aedcdbe64473d31",
            "frontend/dockerfile/shell/envVarTest",
        ) else {
            return;
        };
        let env = env_of(&[
            ("PWD", "/home"),
            ("SHELL", "bash"),
            ("KOREAN", "\u{d55c}\u{ad6d}\u{c5b4}"),
            ("NULL", ""),
        ]);
        let mut checked = 0;
        for line in table.lines() {
            let Some((platform, rest)) = line.split_once('|') else {
                continue;
            };
            if !matches!(platform.trim(), "A" | "U") {
                continue;
            }
            let Some((src, want)) = rest.rsplit_once('|') else {
                continue;
            };
            let (src, want) = (src.trim(), want.trim());
            let got = run(src, &env);
            if want == "error" {
                assert!(got.is_err(), "{src}: {got:?}");
            } else {
                assert_eq!(got.as_deref(), Ok(want), "{src}");
            }
            checked += 1;
        }
        assert!(checked > 100, "{checked} cases");
    }

    /// `#`, `##`, `%`, `%%`, `/` and `//` as BuildKit's `ProcessWord` applies
    /// them (shortest and longest match, an escaped wildcard, an empty
    /// pattern), on cases of our own.
    #[test]
    fn pattern_cases() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Option<&'a str>);
        let cases: &[Case] = &[
            ("${F#*/}", &[("F", "a/b/c")], Some("b/c")),
            ("${F##*/}", &[("F", "a/b/c")], Some("c")),
            ("${F%/*}", &[("F", "a/b/c")], Some("a/b")),
            ("${F%%/*}", &[("F", "a/b/c")], Some("a")),
            ("${F#\\*}", &[("F", "*star")], Some("star")),
            ("${F/b/x}", &[("F", "abcb")], Some("axcb")),
            ("${F//b/x}", &[("F", "abcb")], Some("axcx")),
            ("${F/nothing/x}", &[("F", "abc")], Some("abc")),
            ("${F#}", &[("F", "abc")], Some("abc")),
            ("${F%.tar.gz}", &[("F", "app.tar.gz")], Some("app")),
        ];
        for (src, env, want) in cases {
            let got = run(src, &env_of(env));
            match want {
                Some(w) => assert_eq!(got.as_deref(), Ok(*w), "{src}"),
                None => assert!(got.is_err(), "{src}: {got:?}"),
            }
        }
    }

    fn with_unknown(src: &str) -> Word {
        let lookup = |n: &str| match n {
            "K" => Var::Set(Word::text("k")),
            "E" => Var::Set(Word::default()),
            "U" => Var::Unknown,
            "P" => Var::Set(Word {
                parts: vec![Part::Text("/opt".into()), Part::Unknown("${X}".into())],
            }),
            _ => Var::Unset,
        };
        expand(src, '\\', &lookup).unwrap()
    }

    #[test]
    fn unknown_values_stay_unknown() {
        let w = with_unknown("entrypoint-${U}.sh");
        assert_eq!(w.known(), None);
        assert_eq!(w.display(), "entrypoint-${U}.sh");
        assert_eq!(
            w.parts,
            [
                Part::Text("entrypoint-".into()),
                Part::Unknown("${U}".into()),
                Part::Text(".sh".into())
            ]
        );
        assert_eq!(with_unknown("${U:-x}").display(), "${U:-x}");
        assert!(!with_unknown("${U:+x}").is_known());
        assert!(!with_unknown("${U#*/}").is_known());
        assert!(!with_unknown("${K#$U}").is_known(), "unknown pattern");
        assert_eq!(with_unknown("${K:-$U}").known().as_deref(), Some("k"));
        assert_eq!(with_unknown("${E:-$U}").display(), "$U", "the default");
        assert_eq!(with_unknown("${N:-a}").known().as_deref(), Some("a"));
        // A partly known value is not empty: `:-` keeps it.
        assert_eq!(with_unknown("${P:-d}/bin").display(), "/opt${X}/bin");
        assert_eq!(with_unknown("'$U'").known().as_deref(), Some("$U"));
        assert_eq!(with_unknown("\\$U").known().as_deref(), Some("$U"));
    }

    #[test]
    fn escape_character_of_the_dockerfile() {
        let lookup = |_: &str| Var::Set(Word::text("v"));
        let w = expand("C:\\dir`$X$X", '`', &lookup).unwrap();
        assert_eq!(w.known().as_deref(), Some("C:\\dir$Xv"));
    }

    #[test]
    fn bounded() {
        let big = "x".repeat(40_000);
        let lookup = |_: &str| Var::Set(Word::text(&big));
        assert!(expand("$A$A", '\\', &lookup).is_err(), "too long");
        let deep = format!("{}x{}", "${A:-".repeat(10_000), "}".repeat(10_000));
        assert!(expand(&deep, '\\', &|_| Var::Unset).is_err(), "too deep");
        let v = "a".repeat(30_000);
        let pat = format!("${{V%%{}}}", "*a".repeat(500));
        let lookup = |_: &str| Var::Set(Word::text(&v));
        assert!(!expand(&pat, '\\', &lookup).unwrap().is_known());
    }
}
