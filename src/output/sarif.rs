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

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::ops::Range;

use serde::Serialize;
use serde_json::Value;

use super::{file_of, without_line_breaks, Run};
use crate::diagnostic::{Diagnostic, FileError, LineIndexes, Report, RuleMeta, Severity};

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
#[must_use]
pub fn help_uri(meta: &RuleMeta) -> String {
    format!("{RULE_DOC_BASE}{}.md", meta.slug)
}

/// SARIF level for a severity.
#[must_use]
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a URI reference: `/` separators, percent-encoded; absolute
/// paths become `file://` URIs.
#[must_use]
pub fn path_uri(path: &str) -> (String, bool) {
    // A script of a base image read with --images: an absolute URI of its
    // own (the reference's `host:port`, `:tag` and `@digest` kept).
    if let Some(rest) = path.strip_prefix(IMAGE_SCHEME) {
        return (format!("{IMAGE_SCHEME}{}", encode(rest, b"-._~/:@")), true);
    }
    let path = path.replace('\\', "/");
    let out = encode(&path, b"-._~/");
    if path.starts_with('/') {
        (format!("file://{out}"), true)
    } else {
        (out, false)
    }
}

/// How reports name a file read from an image (`--images`).
const IMAGE_SCHEME: &str = "docker-image://";

/// `s` percent-encoded, but for ASCII letters, digits and `keep`.
fn encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
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

// The log's types: the part of SARIF 2.1.0 that dsig writes. Fields are
// declared in the order of their JSON names (byte order), the order
// serde_json's own maps print, which the output has always had; the
// `fields_are_in_name_order` test keeps it so.

/// The whole log (see the module docs).
#[derive(Debug, Serialize)]
pub struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [SarifRun<'a>; 1],
    version: &'static str,
}

/// The one run of the log.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRun<'a> {
    artifacts: Vec<Artifact>,
    column_kind: &'static str,
    invocations: [Invocation<'a>; 1],
    properties: RunProperties<'a>,
    results: Vec<SarifResult<'a>>,
    tool: Tool,
}

/// A file of the log.
#[derive(Debug, Serialize)]
struct Artifact {
    location: ArtifactLocation,
}

/// Where a file is: its URI, against [`SRCROOT`] when relative, and its
/// index in the run's artifacts (not in the artifacts list itself).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
}

/// An error: a file that could not be read or parsed.
#[derive(Debug, Serialize)]
struct Notification<'a> {
    level: &'static str,
    locations: [Location; 1],
    message: Message<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties<'a> {
    config_files: Vec<ConfigFile<'a>>,
}

/// A linted file and the config file its settings came from.
#[derive(Debug, Serialize)]
struct ConfigFile<'a> {
    config: Option<&'a str>,
    file: &'a str,
}

/// One finding.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<[SarifFix<'a>; 1]>,
    level: &'static str,
    locations: [Location; 1],
    message: Message<'a>,
    rule_id: &'a str,
    /// Absent for a finding of a rule dsig does not list (not expected).
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

/// Lines and columns, 1-based; the end exclusive and absent for a point.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    start_column: usize,
    start_line: usize,
}

/// A text: a message, a description.
#[derive(Debug, Serialize)]
struct Message<'a> {
    text: Cow<'a, str>,
}

impl<'a> Message<'a> {
    fn new(text: impl Into<Cow<'a, str>>) -> Message<'a> {
        Message { text: text.into() }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    artifact_changes: Vec<ArtifactChange<'a>>,
    description: Message<'a>,
    properties: FixProperties,
}

#[derive(Debug, Serialize)]
struct FixProperties {
    safety: &'static str,
}

/// A fix's edits of one file, in order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Message<'a>,
}

#[derive(Debug, Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<Rule>,
    semantic_version: &'static str,
    version: &'static str,
}

/// A rule that has results.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    default_configuration: RuleConfiguration,
    full_description: Message<'static>,
    help_uri: String,
    id: &'static str,
    name: &'static str,
    properties: RuleProperties,
    short_description: Message<'static>,
}

#[derive(Debug, Serialize)]
struct RuleConfiguration {
    level: &'static str,
}

#[derive(Debug, Serialize)]
struct RuleProperties {
    fix: &'static str,
}

impl Rule {
    fn new(m: &'static RuleMeta) -> Rule {
        Rule {
            default_configuration: RuleConfiguration {
                level: level(m.severity),
            },
            full_description: Message::new(full_description(m)),
            help_uri: help_uri(m),
            id: m.code,
            name: m.slug,
            properties: RuleProperties {
                fix: m.fix.as_str(),
            },
            short_description: Message::new(m.summary),
        }
    }
}

/// The artifacts of the log: every linted file, then every other file a
/// result points into, each once.
#[derive(Default)]
struct Artifacts {
    uris: Vec<String>,
}

impl Artifacts {
    fn index(&mut self, path: &str) -> usize {
        let (uri, _) = path_uri(path);
        if let Some(i) = self.uris.iter().position(|u| *u == uri) {
            i
        } else {
            self.uris.push(uri);
            self.uris.len() - 1
        }
    }

    fn location(&mut self, path: &str) -> ArtifactLocation {
        let index = self.index(path);
        let (uri, absolute) = path_uri(path);
        ArtifactLocation {
            index: Some(index),
            uri,
            uri_base_id: (!absolute).then_some(SRCROOT),
        }
    }

    fn into_list(self) -> Vec<Artifact> {
        self.uris
            .into_iter()
            .map(|uri| Artifact {
                location: ArtifactLocation {
                    index: None,
                    uri_base_id: (!uri.contains("://")).then_some(SRCROOT),
                    uri,
                },
            })
            .collect()
    }
}

