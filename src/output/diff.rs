//! Unified diffs of what `--fix` would change (`--diff`).

use std::io::{self, Write};

use similar::TextDiff;

use super::escape;

/// Write a unified diff from `old` to `new` for the file shown as `path`, with
/// `--- a/path` and `+++ b/path` headers (an absolute path is shown as it
/// is, a leading `./` is dropped) and three lines of context. Writes
/// nothing when the texts are equal. A missing final newline is marked the
/// way `diff` does.
///
/// # Errors
///
/// The I/O errors of writing to `out`.
pub fn render(out: &mut dyn Write, path: &str, old: &str, new: &str) -> io::Result<()> {
    if old == new {
        return Ok(());
    }
    // The header names the file on one line, whatever its name holds.
    let path = escape::field(path);
    let diff = TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(true)
        .header(&side("a", &path), &side("b", &path))
        .to_string();
    out.write_all(neutralise(&text).as_bytes())
}

/// The diff with every line that holds a control character (but a tab or
/// the `\r` of a CRLF ending) or that a CI runner would take as a workflow
/// command (`##[`, or ` ::` in a context line) escaped as `escape::line`
/// does. Such lines no longer apply as a patch; the rest of the diff does.
fn neutralise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in text.split_inclusive('\n') {
        let body = piece.strip_suffix('\n').unwrap_or(piece);
        let (body, crlf) = match body.strip_suffix('\r') {
            Some(b) if piece.ends_with('\n') => (b, true),
            _ => (body, false),
        };
        out.push_str(&escape::line(body));
        if crlf {
            out.push('\r');
        }
        if piece.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn side(prefix: &str, path: &str) -> String {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{prefix}/{p}")
    }
}
