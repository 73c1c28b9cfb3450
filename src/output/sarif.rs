//! SARIF 2.1.0 (`--format sarif`): one log with one run, for code-scanning
//! services (GitHub code scanning, IDE viewers).
//!
//! - `tool.driver.rules`: the rules that have results, with `id` (code),
//!   `name` (slug), `shortDescription` (summary), `fullDescription` (the
//!   doc's "What it does"), `helpUri` (the rule's doc, [`RULE_DOC_BASE`]) and
//!   `defaultConfiguration.level`.
//! - `results`: `ruleId`, `ruleIndex`, `level` (error / warning / note, after
//!   config overrides), `message`, one `physicalLocation` with a `region`, and
//!   the fix as `fixes[0]` with `artifactChanges` (its safety in
//!   `properties.safety`; unsafe fixes need `--unsafe-fixes`).
//! - `invocations[0]`: `executionSuccessful` is false when a file could not
//!   be read or parsed; each such error is a `toolExecutionNotifications`
//!   entry.
//! - `properties.configFiles`: for each linted file, the config file its
//!   settings came from (`{"file": …, "config": … | null}`).
//!
//! Lines and columns are 1-based; columns count Unicode code points
//! (`columnKind: unicodeCodePoints`); `endColumn` is exclusive. Relative
//! paths are relative URIs against `%SRCROOT%` (the directory dsig ran in);
//! absolute ones are `file://` URIs.

use std::io::{self, Write};
use std::ops::Range;

use serde_json::{json, Map, Value};

use super::Run;
use crate::diagnostic::{Diagnostic, LineIndexes, Report, RuleMeta, Severity};

/// Where the rule docs are: `<base><slug>.md`.
pub const RULE_DOC_BASE: &str = "https://github.com/dsig-dev/dsig/blob/main/rules/";
/// The project's home page.
pub const INFORMATION_URI: &str = "https://github.com/dsig-dev/dsig";
/// The `$schema` of the log: the OASIS SARIF 2.1.0 schema (errata 01).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The base URI id relative artifact locations are against.
pub const SRCROOT: &str = "%SRCROOT%";

/// The URI of a rule's documentation.
pub fn help_uri(meta: &RuleMeta) -> String {
    format!("{RULE_DOC_BASE}{}.md", meta.slug)
}

/// SARIF level for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a URI reference: `/` separators, percent-encoded; absolute
/// paths become `file://` URIs.
pub fn path_uri(path: &str) -> (String, bool) {
    let path = path.replace('\\', "/");
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        (format!("file://{out}"), true)
    } else {
        (out, false)
    }
}

/// The first paragraph of the doc's `## What it does`, on one line.
pub fn full_description(meta: &RuleMeta) -> String {
    let mut lines = meta
        .doc
        .lines()
        .skip_while(|l| l.trim() != "## What it does");
    lines.next();
    let para: Vec<&str> = lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::trim)
        .collect();
    if para.is_empty() {
        format!("{}.", meta.summary)
    } else {
        para.join(" ")
    }
}

/// The artifacts of the log: every linted file, then every other file a
/// result points into, each once.
struct Artifacts {
    uris: Vec<String>,
}

impl Artifacts {
    fn index(&mut self, path: &str) -> usize {
        let (uri, _) = path_uri(path);
        match self.uris.iter().position(|u| *u == uri) {
            Some(i) => i,
            None => {
                self.uris.push(uri);
                self.uris.len() - 1
            }
        }
    }

    fn location(&mut self, path: &str) -> Value {
        let index = self.index(path);
        let (uri, absolute) = path_uri(path);
        let mut loc = Map::new();
        loc.insert("uri".into(), Value::String(uri));
        if !absolute {
            loc.insert("uriBaseId".into(), Value::String(SRCROOT.into()));
        }
        loc.insert("index".into(), json!(index));
        Value::Object(loc)
    }

    fn to_value(&self) -> Value {
        Value::Array(
            self.uris
                .iter()
                .map(|uri| {
                    let mut loc = Map::new();
                    loc.insert("uri".into(), Value::String(uri.clone()));
                    if !uri.starts_with("file://") {
                        loc.insert("uriBaseId".into(), Value::String(SRCROOT.into()));
                    }
                    json!({"location": Value::Object(loc)})
                })
                .collect(),
        )
    }
}

/// `[{"file": linted file, "config": its config file or null}]`, for the
/// run's `properties.configFiles`.
fn config_files(run: &Run) -> Value {
    Value::Array(
        run.reports
            .iter()
            .filter_map(|r| r.files.first())
            .enumerate()
            .map(|(i, f)| {
                let config = run.configs.get(i).cloned().flatten();
                json!({"file": f.path, "config": config})
            })
            .collect(),
    )
}

/// A text region for `range` in `text` (end exclusive).
fn region<'a>(lines: &mut LineIndexes<'a>, text: &'a str, range: &Range<usize>) -> Value {
    let start = lines.line_col(text, range.start);
    let end = lines.line_col(text, range.end);
    json!({
        "startLine": start.line,
        "startColumn": start.col,
        "endLine": end.line,
        "endColumn": end.col,
    })
}

