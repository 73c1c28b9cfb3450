//! GitHub Actions workflow commands (`--format github`, the default when
//! `GITHUB_ACTIONS=true`): one annotation per finding,
//!
//! ```text
//! ::error file=Dockerfile,line=8,col=1,endLine=8,endColumn=30,title=SIG001 shell-form-cmd::message
//! ```
//!
//! Severity maps to `error`, `warning` and `notice`. Lines and columns are
//! 1-based, columns count characters, and `endColumn` is the column of the
//! last character of the span (inclusive). The message is followed by the
//! rule's help on the next line. Data is escaped as GitHub's toolkit does
//! (`%` `\r` `\n` as `%25` `%0D` `%0A`), property values also `:` and `,`
//! (`%3A`, `%2C`). Before that, paths, messages and help are escaped as
//! in every format (`super::escape`: control characters, `##[`, a line
//! starting with `::`), so that neither the raw line nor the data the runner
//! decodes holds another command; a file name with such characters is
//! named by its escaped form. Files that could not be linted are `::error`s
//! too.
//! Unless `--quiet`, the summary line follows as plain log text.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{diagnostic_path, diagnostic_text, escape, without_line_breaks, write_summary, Run};
use crate::diagnostic::{LineIndexes, Severity};

/// The command for a severity.
#[must_use]
pub fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Escape a command's data (the message).
#[must_use]
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (`file=`, `title=`).
#[must_use]
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Write one annotation per finding and error, then the summary.
///
/// # Errors
///
/// The I/O errors of writing to `out`.
pub fn render(out: &mut dyn Write, run: &Run, quiet: bool) -> io::Result<()> {
    let mut lines = LineIndexes::default();
    for (report, d) in run.diagnostics() {
        let text = diagnostic_text(report, d);
        let start = lines.line_col(text, d.span.start);
        // The last character of the span, not counting a final line break.
        let shown = without_line_breaks(text, &d.span);
        let last = if shown.is_empty() {
            start
        } else {
            lines.line_col(text, shown.end - 1)
        };
        // Each line of the data escaped first (see `escape`): the runner
        // decodes `%0A`, and what it shows must not hold controls or
        // commands either.
        let mut message = escape::line(&d.message).into_owned();
        if let Some(help) = &d.help {
            message.push('\n');
            message.push_str(&escape::line(help));
        }
        writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            command(d.severity),
            escape_property(&escape::field(diagnostic_path(report, d))),
            start.line,
            start.col,
            last.line,
            last.col,
            escape_property(&format!("{} {}", d.code, d.slug)),
            escape_data(&message)
        )?;
    }
    for e in run.all_errors() {
        let mut props = format!("file={}", escape_property(&escape::field(&e.path)));
        if let Some(lc) = e.location {
            let _ = write!(props, ",line={},col={}", lc.line, lc.col);
        }
        writeln!(
            out,
            "::error {props},title=dsig::{}",
            escape_data(&escape::line(&e.message))
        )?;
    }
    write_summary(out, run, quiet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
