//! Unified diffs of what `--fix` would change (`--diff`).

use std::io::{self, Write};

use similar::TextDiff;

/// Write a unified diff from `old` to `new` for the file shown as `path`, with
/// `--- a/path` and `+++ b/path` headers (an absolute path is shown as it
/// is, a leading `./` is dropped) and three lines of context. Writes
/// nothing when the texts are equal. A missing final newline is marked the
/// way `diff` does.
pub fn render(out: &mut dyn Write, path: &str, old: &str, new: &str) -> io::Result<()> {
    if old == new {
        return Ok(());
    }
    let diff = TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(true)
        .header(&side("a", path), &side("b", path))
        .to_string();
    out.write_all(text.as_bytes())
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
