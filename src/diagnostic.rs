//! Findings, their locations and their fixes: the data every stage shares.
//!
//! Rules produce [`Diagnostic`]s; output formats render them; the fixer applies
//! their [`Fix`]es. Nothing here prints.

use std::fmt;
use std::ops::Range;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    /// The lower-case name (`error`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// A severity by name, any case (`warn` for `warning`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a fix may be applied without asking.
///
/// `Safe` fixes keep what the container runs and change only who is PID 1;
/// `Unsafe` fixes may change behaviour (argument handling, installed packages)
/// and are applied only with `--unsafe-fixes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FixSafety {
    Safe,
    Unsafe,
}

impl FixSafety {
    /// `safe` or `unsafe`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FixSafety::Safe => "safe",
            FixSafety::Unsafe => "unsafe",
        }
    }
}

/// What a rule can offer as a fix (rule metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Sometimes(FixSafety),
    Always(FixSafety),
}

impl FixAvailability {
    /// How `dsig rules` says it (`sometimes (safe)`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Sometimes(FixSafety::Safe) => "sometimes (safe)",
            FixAvailability::Sometimes(FixSafety::Unsafe) => "sometimes (unsafe)",
            FixAvailability::Always(FixSafety::Safe) => "always (safe)",
            FixAvailability::Always(FixSafety::Unsafe) => "always (unsafe)",
        }
    }
}

/// Replace the bytes `range` of file number `file` (an index into
/// [`Report::files`]) with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub file: usize,
    pub range: Range<usize>,
    pub replacement: String,
}

/// A set of non-overlapping edits that together resolve one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub safety: FixSafety,
    /// Imperative summary, e.g. `Use exec form: CMD ["app"]`.
    pub message: String,
    pub edits: Vec<Edit>,
}

/// Static facts about a rule: what `dsig rules` lists.
#[derive(Debug, Clone, Copy)]
pub struct RuleMeta {
    pub code: &'static str,
    pub slug: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    /// One line, no trailing period.
    pub summary: &'static str,
    /// The rule's documentation (rules/<slug>.md), embedded at build time.
    pub doc: &'static str,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub slug: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Index into [`Report::files`] of the file `span` points into.
    pub file: usize,
    /// Byte range of the offending text.
    pub span: Range<usize>,
    /// Short text shown under the source snippet.
    pub label: Option<String>,
    /// How to resolve it, in words.
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

/// A 1-based line and column (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// A file that findings may point into, with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as the user should see it (relative when given relative).
    pub path: String,
    pub text: String,
    /// Where the file is on disk, when it is a file (not stdin).
    pub disk: Option<std::path::PathBuf>,
}

impl SourceFile {
    /// 1-based line and character column of byte `offset` (clamped to the text).
    #[must_use]
    pub fn line_col(&self, offset: usize) -> LineCol {
        line_col(&self.text, offset)
    }
}

/// Byte offset of the start of the line that holds byte `offset` of `text`
/// (`offset` must be a character boundary within it).
#[must_use]
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// 1-based line and character column of byte `offset` in `text` (clamped
/// like [`clamp_offset`]). For many lookups in one text, build a
/// [`LineIndex`] once.
#[must_use]
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let offset = clamp_offset(text, offset);
    // The lines up to the offset are all it needs.
    LineIndex::new(&text[..offset]).line_col(text, offset)
}

/// `offset` clamped to `text` and moved back to a character boundary.
#[must_use]
pub fn clamp_offset(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The line starts of one text: lines and columns of offsets by binary
/// search. Every line and column dsig shows comes from here. Lines end at
/// `\n` (a `\r` before it is the previous line's last character).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// 0, then the offset after every `\n`.
    starts: Vec<usize>,
}

impl LineIndex {
    /// The index of `text`.
    #[must_use]
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The 0-based line that byte `offset` is on (the last line for an
    /// offset past the end).
    #[must_use]
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// The offset where 0-based line `line` starts, if the text has it.
    #[must_use]
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    /// [`line_col`]`(text, offset)`; `text` is the one the index was built
    /// from (or a longer text that starts with it, for offsets inside it).
    #[must_use]
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = clamp_offset(text, offset);
        let line = self.line_of(offset);
        let col = text[self.starts[line]..offset].chars().count() + 1;
        LineCol {
            line: line + 1,
            col,
        }
    }
}

#[cfg(test)]
mod line_index_tests {
    use super::*;

