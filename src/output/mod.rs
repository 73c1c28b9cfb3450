//! Output formats, one file each. They render results; they never run rules.
//!
//! - [`pretty`]: miette snippets for people (the default),
//! - [`concise`]: one line per finding for editors and grep,
//! - [`json`]: one stable JSON document for tools,
//! - [`sarif`]: SARIF 2.1.0 for code-scanning services,
//! - [`github`]: GitHub Actions workflow commands (annotations),
//! - [`diff`]: unified diffs of fixes (`--diff`).
//!
//! Every renderer writes to a `&mut dyn Write` and returns its I/O errors so
//! the caller can treat a closed pipe as "stop quietly".

pub mod concise;
pub mod diff;
pub mod escape;
pub mod github;
pub mod json;
pub mod pretty;
pub mod sarif;

use std::io::{self, Write};
use std::ops::Range;

use crate::diagnostic::{Diagnostic, FileError, FixSafety, Report, Severity};

/// Everything a lint run produced, in input order.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// One report per file that was read (parse errors are in its `errors`).
    pub reports: Vec<Report>,
    /// Problems that stopped files from being linted or fixed: unreadable
    /// inputs, failed writes. `dsig lint` also moves parse errors here from
    /// the reports, so that all errors are in input order.
    pub errors: Vec<FileError>,
    /// Whether fixes were applied (`--fix`).
    pub fix_mode: bool,
    /// How many fixes were applied in total.
    pub fixed: usize,
    /// The config file each report's settings came from (`None`: no config
    /// file), as the user would name it; in the order of `reports`. May be
    /// shorter than `reports` when the caller does not know.
    pub configs: Vec<Option<String>>,
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files read and linted.
    pub files: usize,
    /// Files with at least one finding.
    pub files_with_findings: usize,
    /// Findings reported.
    pub findings: usize,
    /// Files that could not be read, parsed or written.
    pub errors: usize,
    /// Findings of severity info.
    pub infos: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Findings of severity error.
    pub error_findings: usize,
    /// Findings with a safe fix.
    pub fixable: usize,
    /// Findings with an unsafe fix.
    pub unsafe_fixable: usize,
    /// Fixes applied (`--fix`).
    pub fixed: usize,
}

impl Run {
    /// Every diagnostic with the report it belongs to, in order.
    pub fn diagnostics(&self) -> impl Iterator<Item = (&Report, &Diagnostic)> {
        self.reports
            .iter()
            .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)))
    }

    /// Every error: those inside reports (parse errors) and the others, in
    /// input order of the reports first.
    pub fn all_errors(&self) -> impl Iterator<Item = &FileError> {
        self.reports
            .iter()
            .flat_map(|r| r.errors.iter())
            .chain(self.errors.iter())
    }

    /// The counts of the run.
    #[must_use]
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            files: self.reports.len(),
            fixed: self.fixed,
            ..Summary::default()
        };
        // Distinct files (a Dockerfile and the scripts it runs are several).
        let mut with_findings = std::collections::HashSet::new();
        for (report, d) in self.diagnostics() {
            let file = report.files.get(d.file);
            with_findings.insert(file.and_then(|f| f.disk.as_deref()).map_or_else(
                || file.map_or_else(Default::default, |f| f.path.clone().into()),
                |p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()),
            ));
        }
        s.files_with_findings = with_findings.len();
        for (_, d) in self.diagnostics() {
            s.findings += 1;
            match d.severity {
                Severity::Info => s.infos += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Error => s.error_findings += 1,
            }
            match d.fix.as_ref().map(|f| f.safety) {
                Some(FixSafety::Safe) => s.fixable += 1,
                Some(FixSafety::Unsafe) => s.unsafe_fixable += 1,
                None => {}
            }
        }
        s.errors = self.all_errors().count();
        s
    }
}

/// English plural for counts: `1 finding`, `2 findings`.
#[must_use]
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The closing lines of the human formats: `Fixed N findings.` (with `--fix`)
/// then `Found N findings in M files (…).`, `All checks passed.`, or with
/// errors and no findings `No findings in M files; E errors.`.
#[must_use]
pub fn summary_lines(summary: &Summary, fix_mode: bool) -> Vec<String> {
    let mut lines = Vec::new();
    if fix_mode {
        lines.push(format!("Fixed {}.", plural(summary.fixed, "finding")));
    }
    if summary.findings == 0 {
        if summary.errors == 0 {
            if summary.files > 0 {
                lines.push("All checks passed.".to_string());
            }
        } else if summary.files > 0 {
            lines.push(format!(
                "No findings in {}; {}.",
                plural(summary.files, "file"),
                plural(summary.errors, "error")
            ));
        }
        return lines;
    }
    let mut fixable = Vec::new();
    if summary.fixable > 0 {
        fixable.push(format!("{} fixable with --fix", summary.fixable));
    }
    if summary.unsafe_fixable > 0 {
        fixable.push(format!("{} with --unsafe-fixes", summary.unsafe_fixable));
    }
    let fixable = if fixable.is_empty() {
        String::new()
    } else {
        format!(" ({})", fixable.join(", "))
    };
    lines.push(format!(
        "Found {} in {}{}.",
        plural(summary.findings, "finding"),
        plural(summary.files_with_findings, "file"),
        fixable
    ));
    lines
}

/// How an error is shown on stderr: `path:line:col: error: message`, or
/// `path: error: message` when it has no location; escaped
/// ([`escape::line`]), so a name or message from the repository stays on
/// its line and cannot command a CI runner.
#[must_use]
pub fn error_line(e: &FileError) -> String {
    let line = match e.location {
        Some(lc) => format!("{}:{}:{}: error: {}", e.path, lc.line, lc.col, e.message),
        None => format!("{}: error: {}", e.path, e.message),
    };
    escape::line(&line).into_owned()
}

