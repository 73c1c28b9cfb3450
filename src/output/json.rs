//! Machine-readable output: one JSON document per run (`--format json`).
//!
//! # Schema (version 1)
//!
//! ```text
//! {
//!   "version": 1,
//!   "files": ["Dockerfile", "web/app.Dockerfile"],   // every file read and linted, in order
//!   "configs": ["dsig.toml", null],  // the config file used for each of "files" (null: none)
//!   "builds": [                      // for each of "files": how it was linted, one entry
//!     [                              //   per build of it (a Dockerfile built several ways
//!       {                            //   is linted once per build, findings once)
//!         "context": "web" | null,   // the build context used (null: none, stdin)
//!         "context_known": true,     // given or found in a build file (false: assumed,
//!                                    //   the Dockerfile's directory)
//!         "origin": "compose.yaml service \"web\"" | "--context" | null,
//!                                    // where context, args and target come from
//!         "args": {"APP_ENV": "prod"},   // build args with known values
//!         "unknown_args": ["TOKEN"],     // build args set to values dsig cannot know
//!         "target": "runtime" | null     // the stage built (null: the last)
//!       }
//!     ],
//!     []
//!   ],
//!   "diagnostics": [
//!     {
//!       "code": "SIG001",                // rule code
//!       "slug": "shell-form-cmd",        // rule name
//!       "severity": "warning",           // "info" | "warning" | "error"
//!       "message": "…",                  // one-line description of the finding
//!       "help": "…" | null,              // how to resolve it, in words
//!       "file": "Dockerfile",            // path of the file the span points into
//!       "span": {
//!         "start": {"line": 2, "column": 1, "offset": 21},
//!         "end":   {"line": 2, "column": 19, "offset": 39}
//!       },
//!       "fix": null | {
//!         "safety": "safe" | "unsafe",   // unsafe fixes need --unsafe-fixes
//!         "message": "…",                // what the fix does
//!         "edits": [
//!           {"file": "Dockerfile", "span": { …as above… }, "replacement": "…"}
//!         ]
//!       }
//!     }
//!   ],
//!   "errors": [
//!     // files that could not be read or parsed; line/column null when unknown
//!     {"path": "broken/Dockerfile", "message": "…", "line": 2 | null, "column": 1 | null}
//!   ],
//!   "units": [
//!     // compose services and Kubernetes containers linted, in file order
//!     // (left out when there are none)
//!     {"label": "service \"web\"", "file": "compose.yaml", "span": { …as above… },
//!      "graceful": false | null,   // no warning or error finding of its lint
//!                                  //   (null: what its image runs is not known)
//!      "codes": ["SIG005"]}        // the codes of those findings (image's included)
//!   ],
//!   "summary": {
//!     "files": 2,              // files linted
//!     "diagnostics": 1,        // findings reported (after fixing, with --fix)
//!     "errors": 0,             // entries in "errors"
//!     "fixable": 1,            // findings with a safe fix
//!     "unsafe_fixable": 0,     // findings with an unsafe fix
//!     "fixed": 0               // fixes applied (--fix)
//!   }
//! }
//! ```
//!
//! Positions: `line` and `column` are 1-based, `column` counts Unicode
//! characters (not bytes), `offset` is the 0-based byte offset in the file;
//! `end` is exclusive. Diagnostics are sorted by file, then position, then
//! code. Fields may be added in later versions of the same `version`; none are
//! removed or change meaning without bumping it.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;

use serde::Serialize;
use serde_json::Value;

use super::{file_of, Run};
use crate::diagnostic::{self, BuildInfo, LineIndexes, Report};

/// The schema version in the `version` field.
pub const VERSION: u64 = 1;

// The document's types. Fields are declared in the order of their names
// (byte order), the order serde_json's own maps print, which the output has
// always had; the `fields_are_in_name_order` test keeps it so.