/// A finding's span without the line break it may end with, so that the
/// region does not spill onto the next line.
fn shown_span(text: &str, span: &Range<usize>) -> Range<usize> {
    let mut end = span.end.min(text.len());
    let bytes = text.as_bytes();
    while end > span.start && matches!(bytes[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    span.start..end
}

fn file_of(report: &Report, index: usize) -> (&str, &str) {
    report
        .files
        .get(index)
        .or_else(|| report.files.first())
        .map_or(("", ""), |f| (f.path.as_str(), f.text.as_str()))
}

fn result<'a>(
    report: &'a Report,
    d: &Diagnostic,
    rule_index: usize,
    artifacts: &mut Artifacts,
    lines: &mut LineIndexes<'a>,
) -> Value {
    let (path, text) = file_of(report, d.file);
    let mut result = json!({
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": level(d.severity),
        "message": {"text": d.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifacts.location(path),
                "region": region(lines, text, &shown_span(text, &d.span)),
            }
        }],
    });
    if let Some(fix) = &d.fix {
        // One artifactChange per file, its edits in order.
        let mut files: Vec<usize> = fix.edits.iter().map(|e| e.file).collect();
        files.sort_unstable();
        files.dedup();
        let changes: Vec<Value> = files
            .into_iter()
            .map(|f| {
                let (path, text) = file_of(report, f);
                let mut edits: Vec<_> = fix.edits.iter().filter(|e| e.file == f).collect();
                edits.sort_by_key(|e| (e.range.start, e.range.end));
                json!({
                    "artifactLocation": artifacts.location(path),
                    "replacements": edits.iter().map(|e| json!({
                        "deletedRegion": region(lines, text, &e.range),
                        "insertedContent": {"text": e.replacement},
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        result["fixes"] = json!([{
            "description": {"text": fix.message},
            "artifactChanges": changes,
            "properties": {"safety": fix.safety.as_str()},
        }]);
    }
    result
}

/// The whole run as a SARIF log.
pub fn to_value(run: &Run) -> Value {
    let mut artifacts = Artifacts { uris: Vec::new() };
    for report in &run.reports {
        if let Some(f) = report.files.first() {
            artifacts.index(&f.path);
        }
    }
    // The rules that have results, in code order.
    let mut used: Vec<&'static RuleMeta> = Vec::new();
    for (_, d) in run.diagnostics() {
        if let Some(meta) = crate::rules::all().iter().find(|r| r.code == d.code) {
            if !used.iter().any(|m| m.code == meta.code) {
                used.push(meta);
            }
        }
    }
    used.sort_by_key(|m| m.code);
    let rules: Vec<Value> = used
        .iter()
        .map(|m| {
            json!({
                "id": m.code,
                "name": m.slug,
                "shortDescription": {"text": m.summary},
                "fullDescription": {"text": full_description(m)},
                "helpUri": help_uri(m),
                "defaultConfiguration": {"level": level(m.severity)},
                "properties": {"fix": m.fix.as_str()},
            })
        })
        .collect();
    let mut lines = LineIndexes::default();
    let results: Vec<Value> = run
        .diagnostics()
        .map(|(report, d)| {
            let index = used.iter().position(|m| m.code == d.code);
            let mut r = result(report, d, index.unwrap_or(0), &mut artifacts, &mut lines);
            if index.is_none() {
                // A finding of a rule dsig does not list (not expected).
                if let Some(o) = r.as_object_mut() {
                    o.remove("ruleIndex");
                }
            }
            r
        })
        .collect();
    let notifications: Vec<Value> = run
        .all_errors()
        .map(|e| {
            let mut n = json!({
                "level": "error",
                "message": {"text": e.message},
            });
            let mut physical = json!({"artifactLocation": artifacts.location(&e.path)});
            if let Some(lc) = e.location {
                physical["region"] = json!({"startLine": lc.line, "startColumn": lc.col});
            }
            n["locations"] = json!([{"physicalLocation": physical}]);
            n
        })
        .collect();
    let successful = notifications.is_empty();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dsig",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": successful,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "artifacts": artifacts.to_value(),
            "results": results,
            "properties": {"configFiles": config_files(run)},
        }],
    })
}

/// Write the run as a pretty-printed SARIF log followed by a newline.
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

    #[test]
    fn uris() {
        assert_eq!(
            path_uri("a b/Dockerfile"),
            ("a%20b/Dockerfile".into(), false)
        );
        assert_eq!(path_uri("<stdin>"), ("%3Cstdin%3E".into(), false));
        assert_eq!(
            path_uri("/x/Dockerfile"),
            ("file:///x/Dockerfile".into(), true)
        );
        assert_eq!(path_uri("dir\\é"), ("dir/%C3%A9".into(), false));
    }

    #[test]
    fn every_rule_has_a_description() {
        for meta in crate::rules::all() {
            assert!(!full_description(meta).is_empty(), "{}", meta.code);
            assert!(help_uri(meta).ends_with(&format!("/rules/{}.md", meta.slug)));
        }
    }

    #[test]
    fn regions_do_not_spill_over_line_ends() {
        let text = "FROM a\nCMD x\n";
        assert_eq!(shown_span(text, &(7..13)), 7..12);
        assert_eq!(
            region(&mut LineIndexes::default(), text, &(7..12)),
            json!({"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 6})
        );
    }
}
