//! Parse budget and script size limit (issue 12, findings 4, 8 and 9).
//!
//! tree-sitter-bash is quadratic on some inputs (thousands of `<<E`, `x=(`,
//! `$[` on a line: minutes for a few hundred KB), and linear but costly per
//! byte on others (a 3 MB `c|c|...` took 13 s and 3 GB). dsig cancels a
//! parse past a budget proportional to the input, and does not parse a
//! script over 256 KiB: either way the script, or the CMD/ENTRYPOINT
//! string, gets a SIG017 note and no fix. Release figures before the fix are
//! in each test's comment; the bounds here are for a debug build.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::budgets::{lint_json, lint_stdin};
use crate::common::cli::temp_dir;

/// A build context with `Dockerfile` (and `start.sh` when given).
fn context(name: &str, dockerfile: &str, script: Option<&str>) -> PathBuf {
    let dir = temp_dir(&format!("parse-budget-{name}"));
    fs::write(dir.join("Dockerfile"), dockerfile).expect("write Dockerfile");
    if let Some(s) = script {
        fs::write(dir.join("start.sh"), s).expect("write start.sh");
    }
    dir
}

/// `dsig lint --format json Dockerfile` in `dir`, within the budgets.
fn lint(what: &str, dir: &Path) -> Vec<serde_json::Value> {
    lint_json(what, dir, &["Dockerfile"])
}

const SCRIPT_IMAGE: &str =
    "FROM debian:bookworm\nCOPY --chmod=755 start.sh /start.sh\nENTRYPOINT [\"/start.sh\"]\n";

/// The SIG017 notes whose message contains `text`.
fn notes<'d>(diags: &'d [serde_json::Value], text: &str) -> Vec<&'d serde_json::Value> {
    diags
        .iter()
        .filter(|d| {
            d["code"] == "SIG017" && d["message"].as_str().is_some_and(|m| m.contains(text))
        })
        .collect()
}

/// Exactly one SIG017 note with `text` in a file ending in `file_end`, at
/// info level and without a fix.
fn assert_note(what: &str, diags: &[serde_json::Value], file_end: &str, text: &str) {
    let found = notes(diags, text);
    assert_eq!(
        found.len(),
        1,
        "{what}: want one SIG017 `{text}`: {diags:#?}"
    );
    let d = found[0];
    assert!(
        d["file"].as_str().is_some_and(|f| f.ends_with(file_end)),
        "{what}: note in the wrong file: {d:#}"
    );
    assert_eq!(d["severity"], "info", "{what}: {d:#}");
    assert!(d["fix"].is_null(), "{what}: a fix was offered: {d:#}");
}

/// Finding 4: 15,000 here-documents on a shell-form CMD line (100 KB) took
/// 8.9 s; `declare -a x=(` 10,000 times (140 KB) 14.8 s.
#[test]
fn quadratic_shell_form_cmd_is_too_complex() {
    let heredocs: String = (0..15000).map(|i| format!("<<E{i} ")).collect();
    for (name, cmd) in [
        ("heredocs", format!("app {heredocs}")),
        ("declare", "declare -a x=(".repeat(10000)),
    ] {
        let dir = context(name, &format!("FROM debian:bookworm\nCMD {cmd}\n"), None);
        let diags = lint(name, &dir);
        assert_note(
            name,
            &diags,
            "Dockerfile",
            "the shell-form CMD is too complex to analyse",
        );
    }
}

/// Finding 4 through `sh -c` in exec form: `x=( ` 30,000 times took 13 s.
#[test]
fn quadratic_sh_c_string_is_too_complex() {
    let s = "x=( ".repeat(30000);
    let df = format!("FROM debian:bookworm\nCMD [\"sh\", \"-c\", \"{s}\"]\n");
    let dir = context("sh-c", &df, None);
    let diags = lint("sh -c x=(", &dir);
    assert_note(
        "sh -c",
        &diags,
        "Dockerfile",
        "the `sh -c` string of CMD is too complex to analyse",
    );
}