/// The whole document (see the module docs).
#[derive(Debug, Serialize)]
pub struct Document<'a> {
    builds: Vec<Vec<Build<'a>>>,
    configs: Vec<Option<&'a str>>,
    diagnostics: Vec<Diagnostic<'a>>,
    errors: Vec<Error<'a>>,
    files: Vec<&'a str>,
    summary: Summary,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    units: Vec<Unit<'a>>,
    version: u64,
}

/// The verdict of a compose service or Kubernetes container.
#[derive(Debug, Serialize)]
struct Unit<'a> {
    codes: &'a [&'static str],
    file: &'a str,
    graceful: Option<bool>,
    label: &'a str,
    span: Span,
}

/// How a file was built for linting.
#[derive(Debug, Serialize)]
struct Build<'a> {
    args: BTreeMap<&'a str, &'a str>,
    context: Option<&'a str>,
    context_known: bool,
    origin: Option<&'a str>,
    target: Option<&'a str>,
    unknown_args: &'a [String],
}

/// A position in a file.
#[derive(Debug, Serialize)]
struct Position {
    column: usize,
    line: usize,
    offset: usize,
}

/// A byte range of a file, `end` exclusive.
#[derive(Debug, Serialize)]
struct Span {
    end: Position,
    start: Position,
}

/// One finding.
#[derive(Debug, Serialize)]
struct Diagnostic<'a> {
    code: &'a str,
    file: &'a str,
    fix: Option<Fix<'a>>,
    help: Option<&'a str>,
    message: &'a str,
    severity: &'a str,
    slug: &'a str,
    span: Span,
}

/// A finding's fix.
#[derive(Debug, Serialize)]
struct Fix<'a> {
    edits: Vec<Edit<'a>>,
    message: &'a str,
    safety: &'a str,
}

/// One edit of a fix.
#[derive(Debug, Serialize)]
struct Edit<'a> {
    file: &'a str,
    replacement: &'a str,
    span: Span,
}

/// A file that could not be read or parsed.
#[derive(Debug, Serialize)]
struct Error<'a> {
    column: Option<usize>,
    line: Option<usize>,
    message: &'a str,
    path: &'a str,
}

/// The counts of the run.
#[derive(Debug, Serialize)]
struct Summary {
    diagnostics: usize,
    errors: usize,
    files: usize,
    fixable: usize,
    fixed: usize,
    unsafe_fixable: usize,
}

/// Positions in the texts of one run.
struct Positions<'a> {
    lines: LineIndexes<'a>,
}

impl<'a> Positions<'a> {
    fn span(&mut self, text: &'a str, range: &Range<usize>) -> Span {
        Span {
            end: self.position(text, range.end),
            start: self.position(text, range.start),
        }
    }

    fn position(&mut self, text: &'a str, offset: usize) -> Position {
        let lc = self.lines.line_col(text, offset);
        Position {
            column: lc.col,
            line: lc.line,
            offset,
        }
    }
}

