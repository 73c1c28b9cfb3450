//! YAML documents (compose files, GitHub workflows) as trees of nodes with
//! byte spans, built from `saphyr-parser`'s events.
//!
//! The tree is built here rather than by a YAML loader so that hostile input
//! stays bounded: nesting deeper than [`MAX_DEPTH`] and documents of more
//! than [`MAX_NODES`] nodes (aliases count the nodes they repeat, so an
//! "billion laughs" anchor bomb stops early) are errors, not a stack
//! overflow or gigabytes of memory. Merge keys (`<<: *base`) are followed by
//! [`Node::get`].

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle};

/// Containers nested deeper than this are an error.
pub const MAX_DEPTH: usize = 100;
/// Nodes in a document, aliases counted as the nodes they stand for.
pub const MAX_NODES: usize = 200_000;

/// A YAML node and where it is in the text (byte offsets).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub span: Range<usize>,
    /// The nodes it is made of, itself included (for the alias budget).
    weight: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A scalar; `plain` when unquoted (then `null`, `~` and nothing are null).
    Scalar {
        value: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// Why a text is not YAML that dsig can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    /// Byte offset.
    pub offset: usize,
    /// 1-based line and column (characters).
    pub line: usize,
    pub col: usize,
}

impl Node {
    /// The scalar's text, if it is a non-null scalar.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, plain } => {
                if *plain && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                    None
                } else {
                    Some(value)
                }
            }
            _ => None,
        }
    }

    #[must_use]
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a mapping, merge keys (`<<`) expanded: an entry of
    /// the mapping itself wins over a merged one, an earlier merged mapping
    /// over a later one.
    #[must_use]
    pub fn entries(&self) -> Vec<(&Node, &Node)> {
        let Kind::Map(own) = &self.kind else {
            return Vec::new();
        };
        let mut out: Vec<(&Node, &Node)> = Vec::new();
        // Where each key is in `out` (a later entry replaces it).
        let mut at: HashMap<&str, usize> = HashMap::new();
        let mut merged: Vec<&Node> = Vec::new();
        for (k, v) in own {
            if k.as_str() == Some("<<") && matches!(k.kind, Kind::Scalar { plain: true, .. }) {
                match &v.kind {
                    Kind::Map(_) => merged.push(v),
                    Kind::Seq(items) => merged.extend(items.iter()),
                    Kind::Scalar { .. } => {}
                }
                continue;
            }
            if let Some(&i) = k.as_str().and_then(|key| at.get(key)) {
                out[i] = (k, v);
            } else {
                if let Some(key) = k.as_str() {
                    at.insert(key, out.len());
                }
                out.push((k, v));
            }
        }
        for m in merged {
            for (k, v) in m.entries() {
                let Some(key) = k.as_str() else { continue };
                if !at.contains_key(key) {
                    at.insert(key, out.len());
                    out.push((k, v));
                }
            }
        }
        out
    }

    /// The value of `key` in a mapping (merge keys followed).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .into_iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    #[must_use]
    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }
}

