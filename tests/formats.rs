//! Every output format over the seed scenarios and a multi-file run, as
//! reviewed snapshots (`formats__<case>_<format>.snap`), plus the properties
//! each machine format promises whatever the rules find.
//!
//! SARIF is also validated against the official SARIF 2.1.0 JSON schema by
//! `.ci/run` (`testdata/sarif/validate.py`, Python `jsonschema`).

mod common;

use common::cli::{code, command_in, manifest_dir, run};
use std::fs;
use std::path::PathBuf;
use std::process::Output;

const FORMATS: [&str; 5] = ["pretty", "concise", "json", "sarif", "github"];

/// Exit status, stdout and stderr; the version is masked so that a release
/// does not rewrite every SARIF snapshot.
fn transcript(out: &Output) -> String {
    let version = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    format!(
        "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        code(out),
        String::from_utf8_lossy(&out.stdout).replace(&version, "\"[VERSION]\""),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dsig-formats-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The multi-file case: the three seed scenarios (Dockerfiles and their
/// scripts), suppressions with SIG000 in a Dockerfile and a script, and a
/// file that does not parse.
const MULTI: [&str; 3] = [
    "testdata/seed",
    "testdata/cli/suppress/script",
    "testdata/cli/broken",
];

#[test]
fn seed_scenarios_in_every_format() {
    for v in ["v1", "v2", "v3"] {
        let path = format!("testdata/seed/{v}/Dockerfile");
        for format in FORMATS {
            let out = run(&["lint", "--format", format, &path]);
            assert_eq!(code(&out), 1, "{v} {format}: {}", transcript(&out));
            insta::assert_snapshot!(format!("seed_{v}_{format}"), transcript(&out));
        }
    }
}

#[test]
fn multi_file_in_every_format() {
    for format in FORMATS {
        let mut args = vec!["lint", "--format", format];
        args.extend(MULTI);
        let out = run(&args);
        // The parse error wins over findings.
        assert_eq!(code(&out), 2, "{format}: {}", transcript(&out));
        insta::assert_snapshot!(format!("multi_{format}"), transcript(&out));
    }
}

/// Compose files and Kubernetes manifests: findings on YAML spans (an
/// override file's too), the verdict of every service and container, a
/// compose file that is not YAML.
const RUNTIME: [&str; 3] = [
    "testdata/runtime/compose",
    "testdata/runtime/k8s/workloads.yaml",
    "testdata/runtime/bad",
];

#[test]
fn compose_and_manifests_in_every_format() {
    for format in FORMATS {
        let mut args = vec!["lint", "--isolated", "--format", format];
        args.extend(RUNTIME);
        let out = run(&args);
        assert_eq!(code(&out), 2, "{format}: {}", transcript(&out));
        insta::assert_snapshot!(format!("runtime_{format}"), transcript(&out));
    }
    // JSON: every finding about a unit is in a YAML file or a script, and
    // every unit has a verdict that agrees with its findings on the YAML.
    let mut args = vec!["lint", "--isolated", "--format", "json"];
    args.extend(RUNTIME);
    let v = json(&run(&args));
    let units = v["units"].as_array().expect("units");
    assert_eq!(units.len(), 10, "{units:?}");
    for d in v["diagnostics"].as_array().expect("diagnostics") {
        let message = d["message"].as_str().expect("message");
        let Some(unit) = units
            .iter()
            .find(|u| message.starts_with(&format!("{}: ", u["label"].as_str().unwrap())))
        else {
            continue;
        };
        if d["severity"] != "info" {
            assert_eq!(unit["graceful"], false, "{message}");
            assert!(
                unit["codes"].as_array().unwrap().contains(&d["code"]),
                "{message}"
            );
        }
    }
}

/// Byte offset of a 1-based line and code-point column.
fn offset_of(text: &str, line: u64, column: u64) -> usize {
    let mut offset = 0;
    for _ in 1..line {
        offset += text[offset..].find('\n').expect("line exists") + 1;
    }
    offset
        + text[offset..]
            .char_indices()
            .nth(column as usize - 1)
            .map_or(text.len() - offset, |(i, _)| i)
}

#[test]
fn sarif_agrees_with_json() {
    let mut args = vec!["lint", "--format", "sarif"];
    args.extend(MULTI);
    let sarif = json(&run(&args));
    args[2] = "json";
    let plain = json(&run(&args));

    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    assert_eq!(run0["invocations"][0]["executionSuccessful"], false);
    assert_eq!(
        run0["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]
            ["artifactLocation"]["uri"],
        "testdata/cli/broken/Dockerfile"
    );
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    for rule in rules {
        let slug = rule["name"].as_str().expect("name");
        let uri = rule["helpUri"].as_str().expect("helpUri");
        assert_eq!(
            uri,
            format!("https://github.com/dsig-dev/dsig/blob/main/rules/{slug}.md")
        );
        assert!(manifest_dir()
            .join("rules")
            .join(format!("{slug}.md"))
            .is_file());
        for key in ["shortDescription", "fullDescription"] {
            assert!(!rule[key]["text"].as_str().expect(key).is_empty(), "{key}");
        }
        assert!(rule["defaultConfiguration"]["level"].is_string());
    }

    let results = run0["results"].as_array().expect("results");
    let diagnostics = plain["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(results.len(), diagnostics.len());
    assert!(!results.is_empty());
    let artifacts = run0["artifacts"].as_array().expect("artifacts");
    for (r, d) in results.iter().zip(diagnostics) {
        assert_eq!(r["ruleId"], d["code"]);
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], d["code"]);
        let level = match d["severity"].as_str().expect("severity") {
            "info" => "note",
            other => other,
        };
        assert_eq!(r["level"], level);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], d["file"]);
        let a = loc["artifactLocation"]["index"].as_u64().expect("index") as usize;
        assert_eq!(artifacts[a]["location"]["uri"], d["file"]);
        assert_eq!(loc["region"]["startLine"], d["span"]["start"]["line"]);
        assert_eq!(loc["region"]["startColumn"], d["span"]["start"]["column"]);

        // The fix: every replacement is the JSON edit at the same bytes.
        let (Some(fixes), Some(fix)) = (r["fixes"].as_array(), d["fix"].as_object()) else {
            assert!(r["fixes"].is_null() && d["fix"].is_null(), "{r} {d}");
            continue;
        };
        assert_eq!(fixes[0]["properties"]["safety"], fix["safety"]);
        let mut edits = fix["edits"].as_array().expect("edits").clone();
        edits.sort_by_key(|e| (e["file"].to_string(), e["span"]["start"]["offset"].as_u64()));
        let mut replacements = Vec::new();
        for change in fixes[0]["artifactChanges"].as_array().expect("changes") {
            let uri = change["artifactLocation"]["uri"].as_str().expect("uri");
            let text = fs::read_to_string(manifest_dir().join(uri)).expect("artifact");
            for rep in change["replacements"].as_array().expect("replacements") {
                let region = &rep["deletedRegion"];
                let at = |l: &str, c: &str| {
                    offset_of(
                        &text,
                        region[l].as_u64().expect("line"),
                        region[c].as_u64().expect("column"),
                    ) as u64
                };
                replacements.push((
                    uri.to_string(),
                    at("startLine", "startColumn"),
                    at("endLine", "endColumn"),
                    rep["insertedContent"]["text"].clone(),
                ));
            }
        }
        replacements.sort_by_key(|(uri, start, ..)| (format!("{uri:?}"), *start));
        let expected: Vec<_> = edits
            .iter()
            .map(|e| {
                (
                    e["file"].as_str().expect("file").to_string(),
                    e["span"]["start"]["offset"].as_u64().expect("offset"),
                    e["span"]["end"]["offset"].as_u64().expect("offset"),
                    e["replacement"].clone(),
                )
            })
            .collect();
        assert_eq!(replacements, expected);
    }
}

#[test]
fn github_commands() {
    let mut args = vec!["lint", "--format", "github"];
    args.extend(MULTI);
    let out = run(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let plain = json(&run(&[
        "lint", "--format", "json", MULTI[0], MULTI[1], MULTI[2],
    ]));
    let commands: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    let diagnostics = plain["diagnostics"].as_array().expect("diagnostics");
    // One per finding, then one per error.
    assert_eq!(commands.len(), diagnostics.len() + 1, "{stdout}");
    for (c, d) in commands.iter().zip(diagnostics) {
        let kind = match d["severity"].as_str().expect("severity") {
            "info" => "notice",
            other => other,
        };
        let expected = format!(
            "::{kind} file={},line={},col={},endLine=",
            d["file"].as_str().expect("file"),
            d["span"]["start"]["line"],
            d["span"]["start"]["column"]
        );
        assert!(c.starts_with(&expected), "{c}\n{expected}");
        assert!(
            c.contains(&format!(
                ",title={} {}::",
                d["code"].as_str().expect("code"),
                d["slug"].as_str().expect("slug")
            )),
            "{c}"
        );
    }
    assert!(commands
        .last()
        .expect("error")
        .starts_with("::error file=testdata/cli/broken/Dockerfile,line=2,col="));
}

#[test]
fn github_escapes_data_and_properties() {
    let dir = temp_dir("escape");
    let name = "we,ird:100%.Dockerfile";
    fs::write(
        dir.join(name),
        "FROM debian:bookworm\nCMD /usr/local/bin/app --port 8080\n",
    )
    .expect("write");
    let out = command_in(&dir, &["lint", "--format", "github", name])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("SIG001"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.starts_with("::error file=we%2Cird%3A100%25.Dockerfile,line=2,col=1,endLine=2,endColumn=34,title=SIG001 shell-form-cmd::"),
        "{line}"
    );
    // The help follows the message on an escaped line break; data keeps `:`.
    let message = line.splitn(3, "::").nth(2).expect("data");
    assert!(message.contains("%0A"), "{message}");
    assert!(!message.contains('\n') && !message.contains('\r'));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn github_is_the_default_on_github_actions() {
    let path = "testdata/seed/v1/Dockerfile";
    let on_actions = |args: &[&str], value: &str| {
        let out = command_in(manifest_dir(), args)
            .env("GITHUB_ACTIONS", value)
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let annotated = on_actions(&["lint", path], "true");
    assert!(
        annotated.starts_with("::") && annotated.contains(" file=testdata/seed/v1/Dockerfile,"),
        "{annotated}"
    );
    // An explicit format wins; anything but "true" is not GitHub Actions.
    assert!(on_actions(&["lint", "--format", "concise", path], "true")
        .starts_with("testdata/seed/v1/Dockerfile:6:1: "));
    assert!(!on_actions(&["lint", path], "false").starts_with("::"));
}

#[test]
fn quiet_drops_only_the_summary() {
    for format in ["concise", "github"] {
        let loud = run(&["lint", "--format", format, "testdata/seed/v1"]);
        let quiet = run(&["lint", "--format", format, "--quiet", "testdata/seed/v1"]);
        let loud = String::from_utf8_lossy(&loud.stdout).into_owned();
        let quiet = String::from_utf8_lossy(&quiet.stdout).into_owned();
        assert!(
            loud.starts_with(&quiet) && loud.contains("Found "),
            "{loud}"
        );
        assert!(!quiet.contains("Found "), "{quiet}");
    }
    let clean = run(&[
        "lint",
        "--format",
        "github",
        "--quiet",
        "testdata/cli/clean",
    ]);
    assert!(clean.stdout.is_empty());
}
