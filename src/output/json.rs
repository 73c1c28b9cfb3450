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

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{diagnostic_path, Run};
use crate::diagnostic::{LineIndexes, Report};

/// The schema version in the `version` field.
pub const VERSION: u64 = 1;

fn position<'a>(lines: &mut LineIndexes<'a>, text: &'a str, offset: usize) -> Value {
    let lc = lines.line_col(text, offset);
    json!({"line": lc.line, "column": lc.col, "offset": offset})
}

fn span<'a>(lines: &mut LineIndexes<'a>, text: &'a str, range: &std::ops::Range<usize>) -> Value {
    json!({"start": position(lines, text, range.start), "end": position(lines, text, range.end)})
}

fn file_of(report: &Report, index: usize) -> (&str, &str) {
    report
        .files
        .get(index)
        .or_else(|| report.files.first())
        .map_or(("", ""), |f| (f.path.as_str(), f.text.as_str()))
}

/// The whole run as a JSON value.
pub fn to_value(run: &Run) -> Value {
    let files: Vec<Value> = run
        .reports
        .iter()
        .filter_map(|r| r.files.first())
        .map(|f| Value::String(f.path.clone()))
        .collect();
    let configs: Vec<Value> = (0..files.len())
        .map(|i| match run.configs.get(i) {
            Some(Some(path)) => Value::String(path.clone()),
            _ => Value::Null,
        })
        .collect();
    let builds: Vec<Value> = run
        .reports
        .iter()
        .map(|r| {
            Value::Array(
                r.builds
                    .iter()
                    .map(|b| {
                        let args: serde_json::Map<String, Value> = b
                            .args
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect();
                        json!({
                            "context": if b.context.is_empty() { Value::Null } else { Value::String(b.context.clone()) },
                            "context_known": b.context_known,
                            "origin": b.origin,
                            "args": args,
                            "unknown_args": b.unknown_args,
                            "target": b.target,
                        })
                    })
                    .collect(),
            )
        })
        .collect();
    let mut lines = LineIndexes::default();
    let diagnostics: Vec<Value> = run
        .diagnostics()
        .map(|(report, d)| {
            let (_, text) = file_of(report, d.file);
            let fix = match &d.fix {
                None => Value::Null,
                Some(fix) => json!({
                    "safety": fix.safety.as_str(),
                    "message": fix.message,
                    "edits": fix.edits.iter().map(|e| {
                        let (path, text) = file_of(report, e.file);
                        json!({"file": path, "span": span(&mut lines, text, &e.range), "replacement": e.replacement})
                    }).collect::<Vec<_>>(),
                }),
            };
            json!({
                "code": d.code,
                "slug": d.slug,
                "severity": d.severity.as_str(),
                "message": d.message,
                "help": d.help,
                "file": diagnostic_path(report, d),
                "span": span(&mut lines, text, &d.span),
                "fix": fix,
            })
        })
        .collect();
    let errors: Vec<Value> = run
        .all_errors()
        .map(|e| {
            json!({
                "path": e.path,
                "message": e.message,
                "line": e.location.map(|l| l.line),
                "column": e.location.map(|l| l.col),
            })
        })
        .collect();
    let s = run.summary();
    json!({
        "version": VERSION,
        "files": files,
        "configs": configs,
        "builds": builds,
        "diagnostics": diagnostics,
        "errors": errors,
        "summary": {
            "files": s.files,
            "diagnostics": s.findings,
            "errors": s.errors,
            "fixable": s.fixable,
            "unsafe_fixable": s.unsafe_fixable,
            "fixed": s.fixed,
        },
    })
}

/// Write the run as pretty-printed JSON followed by a newline.
pub fn render(out: &mut dyn Write, run: &Run) -> io::Result<()> {
    let text = serde_json::to_string_pretty(&to_value(run)).map_err(io::Error::other)?;
    // The same values, with no raw `##[` or terminal control in the text.
    let text = super::escape::json(text);
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{
        Diagnostic, Edit, FileError, Fix, FixSafety, LineCol, Severity, SourceFile,
    };

    #[test]
    fn schema() {
        let text = "FROM a\nCMD é x\n";
        let run = Run {
            reports: vec![Report {
                files: vec![SourceFile {
                    path: "Dockerfile".to_string(),
                    text: text.to_string(),
                    disk: None,
                }],
                diagnostics: vec![Diagnostic {
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
                }],
                errors: vec![],
                builds: vec![],
            }],
            errors: vec![FileError {
                file: None,
                path: "x".to_string(),
                message: "e".to_string(),
                offset: None,
                location: Some(LineCol { line: 2, col: 3 }),
            }],
            ..Run::default()
        };
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
}