/// Byte offsets of character indices (saphyr's markers count characters).
struct Offsets {
    /// `None` for an ASCII text (index = offset).
    table: Option<Vec<usize>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let table = if text.is_ascii() {
            None
        } else {
            let mut t: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            t.push(text.len());
            Some(t)
        };
        Offsets {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, index: usize) -> usize {
        match &self.table {
            None => index.min(self.len),
            Some(t) => t.get(index).copied().unwrap_or(self.len),
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
        weight: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        start: usize,
        anchor: usize,
        weight: usize,
    },
}

/// Closing brackets that [`parse`] may pull up onto the line before.
const MAX_PULLED: usize = 64;

/// Parse `text` into its documents.
///
/// The parser follows the YAML spec, in which a flow collection's closing
/// `]` or `}` on a line of its own must be indented more than the key that
/// holds it; Go's YAML (what `docker compose` and GitHub use) and libyaml
/// accept it at the key's column, and real compose files do that. Such a
/// bracket is pulled up onto the line before (the line break becomes a
/// space: every byte keeps its offset), when that line holds no `#`.
///
/// # Errors
/// The parser's error, with its position, or a bound that was passed.
pub fn parse(text: &str) -> Result<Vec<Node>, Error> {
    let mut fixed: Option<String> = None;
    for _ in 0..MAX_PULLED {
        let current = fixed.as_deref().unwrap_or(text);
        match parse_once(current) {
            Ok(docs) => return Ok(docs),
            Err(e) => {
                let Some(pulled) = pull_bracket(current, &e) else {
                    return Err(relocate(text, e));
                };
                fixed = Some(pulled);
            }
        }
    }
    parse_once(fixed.as_deref().unwrap_or(text)).map_err(|e| relocate(text, e))
}

/// The error's line and column in the original text.
fn relocate(text: &str, mut e: Error) -> Error {
    let lc = crate::diagnostic::line_col(text, e.offset.min(text.len()));
    e.line = lc.line;
    e.col = lc.col;
    e
}

/// `text` with the bracket that `e` reports pulled up (see [`parse`]).
fn pull_bracket(text: &str, e: &Error) -> Option<String> {
    if !e.message.contains("indentation") {
        return None;
    }
    let at = e.offset;
    if !matches!(text.as_bytes().get(at), Some(b']' | b'}')) {
        return None;
    }
    let line_start = text[..at].rfind('\n')? + 1;
    if !text[line_start..at].bytes().all(|b| b == b' ') {
        return None;
    }
    let newline = line_start - 1;
    let prev_start = text[..newline].rfind('\n').map_or(0, |i| i + 1);
    let prev = &text[prev_start..newline];
    if prev.contains('#') || prev.trim().is_empty() {
        return None;
    }
    let mut out = text.to_string();
    out.replace_range(newline..=newline, " ");
    Some(out)
}

fn parse_once(text: &str) -> Result<Vec<Node>, Error> {
    let offsets = Offsets::new(text);
    let error = |message: String, index: usize, line: usize, col: usize| Error {
        message,
        offset: offsets.byte(index),
        line,
        col: col + 1,
    };
    let mut docs: Vec<Node> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut nodes = 0usize;
    for item in Parser::new_from_str(text) {
        let (event, span) = match item {
            Ok(x) => x,
            Err(e) => {
                let m = e.marker();
                return Err(error(e.info().to_string(), m.index(), m.line(), m.col()));
            }
        };
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        let too_many = || {
            error(
                format!("more than {MAX_NODES} nodes (aliases counted as what they repeat)"),
                span.start.index(),
                span.start.line(),
                span.start.col(),
            )
        };
        let done: Option<(Node, usize)> = match event {
            Event::Scalar(value, style, anchor, _) => {
                nodes += 1;
                let plain = matches!(style, ScalarStyle::Plain);
                // The parser's end may take in the blanks after a scalar.
                let mut end = end.max(start);
                while end > start
                    && text
                        .as_bytes()
                        .get(end - 1)
                        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                {
                    end -= 1;
                }
                Some((
                    Node {
                        kind: Kind::Scalar {
                            value: value.into_owned(),
                            plain,
                        },
                        span: start..end,
                        weight: 1,
                    },
                    anchor,
                ))
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(node) => {
                    nodes = nodes.saturating_add(node.weight);
                    if nodes > MAX_NODES {
                        return Err(too_many());
                    }
                    let mut node = node.clone();
                    node.span = start..end;
                    Some((node, 0))
                }
                None => {
                    return Err(error(
                        "alias of an unknown anchor".to_string(),
                        span.start.index(),
                        span.start.line(),
                        span.start.col(),
                    ))
                }
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(error(
                        format!("nested deeper than {MAX_DEPTH} levels"),
                        span.start.index(),
                        span.start.line(),
                        span.start.col(),
                    ));
                }
                nodes += 1;
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::new(),
                        start,
                        anchor,
                        weight: 1,
                    }
                } else {
                    Frame::Map {
                        entries: Vec::new(),
                        key: None,
                        start,
                        anchor,
                        weight: 1,
                    }
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                    weight,
                }) => Some((
                    Node {
                        kind: Kind::Seq(items),
                        span: start..end.max(start),
                        weight,
                    },
                    anchor,
                )),
                Some(Frame::Map {
                    entries,
                    start,
                    anchor,
                    weight,
                    ..
                }) => Some((
                    Node {
                        kind: Kind::Map(entries),
                        span: start..end.max(start),
                        weight,
                    },
                    anchor,
                )),
                None => None,
            },
            _ => None,
        };
        if nodes > MAX_NODES {
            return Err(too_many());
        }
        let Some((node, anchor)) = done else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(Frame::Seq { items, weight, .. }) => {
                *weight = weight.saturating_add(node.weight);
                items.push(node);
            }
            Some(Frame::Map {
                entries,
                key,
                weight,
                ..
            }) => {
                *weight = weight.saturating_add(node.weight);
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
            }
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn spans_and_merge_keys() {
        let text =
            "x-base: &base\n  context: ..\n  args: {A: 1}\nsvc:\n  <<: *base\n  context: é/x\n";
        let docs = parse(text).expect("valid");
        let svc = docs[0].get("svc").expect("svc");
        let ctx = svc.get("context").expect("context");
        assert_eq!(ctx.as_str(), Some("é/x"));
        assert_eq!(&text[ctx.span.clone()], "é/x");
        let args = svc.get("args").expect("merged");
        assert_eq!(args.get("A").and_then(Node::as_str), Some("1"));
    }

    #[test]
    fn closing_bracket_at_the_key_column() {
        let text = "a:\n  test: [\n      \"x\",\n      \"y\"\n  ]\n  b: 1\n";
        let docs = parse(text).expect("accepted as compose does");
        let a = docs[0].get("a").expect("a");
        let items = a.get("test").and_then(Node::as_seq).expect("seq");
        assert_eq!(items.len(), 2);
        assert_eq!(&text[items[1].span.clone()], "\"y\"");
        assert_eq!(a.get("b").and_then(Node::as_str), Some("1"));
    }

    #[test]
    fn bounded() {
        // An anchor bomb: each level repeats the one before nine times.
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            let _ = writeln!(
                bomb,
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]"
            );
        }
        let e = parse(&bomb).expect_err("bomb");
        assert!(e.message.contains("nodes"), "{e:?}");
        let deep = "[".repeat(100_000);
        let e = parse(&deep).expect_err("deep");
        assert!(
            e.message.contains("nested") || e.message.contains("recursion"),
            "{e:?}"
        );
        let e = parse("a: [1\nb: 2\n").expect_err("bad");
        assert!(e.line >= 1);
    }
}