/// Finding 4 in startup scripts: 20,000 `<<EN` on one line (~200 KB) took
/// 35.7 s; at 10,000 repetitions `local x=( ` 4.4 s, `x=( ` 1.6 s, `$[`
/// 1.4 s, `<<<` 1.3 s, `f() ` 0.84 s. Each is "too complex", named.
#[test]
fn quadratic_scripts_are_too_complex() {
    let heredocs: String = (0..20000).map(|i| format!("<<E{i} ")).collect();
    let cases = [
        ("heredocs", format!("#!/bin/sh\napp {heredocs}\n")),
        (
            "local",
            format!("#!/bin/bash\nf() {{ {} }}\n", "local x=( ".repeat(10000)),
        ),
        ("arrays", format!("#!/bin/bash\n{}", "x=( ".repeat(30000))),
        ("arith", format!("#!/bin/bash\n{}", "$[".repeat(10000))),
        (
            "herestrings",
            format!("#!/bin/bash\n{}", "<<<".repeat(10000)),
        ),
    ];
    for (name, script) in &cases {
        let dir = context(name, SCRIPT_IMAGE, Some(script));
        let diags = lint(name, &dir);
        assert_note(
            name,
            &diags,
            "start.sh",
            "start.sh is too complex to analyse",
        );
    }
}

/// The same through stdin (`dsig lint - --stdin-filename start.sh`).
#[test]
fn quadratic_script_on_stdin_is_too_complex() {
    let dir = temp_dir("parse-budget-stdin");
    fs::write(
        dir.join("in.sh"),
        format!("#!/bin/bash\n{}", "x=( ".repeat(30000)),
    )
    .unwrap();
    let diags = lint_stdin("stdin", &dir, "in.sh");
    assert_note("stdin", &diags, "start.sh", "is too complex to analyse");
}

/// Findings 8 and 9: scripts over 256 KiB are not parsed. 32,000 `if`
/// blocks (1.2 MB) took 7.9 s, a 3 MB `c|c|...` pipeline 13 s and 3.0 GB,
/// `c&` x 1M 4.4 s and 944 MB, `c\n` x 1M 6.2 s and 618 MB.
#[test]
fn large_scripts_are_too_large() {
    let ifs: String = (0..32000)
        .map(|i| format!("if [ \"$1\" = a{i} ]; then app{i}; fi\n"))
        .collect();
    let ands: String = (0..32000)
        .map(|i| format!("[ \"$1\" = a{i} ] && app{i}\n"))
        .collect();
    let cases = [
        ("ifs", format!("#!/bin/sh\n{ifs}")),
        ("ands", format!("#!/bin/sh\n{ands}")),
        (
            "pipeline",
            format!("#!/bin/sh\n{}c\n", "c|".repeat(1_500_000)),
        ),
        (
            "background",
            format!("#!/bin/sh\n{}", "c&".repeat(1_000_000)),
        ),
        ("lines", format!("#!/bin/sh\n{}", "c\n".repeat(1_000_000))),
    ];
    for (name, script) in &cases {
        let dir = context(name, SCRIPT_IMAGE, Some(script));
        let diags = lint(name, &dir);
        assert_note(name, &diags, "start.sh", "start.sh is too large to analyse");
        // Nothing else is said about a script dsig did not read.
        assert!(
            diags.iter().all(|d| d["code"] == "SIG017"),
            "{name}: findings on an unread script: {diags:#?}"
        );
    }
}

/// Finding 9 on a Dockerfile line: a 3 MB `c|c|...` shell-form CMD.
#[test]
fn large_cmd_line_is_too_large() {
    let df = format!("FROM debian:bookworm\nCMD {}c\n", "c|".repeat(1_500_000));
    let dir = context("cmd-line", &df, None);
    let diags = lint("cmd line", &dir);
    assert_note(
        "cmd line",
        &diags,
        "Dockerfile",
        "the shell-form CMD is too large to analyse",
    );
}

/// A script just under the size limit, long but ordinary (settings, then a
/// configuration file written from a here-document), is still parsed within
/// the budget: no SIG017, and its missing `exec` is found.
#[test]
fn ordinary_script_under_the_limit_is_analysed() {
    let mut s = String::from("#!/bin/sh\nset -e\n");
    for i in 0..300 {
        let _ = write!(
            s,
            "if [ -n \"${{VAR{i}:-}}\" ]; then\n  echo \"setting {i}\" >> /tmp/conf\nfi\n"
        );
    }
    s.push_str("cat > /etc/app.conf <<'EOF'\n");
    let mut i = 0;
    while s.len() < 250 * 1024 {
        let _ = writeln!(s, "option_{i} = \"value {i}\" # (see $HOME/docs)");
        i += 1;
    }
    s.push_str("EOF\napp --serve\n");
    let dir = context("ordinary", SCRIPT_IMAGE, Some(&s));
    let diags = lint("ordinary", &dir);
    assert!(
        notes(&diags, "").is_empty(),
        "ordinary: a SIG017 note: {diags:#?}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d["code"] != "SIG017"
                && d["message"].as_str().is_some_and(|m| m.contains("app"))),
        "ordinary: the script was not analysed: {diags:#?}"
    );
}