/// For each linted file, the config file its settings came from.
fn config_files(run: &Run) -> Vec<ConfigFile<'_>> {
    run.reports
        .iter()
        .filter_map(|r| r.files.first())
        .enumerate()
        .map(|(i, f)| ConfigFile {
            config: run.configs.get(i).and_then(Option::as_deref),
            file: &f.path,
        })
        .collect()
}

impl Region {
    /// The region of `range` in `text` (end exclusive).
    fn of<'a>(lines: &mut LineIndexes<'a>, text: &'a str, range: &Range<usize>) -> Region {
        let start = lines.line_col(text, range.start);
        let end = lines.line_col(text, range.end);
        Region {
            end_column: Some(end.col),
            end_line: Some(end.line),
            start_column: start.col,
            start_line: start.line,
        }
    }
}

/// The results of one run, and what they refer to.
struct Results<'a> {
    artifacts: Artifacts,
    lines: LineIndexes<'a>,
}

impl<'a> Results<'a> {
    fn result(
        &mut self,
        report: &'a Report,
        d: &'a Diagnostic,
        rule_index: Option<usize>,
    ) -> SarifResult<'a> {
        let (path, text) = file_of(report, d.file);
        let region = Region::of(&mut self.lines, text, &without_line_breaks(text, &d.span));
        let location = Location {
            physical_location: PhysicalLocation {
                artifact_location: self.artifacts.location(path),
                region: Some(region),
            },
        };
        let fixes = d.fix.as_ref().map(|fix| {
            // One artifactChange per file, its edits in order.
            let mut files: Vec<usize> = fix.edits.iter().map(|e| e.file).collect();
            files.sort_unstable();
            files.dedup();
            let artifact_changes = files
                .into_iter()
                .map(|f| {
                    let (path, text) = file_of(report, f);
                    let mut edits: Vec<_> = fix.edits.iter().filter(|e| e.file == f).collect();
                    edits.sort_by_key(|e| (e.range.start, e.range.end));
                    ArtifactChange {
                        artifact_location: self.artifacts.location(path),
                        replacements: edits
                            .into_iter()
                            .map(|e| Replacement {
                                deleted_region: Region::of(&mut self.lines, text, &e.range),
                                inserted_content: Message::new(&e.replacement),
                            })
                            .collect(),
                    }
                })
                .collect();
            [SarifFix {
                artifact_changes,
                description: Message::new(&fix.message),
                properties: FixProperties {
                    safety: fix.safety.as_str(),
                },
            }]
        });
        SarifResult {
            fixes,
            level: level(d.severity),
            locations: [location],
            message: Message::new(&d.message),
            rule_id: d.code,
            rule_index,
        }
    }

    fn notification(&mut self, e: &'a FileError) -> Notification<'a> {
        Notification {
            level: "error",
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: self.artifacts.location(&e.path),
                    region: e.location.map(|lc| Region {
                        end_column: None,
                        end_line: None,
                        start_column: lc.col,
                        start_line: lc.line,
                    }),
                },
            }],
            message: Message::new(&e.message),
        }
    }
}

impl<'a> Log<'a> {
    /// The log for `run`.
    pub fn new(run: &'a Run) -> Log<'a> {
        let mut artifacts = Artifacts::default();
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
        let mut results = Results {
            artifacts,
            lines: LineIndexes::default(),
        };
        let found = run
            .diagnostics()
            .map(|(report, d)| {
                let index = used.iter().position(|m| m.code == d.code);
                results.result(report, d, index)
            })
            .collect();
        let notifications: Vec<Notification> =
            run.all_errors().map(|e| results.notification(e)).collect();
        Log {
            schema: SCHEMA_URI,
            runs: [SarifRun {
                artifacts: results.artifacts.into_list(),
                column_kind: "unicodeCodePoints",
                invocations: [Invocation {
                    execution_successful: notifications.is_empty(),
                    tool_execution_notifications: notifications,
                }],
                properties: RunProperties {
                    config_files: config_files(run),
                },
                results: found,
                tool: Tool {
                    driver: Driver {
                        information_uri: INFORMATION_URI,
                        name: "dsig",
                        rules: used.into_iter().map(Rule::new).collect(),
                        semantic_version: env!("CARGO_PKG_VERSION"),
                        version: env!("CARGO_PKG_VERSION"),
                    },
                },
            }],
            version: "2.1.0",
        }
    }
}

/// The whole run as a SARIF log.
#[must_use]
pub fn to_value(run: &Run) -> Value {
    serde_json::to_value(Log::new(run)).unwrap_or(Value::Null)
}

/// Write the run as a pretty-printed SARIF log followed by a newline.
///
/// # Errors
///
/// The I/O errors of writing to `out`.
pub fn render(out: &mut dyn Write, run: &Run) -> io::Result<()> {
    super::write_json(out, &Log::new(run))
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
        assert_eq!(without_line_breaks(text, &(7..13)), 7..12);
        assert_eq!(
            Region::of(&mut LineIndexes::default(), text, &(7..12)),
            Region {
                end_column: Some(6),
                end_line: Some(2),
                start_column: 1,
                start_line: 2,
            }
        );
    }

    #[test]
    fn fields_are_in_name_order() {
        let mut run = super::super::tests::sample();
        // One finding of a listed rule (with a ruleIndex), one not.
        let mut listed = run.reports[0].diagnostics[0].clone();
        listed.code = "SIG001";
        run.reports[0].diagnostics.push(listed);
        run.configs.push(Some("dsig.toml".to_string()));
        let typed = serde_json::to_string_pretty(&Log::new(&run)).unwrap();
        // serde_json's maps print their keys in order.
        let sorted = serde_json::to_string_pretty(&to_value(&run)).unwrap();
        assert_eq!(typed, sorted);
    }
}
