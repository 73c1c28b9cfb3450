//! Human output: one miette report per finding, then a summary.
//!
//! Each finding shows its code and slug (`SIG001 shell-form-cmd`), the
//! message, the source snippet with the label under the offending text, the
//! rule's help, and a `fix:` line saying whether `--fix` can resolve it and
//! how safe that is. Colour is decided by the caller ([`Options::color`]).

use std::fmt;
use std::io::{self, Write};

use std::sync::OnceLock;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{escape, write_summary, Run};
use crate::diagnostic::{clamp_offset, Diagnostic, FixSafety, LineCol, LineIndex, Severity};

/// Width used when not writing to a terminal, so output is reproducible.
pub const DEFAULT_WIDTH: usize = 100;

/// How findings are shown.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Whether to colour the output.
    pub color: bool,
    /// Wrap width in columns.
    pub width: usize,
    /// Leave out the summary.
    pub quiet: bool,
    /// Whether unsafe fixes are enabled (`--unsafe-fixes`), which changes how
    /// unsafe fixes are described.
    pub unsafe_fixes: bool,
}

/// A file's text for miette. miette's own `read_span` (on `str` or
/// `NamedSource`) scans the text from its start for every snippet, which
/// costs findings x file size on a large file; this one finds the span's
/// lines by binary search and hands miette only those lines and their
/// context, so the snippet is the same.
pub struct Source<'a> {
    name: String,
    /// The text as read, for positions of the plain fallback line.
    original: &'a str,
    /// The text as shown: control characters and `##[` escaped
    /// ([`escape::Source`]); spans are mapped into it.
    shown: escape::Source,
    /// The lines of `shown`, built on the first snippet. The shown text has
    /// no lone `\r` (it is escaped), so these are the lines miette counts.
    shown_lines: OnceLock<LineIndex>,
    /// The lines of `original`, for the columns shown.
    lines: OnceLock<LineIndex>,
}

impl<'a> Source<'a> {
    /// The source of file `name` with `text`.
    #[must_use]
    pub fn new(name: &str, text: &'a str) -> Source<'a> {
        Source {
            name: escape::field(name).into_owned(),
            original: text,
            shown: escape::Source::new(text),
            shown_lines: OnceLock::new(),
            lines: OnceLock::new(),
        }
    }

    /// The file's name as shown (escaped).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The line and column of byte `offset` of the original text.
    fn line_col(&self, offset: usize) -> LineCol {
        self.lines
            .get_or_init(|| LineIndex::new(self.original))
            .line_col(self.original, offset)
    }
}

impl SourceCode for Source<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let lines = self
            .shown_lines
            .get_or_init(|| LineIndex::new(&self.shown.text));
        // Whole lines: one more than the context on each side, so that miette
        // stops where it would in the whole text.
        let first = lines.line_of(span.offset()).saturating_sub(before + 1);
        let last = lines.line_of(span.offset() + span.len()) + after + 2;
        let lo = lines.line_start(first).unwrap_or(0);
        let hi = lines.line_start(last).unwrap_or(self.shown.text.len());
        let local = SourceSpan::new((span.offset() - lo).into(), span.len());
        let inner = self.shown.text.as_bytes()[lo..hi].read_span(&local, before, after)?;
        // The column miette names is counted in the text as shown; when
        // escapes precede the span on its line, count it in the original so
        // that it agrees with the other formats.
        let column = if self.shown.changed() && before == 0 && after == 0 {
            self.line_col(self.shown.unmap(span.offset())).col - 1
        } else {
            inner.column()
        };
        // `first` line breaks precede the window.
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + lo).into(), inner.span().len()),
            inner.line() + first,
            column,
            inner.line_count() + first,
        )))
    }
}

/// A [`Diagnostic`] seen through miette's eyes.
struct Adapter<'a> {
    d: &'a Diagnostic,
    source: &'a Source<'a>,
}

impl fmt::Debug for Adapter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.d, f)
    }
}

impl fmt::Display for Adapter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape::field(&self.d.message))
    }
}

impl std::error::Error for Adapter<'_> {}

impl miette::Diagnostic for Adapter<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("{} {}", self.d.code, self.d.slug)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Info => miette::Severity::Advice,
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(escape::field(h)) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let text = self.source.original;
        let start = clamp_offset(text, self.d.span.start);
        let end = clamp_offset(text, self.d.span.end.max(start));
        // Where the span is in the text as shown.
        let (start, end) = (self.source.shown.map(start), self.source.shown.map(end));
        let label = self
            .d
            .label
            .as_deref()
            .map(|l| escape::field(l).into_owned());
        let label = LabeledSpan::new_primary_with_span(label, (start, end - start));
        Some(Box::new(std::iter::once(label)))
    }
}

/// The `fix:` line for a finding.
fn fix_line(d: &Diagnostic, unsafe_fixes: bool) -> String {
    let line = match &d.fix {
        None => "fix: none available".to_string(),
        Some(fix) => match fix.safety {
            FixSafety::Safe => format!("fix (safe, with --fix): {}", fix.message),
            FixSafety::Unsafe if unsafe_fixes => {
                format!("fix (unsafe, enabled by --unsafe-fixes): {}", fix.message)
            }
            FixSafety::Unsafe => {
                format!("fix (unsafe, needs --fix --unsafe-fixes): {}", fix.message)
            }
        },
    };
    escape::line(&line).into_owned()
}

