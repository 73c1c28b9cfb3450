//! One line per finding: `path:line:col: severity[CODE] message`.
//!
//! Lines and columns are 1-based; columns count characters. The format is the
//! usual compiler one, so editors' problem matchers and `grep` understand it.
//! Unless `--quiet`, the summary line follows the findings.

use std::io::{self, Write};

use super::{diagnostic_path, escape, write_summary, Run};
use crate::diagnostic::LineIndexes;

/// Write every finding of `run`, then the summary.
///
/// # Errors
///
/// The I/O errors of writing to `out`.
pub fn render(out: &mut dyn Write, run: &Run, quiet: bool) -> io::Result<()> {
    let mut lines = LineIndexes::default();
    for (report, d) in run.diagnostics() {
        let text = super::diagnostic_text(report, d);
        let lc = lines.line_col(text, d.span.start);
        let line = format!(
            "{}:{}:{}: {}[{}] {}",
            diagnostic_path(report, d),
            lc.line,
            lc.col,
            d.severity,
            d.code,
            d.message
        );
        // One line, whatever the path and message hold (see `escape`).
        writeln!(out, "{}", escape::line(&line))?;
    }
    write_summary(out, run, quiet)
}