impl<'a> Build<'a> {
    fn new(b: &'a BuildInfo) -> Build<'a> {
        Build {
            // A later value of the same arg wins.
            args: b
                .args
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            context: Some(b.context.as_str()).filter(|c| !c.is_empty()),
            context_known: b.context_known,
            origin: b.origin.as_deref(),
            target: b.target.as_deref(),
            unknown_args: &b.unknown_args,
        }
    }
}

impl<'a> Diagnostic<'a> {
    fn new(report: &'a Report, d: &'a diagnostic::Diagnostic, at: &mut Positions<'a>) -> Self {
        let (path, text) = file_of(report, d.file);
        let fix = d.fix.as_ref().map(|fix| Fix {
            edits: fix
                .edits
                .iter()
                .map(|e| {
                    let (path, text) = file_of(report, e.file);
                    Edit {
                        file: path,
                        replacement: &e.replacement,
                        span: at.span(text, &e.range),
                    }
                })
                .collect(),
            message: &fix.message,
            safety: fix.safety.as_str(),
        });
        Diagnostic {
            code: d.code,
            file: path,
            fix,
            help: d.help.as_deref(),
            message: &d.message,
            severity: d.severity.as_str(),
            slug: d.slug,
            span: at.span(text, &d.span),
        }
    }
}

impl<'a> Document<'a> {
    /// The document for `run`.
    #[must_use]
    pub fn new(run: &'a Run) -> Document<'a> {
        let files: Vec<&str> = run
            .reports
            .iter()
            .filter_map(|r| r.files.first())
            .map(|f| f.path.as_str())
            .collect();
        let configs = (0..files.len())
            .map(|i| run.configs.get(i).and_then(Option::as_deref))
            .collect();
        let builds = run
            .reports
            .iter()
            .map(|r| r.builds.iter().map(Build::new).collect())
            .collect();
        let mut at = Positions {
            lines: LineIndexes::default(),
        };
        let diagnostics = run
            .diagnostics()
            .map(|(report, d)| Diagnostic::new(report, d, &mut at))
            .collect();
        let errors = run
            .all_errors()
            .map(|e| Error {
                column: e.location.map(|l| l.col),
                line: e.location.map(|l| l.line),
                message: &e.message,
                path: &e.path,
            })
            .collect();
        let units = run
            .reports
            .iter()
            .flat_map(|r| r.units.iter().map(move |u| (r, u)))
            .filter_map(|(r, u)| {
                let file = r.files.get(u.file)?;
                Some(Unit {
                    codes: &u.codes,
                    file: &file.path,
                    graceful: u.graceful,
                    label: &u.label,
                    span: at.span(&file.text, &u.span),
                })
            })
            .collect();
        let s = run.summary();
        Document {
            builds,
            configs,
            diagnostics,
            errors,
            files,
            summary: Summary {
                diagnostics: s.findings,
                errors: s.errors,
                files: s.files,
                fixable: s.fixable,
                fixed: s.fixed,
                unsafe_fixable: s.unsafe_fixable,
            },
            units,
            version: VERSION,
        }
    }
}

/// The whole run as a JSON value.
#[must_use]
pub fn to_value(run: &Run) -> Value {
    serde_json::to_value(Document::new(run)).unwrap_or(Value::Null)
}

/// Write the run as pretty-printed JSON followed by a newline.
///
/// # Errors
///
/// The I/O errors of writing to `out`.
pub fn render(out: &mut dyn Write, run: &Run) -> io::Result<()> {
    super::write_json(out, &Document::new(run))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema() {
        let run = super::super::tests::sample();
        let v = to_value(&run);
        assert_eq!(v["version"], 1);
        assert_eq!(v["files"], json!(["Dockerfile"]));
        assert_eq!(v["configs"], json!([null]));
        assert_eq!(v["builds"], json!([[]]));
        let d = &v["diagnostics"][0];
        assert_eq!(d["file"], "Dockerfile");
        assert_eq!(d["help"], Value::Null);
        // Columns count characters: "é" is two bytes but one column.
        assert_eq!(
            d["span"]["start"],
            json!({"line": 2, "column": 7, "offset": 14})
        );
        assert_eq!(d["fix"]["edits"][0]["replacement"], "y");
        assert_eq!(
            v["errors"][0],
            json!({"path": "x", "message": "e", "line": 2, "column": 3})
        );
        assert_eq!(v["summary"]["fixable"], 1);
        assert_eq!(v["summary"]["errors"], 1);
    }

    #[test]
    fn fields_are_in_name_order() {
        let mut run = super::super::tests::sample();
        run.reports[0].builds.push(BuildInfo {
            context: "web".to_string(),
            context_known: true,
            origin: Some("--context".to_string()),
            args: vec![("B".into(), "1".into()), ("A".into(), "2".into())],
            unknown_args: vec!["T".to_string()],
            target: Some("runtime".to_string()),
        });
        run.reports[0].diagnostics[0].help = Some("h".to_string());
        let typed = serde_json::to_string_pretty(&Document::new(&run)).unwrap();
        // serde_json's maps print their keys in order.
        let sorted = serde_json::to_string_pretty(&to_value(&run)).unwrap();
        assert_eq!(typed, sorted);
    }
}