/// The source snippet under a config error (`3 | key = 1` and a caret line
/// under the problem), escaped like [`escape::line`] with the carets moved
/// under the same characters as shown.
#[must_use]
pub fn snippet_lines(snippet: &[String]) -> Vec<String> {
    let parts = |l: &str| {
        let (head, rest) = l.split_once(" | ")?;
        Some((head.to_string(), rest.to_string()))
    };
    if let [top, source, carets] = snippet {
        if let (Some((number, text)), Some((pad, marks))) = (parts(source), parts(carets)) {
            let lead = marks.chars().take_while(|&c| c == ' ').count();
            let width = marks.chars().skip(lead).take_while(|&c| c == '^').count();
            let before: String = text.chars().take(lead).collect();
            let under: String = text.chars().skip(lead).take(width).collect();
            let shown_lead = escape::field(&before).chars().count();
            let shown_width = escape::field(&under).chars().count().max(1);
            return vec![
                escape::line(top).into_owned(),
                escape::line(&format!("{number} | {text}")).into_owned(),
                escape::line(&format!(
                    "{pad} | {}{}",
                    " ".repeat(shown_lead),
                    "^".repeat(shown_width)
                ))
                .into_owned(),
            ];
        }
    }
    snippet
        .iter()
        .map(|l| escape::line(l).into_owned())
        .collect()
}

/// The path and text of the file of `report` that file number `index` (of
/// a diagnostic or an edit) names: the report's input itself when the index
/// is out of range, empty when the report has no files.
#[must_use]
pub fn file_of(report: &Report, index: usize) -> (&str, &str) {
    report
        .files
        .get(index)
        .or_else(|| report.files.first())
        .map_or(("", ""), |f| (f.path.as_str(), f.text.as_str()))
}

/// The path of the file a diagnostic points into.
#[must_use]
pub fn diagnostic_path<'a>(report: &'a Report, d: &Diagnostic) -> &'a str {
    file_of(report, d.file).0
}

/// The text of the file a diagnostic points into.
#[must_use]
pub fn diagnostic_text<'a>(report: &'a Report, d: &Diagnostic) -> &'a str {
    file_of(report, d.file).1
}

/// `span` without the line breaks it ends with (clamped to `text`), so
/// that a shown region does not spill onto the next line. Empty when
/// nothing is left (also for a span that starts past its end).
#[must_use]
pub fn without_line_breaks(text: &str, span: &Range<usize>) -> Range<usize> {
    let bytes = text.as_bytes();
    let mut end = span.end.min(text.len());
    while end > span.start && matches!(bytes[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    span.start..end
}

/// Write a JSON document (`--format json` and `sarif`): pretty-printed,
/// with no raw `##[` or terminal control in the text ([`escape::json`]: the
/// same values), followed by a newline.
///
/// # Errors
///
/// The I/O errors of writing to `out`.
pub fn write_json(out: &mut dyn Write, document: &impl serde::Serialize) -> io::Result<()> {
    let text = serde_json::to_string_pretty(document).map_err(io::Error::other)?;
    out.write_all(escape::json(text).as_bytes())?;
    out.write_all(b"\n")
}

/// One line per compose service or Kubernetes container linted: whether
/// it stops gracefully, and the codes that say it does not.
#[must_use]
pub fn unit_lines(run: &Run) -> Vec<String> {
    let mut lines = Vec::new();
    for r in &run.reports {
        for u in &r.units {
            let Some(file) = r.files.get(u.file) else {
                continue;
            };
            let lc = file.line_col(u.span.start);
            let verdict = match u.graceful {
                Some(true) => "stops gracefully".to_string(),
                Some(false) => format!("does not stop gracefully ({})", u.codes.join(", ")),
                None => "not judged: what its image runs is not known".to_string(),
            };
            lines.push(format!(
                "{}:{}:{}: {} {verdict}",
                file.path, lc.line, lc.col, u.label
            ));
        }
    }
    lines
}

/// Write the summary lines unless quiet.
///
/// # Errors
///
/// The I/O errors of writing to `out`.
pub fn write_summary(out: &mut dyn Write, run: &Run, quiet: bool) -> io::Result<()> {
    if quiet {
        return Ok(());
    }
    for line in unit_lines(run) {
        writeln!(out, "{}", escape::line(&line))?;
    }
    for line in summary_lines(&run.summary(), run.fix_mode) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Fix, LineCol, SourceFile};

    /// A run of one report: `Dockerfile` with `text` and one finding.
    pub(crate) fn one_file_run(text: &str, finding: Diagnostic) -> Run {
        Run {
            reports: vec![Report {
                files: vec![SourceFile {
                    path: "Dockerfile".to_string(),
                    text: text.to_string(),
                    disk: None,
                }],
                diagnostics: vec![finding],
                errors: vec![],
                builds: vec![],
                units: vec![],
            }],
            ..Run::default()
        }
    }

    /// A run with every field of the document set.
    pub(crate) fn sample() -> Run {
        let finding = Diagnostic {
            code: "SIG999",
            slug: "test-rule",
            severity: Severity::Error,
            message: "m".to_string(),
            file: 0,
            span: 14..15,
            label: None,
            help: None,
            fix: Some(Fix {
                safety: FixSafety::Safe,
                message: "f".to_string(),
                edits: vec![Edit {
                    file: 0,
                    range: 11..13,
                    replacement: "y".to_string(),
                }],
            }),
        };
        let mut run = one_file_run("FROM a\nCMD é x\n", finding);
        run.errors.push(FileError {
            file: None,
            path: "x".to_string(),
            message: "e".to_string(),
            offset: None,
            location: Some(LineCol { line: 2, col: 3 }),
        });
        run
    }
}