/// Render one finding to a string (no trailing blank line).
pub fn render_diagnostic(
    handler: &GraphicalReportHandler,
    d: &Diagnostic,
    source: &Source<'_>,
    opts: &Options,
) -> String {
    let adapter = Adapter { d, source };
    let mut s = String::new();
    if handler.render_report(&mut s, &adapter).is_err() {
        // miette could not read the snippet: fall back to a plain line.
        let lc = source.line_col(d.span.start);
        s = format!(
            "{}:{}:{}: {}[{}] {}\n",
            source.name(),
            lc.line,
            lc.col,
            d.severity,
            d.code,
            escape::field(&d.message)
        );
    }
    // What miette made of the escaped texts, line by line: without colour
    // nothing but text (escaped in full again), with colour its own escapes
    // (only a runner's command forms are broken, e.g. at the start of a
    // wrapped help line).
    let mut out = String::with_capacity(s.len() + 64);
    for line in s.trim_end().split('\n') {
        if opts.color {
            out.push_str(&escape::commands(line));
        } else {
            out.push_str(&escape::line(line));
        }
        out.push('\n');
    }
    out.push_str("  ");
    out.push_str(&fix_line(d, opts.unsafe_fixes));
    out.push('\n');
    out
}

/// The miette handler for these options.
#[must_use]
pub fn handler(opts: &Options) -> GraphicalReportHandler {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(false)
        .with_urls(false)
        .without_syntax_highlighting()
        .with_context_lines(1)
}

/// Write every finding of `run`, a blank line between them, then the summary.
///
/// # Errors
///
/// The I/O errors of writing to `out`.
pub fn render(out: &mut dyn Write, run: &Run, opts: &Options) -> io::Result<()> {
    let handler = handler(opts);
    for report in &run.reports {
        let sources: Vec<Source> = report
            .files
            .iter()
            .map(|f| Source::new(&f.path, &f.text))
            .collect();
        for d in &report.diagnostics {
            let Some(source) = sources.get(d.file).or_else(|| sources.first()) else {
                continue;
            };
            let rendered = render_diagnostic(&handler, d, source, opts);
            writeln!(out, "{rendered}")?;
        }
    }
    write_summary(out, run, opts.quiet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Fix;

    fn diag(span: std::ops::Range<usize>, fix: Option<Fix>) -> Diagnostic {
        Diagnostic {
            code: "SIG999",
            slug: "test-rule",
            severity: Severity::Warning,
            message: "a message".to_string(),
            file: 0,
            span,
            label: Some("here".to_string()),
            help: Some("do something".to_string()),
            fix,
        }
    }

    fn render_one(text: &str, d: Diagnostic) -> String {
        let run = super::super::tests::one_file_run(text, d);
        let opts = Options {
            color: false,
            width: 80,
            quiet: false,
            unsafe_fixes: false,
        };
        let mut out = Vec::new();
        render(&mut out, &run, &opts).expect("render");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn shows_code_label_help_fix_and_summary() {
        let fix = Fix {
            safety: FixSafety::Unsafe,
            message: "Do it".to_string(),
            edits: vec![],
        };
        let s = render_one("FROM a\nCMD x\n", diag(7..12, Some(fix)));
        assert!(s.contains("SIG999 test-rule"), "{s}");
        assert!(
            s.contains("here") && s.contains("help: do something"),
            "{s}"
        );
        assert!(
            s.contains("fix (unsafe, needs --fix --unsafe-fixes): Do it"),
            "{s}"
        );
        assert!(
            s.ends_with("Found 1 finding in 1 file (1 with --unsafe-fixes).\n"),
            "{s}"
        );
        assert!(!s.contains('\u{1b}'), "no colour: {s}");
    }

    #[test]
    fn file_content_is_shown_escaped_and_located_as_in_the_file() {
        let text = "FROM a\nCMD \x1b[2J\x1b]0;t\x07 ##[x] x\r::warning::y\n";
        let at = text.find(" x\r").unwrap() + 1;
        let s = render_one(text, diag(at..at + 1, None));
        assert!(
            !s.contains('\x1b') && !s.contains('\x07') && !s.contains('\r'),
            "{s:?}"
        );
        assert!(
            s.contains("CMD \\x1b[2J\\x1b]0;t\\x07 ##\\[x] x\\r::warning::y"),
            "{s}"
        );
        // The column in the header counts the characters of the file.
        assert!(s.contains("[Dockerfile:2:22]"), "{s}");
        // The label is under the `x`, after the escapes.
        let line = s.lines().position(|l| l.contains("CMD ")).unwrap();
        let source = s.lines().nth(line).unwrap();
        let marks = s.lines().nth(line + 1).unwrap();
        let x = source
            .find(" x\\r")
            .map(|b| source[..b].chars().count() + 1);
        assert_eq!(marks.chars().position(|c| c == '┬'), x, "{s}");
    }

    #[test]
    fn out_of_range_and_mid_char_spans_do_not_panic() {
        let s = render_one("FROM é\n", diag(6..100, None));
        assert!(s.contains("fix: none available"), "{s}");
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = 3..1;
        let s = render_one("", diag(reversed, None));
        assert!(s.contains("a message"), "{s}");
    }
}