    #[test]
    fn one_lookup_and_the_index_agree() {
        let text = "a\r\nbé\rc\n\nd";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                line_col(text, offset),
                index.line_col(text, offset),
                "{offset}"
            );
        }
        // Columns count characters; inside `é` is its start; a lone `\r`
        // does not end a line.
        assert_eq!(line_col(text, 5), LineCol { line: 2, col: 2 });
        assert_eq!(line_col(text, 6), LineCol { line: 2, col: 3 });
        assert_eq!(line_col(text, 8), LineCol { line: 2, col: 5 });
        assert_eq!(line_col(text, 9), LineCol { line: 3, col: 1 });
        assert_eq!(line_col(text, 10), LineCol { line: 4, col: 1 });
        assert_eq!(line_col(text, 99), LineCol { line: 4, col: 2 });
        assert_eq!(index.line_of(3), 1);
        assert_eq!(index.line_start(3), Some(10));
        assert_eq!(index.line_start(4), None);
    }
}

/// The [`LineIndex`]es of the texts one output pass renders, each built on
/// first use. Keyed by the text's address and length: the texts are borrowed
/// for the whole pass, so no two of them share both.
#[derive(Debug, Default)]
pub struct LineIndexes<'a> {
    map: std::collections::HashMap<(usize, usize), (&'a str, LineIndex)>,
}

impl<'a> LineIndexes<'a> {
    /// [`line_col`]`(text, offset)`.
    pub fn line_col(&mut self, text: &'a str, offset: usize) -> LineCol {
        let (text, index) = self
            .map
            .entry((text.as_ptr() as usize, text.len()))
            .or_insert_with(|| (text, LineIndex::new(text)));
        index.line_col(text, offset)
    }
}

/// A problem that stopped a file from being linted (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// Index into [`Report::files`] when the error has a location in a file.
    pub file: Option<usize>,
    pub path: String,
    pub message: String,
    /// Byte offset of the error (parse errors), when known.
    pub offset: Option<usize>,
    /// 1-based line and column, when known.
    pub location: Option<LineCol>,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(lc) => write!(f, "{}:{}:{}: {}", self.path, lc.line, lc.col, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Everything dsig found for one linted input (a Dockerfile and the files it
/// led to). `files[0]` is the input itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub files: Vec<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
    pub errors: Vec<FileError>,
    /// How the Dockerfile was built for this report, one entry per build
    /// configuration linted (`dsig lint` fills it; empty otherwise).
    pub builds: Vec<BuildInfo>,
    /// For a compose file or manifest: the verdict of each service or
    /// container linted.
    pub units: Vec<UnitVerdict>,
}

/// Whether a compose service or Kubernetes container stops gracefully, as
/// far as dsig can tell: what its image runs with its overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitVerdict {
    /// `service "web"`, `Deployment "api" container "app"`.
    pub label: String,
    /// Where it is named (index into [`Report::files`], byte range).
    pub file: usize,
    pub span: Range<usize>,
    /// No warning or error finding of its lint, wherever it points (the
    /// Dockerfile and scripts of its image included); `None`: not judged,
    /// what its image runs is not known.
    pub graceful: Option<bool>,
    /// The codes of those findings, sorted.
    pub codes: Vec<&'static str>,
}

/// One build configuration a Dockerfile was linted with, for output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildInfo {
    /// The build context as shown (relative to the current directory when
    /// the Dockerfile was named relatively).
    pub context: String,
    /// The context was given or found in a build file, not assumed.
    pub context_known: bool,
    /// Where context, args and target come from (`--context`,
    /// `docker-bake.hcl target "app"`, ...); `None`: assumed.
    pub origin: Option<String>,
    /// Build args with known values (a later entry wins).
    pub args: Vec<(String, String)>,
    /// Build args whose value is not known.
    pub unknown_args: Vec<String>,
    /// The stage built, when not the last one.
    pub target: Option<String>,
}

impl Report {
    /// The report of one input named `path` (its text is added when the
    /// lint is done), on disk at `disk` when it is a file.
    #[must_use]
    pub fn of_file(path: &str, disk: Option<std::path::PathBuf>) -> Report {
        Report {
            files: vec![SourceFile {
                path: path.to_string(),
                text: String::new(),
                disk,
            }],
            ..Report::default()
        }
    }

    /// Sort findings by file, position, then code: deterministic output.
    /// A rule reports a location once: of findings with the same file,
    /// span and code (a command reached through many paths of a script),
    /// the first one reported is kept.
    pub fn sort(&mut self) {
        self.diagnostics.sort_by(|a, b| {
            (a.file, a.span.start, a.span.end, a.code).cmp(&(
                b.file,
                b.span.start,
                b.span.end,
                b.code,
            ))
        });
        self.diagnostics
            .dedup_by(|b, a| (a.file, &a.span, a.code) == (b.file, &b.span, b.code));
    }

    /// The most serious finding's severity (`None` without findings).
    #[must_use]
    pub fn max_severity(&self) -> Option<Severity> {
        self.diagnostics.iter().map(|d| d.severity).max()
    }
}
