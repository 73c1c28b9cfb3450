//! Config files end to end: discovery (nearest `dsig.toml` / `.dsig.toml`
//! above each linted file), `--config`, `--isolated`, every key, and errors
//! that point at the line. Fixtures are in testdata/config/.

use std::fmt::Write as _;
mod common;

use common::cli::{code, command_in, manifest_dir, run, run_in};
use std::fs;
use std::path::PathBuf;
use std::process::{Output, Stdio};

fn transcript(out: &Output) -> String {
    format!(
        "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        code(out),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh directory outside the repository (so no config above it).
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dsig-config-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn concise(args: &[&str]) -> Output {
    let mut all = vec!["lint", "--format", "concise"];
    all.extend(args);
    run(&all)
}

#[test]
fn nearest_config_applies_to_each_file() {
    // project/dsig.toml: SIG004 ignored, SIG001 a warning, fail-level error.
    let out = concise(&["testdata/config/project/Dockerfile"]);
    assert_eq!(code(&out), 0, "{}", transcript(&out));
    let text = stdout(&out);
    assert!(
        text.contains("warning[SIG001]") && !text.contains("SIG004"),
        "{text}"
    );
    // Per-path ignore: "legacy/" drops SIG001 under it.
    let out = concise(&["testdata/config/project/legacy"]);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), "All checks passed.\n");
    // sub/ has its own dsig.toml (not merged with the parent's): only SIG004,
    // at the default fail level.
    let out = concise(&["testdata/config/project/sub"]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("[SIG004]") && !text.contains("[SIG001]"),
        "{text}"
    );
    // All at once: each file with its own config; the sub/ finding fails.
    let out = concise(&["testdata/config/project"]);
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!("project_concise", transcript(&out));
}

#[test]
fn tool_dsig_table_in_dot_dsig_toml() {
    let out = concise(&["testdata/config/tool"]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("info[SIG001]") && text.contains("[SIG004]"),
        "{text}"
    );
}

#[test]
fn named_config_and_isolated() {
    // --config: every finding becomes info, and info fails.
    let out = concise(&[
        "--config",
        "testdata/config/named/strict.toml",
        "testdata/config/project",
    ]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("info[SIG001]") && text.contains("info[SIG004]"),
        "{text}"
    );
    assert!(
        !text.contains("warning[") && !text.contains("error["),
        "{text}"
    );
    // --isolated: built-in defaults everywhere.
    let out = concise(&["--isolated", "testdata/config/project/Dockerfile"]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("error[SIG001]") && text.contains("[SIG004]"),
        "{text}"
    );
    // --fail-level wins over the file's.
    let out = concise(&[
        "--fail-level",
        "warning",
        "testdata/config/project/Dockerfile",
    ]);
    assert_eq!(code(&out), 1);
    // A missing --config is an error, reported once.
    let out = concise(&[
        "--config",
        "testdata/config/missing.toml",
        "testdata/config/project",
    ]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "testdata/config/missing.toml: error: cannot read config: no such file or directory\n"
    );
    let out = run(&["lint", "--config", "x.toml", "--isolated", "."]);
    assert_eq!(code(&out), 2, "conflicting options");
}

#[test]
fn config_for_stdin_follows_the_stdin_filename() {
    let input =
        fs::read(manifest_dir().join("testdata/config/project/legacy/Dockerfile")).expect("read");
    let lint = |name: &str| {
        let mut child = command_in(
            manifest_dir(),
            &["lint", "--format", "concise", "--stdin-filename", name],
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &input).expect("write");
        child.wait_with_output().expect("wait")
    };
    assert_eq!(
        stdout(&lint("testdata/config/project/legacy/Dockerfile")),
        "All checks passed.\n"
    );
    assert!(stdout(&lint("testdata/config/project/Dockerfile")).contains("warning[SIG001]"));
}

#[test]
fn broken_config_points_at_the_line() {
    let out = run(&["lint", "testdata/config/broken"]);
    assert_eq!(code(&out), 2);
    insta::assert_snapshot!("broken", transcript(&out));
    // Other files are still linted; the error is reported once.
    let out = concise(&["testdata/config/broken", "testdata/config/project/legacy"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .matches("error:")
            .count(),
        1
    );
    assert_eq!(stdout(&out), "No findings in 1 file; 1 error.\n");
}

/// `select` naming a rule that does not exist used to pass every file.
#[test]
fn select_of_an_unknown_code_points_at_it() {
    let out = run(&["lint", "testdata/config/unknown-rule"]);
    assert_eq!(code(&out), 2, "{}", transcript(&out));
    assert!(out.stdout.is_empty(), "{}", transcript(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "testdata/config/unknown-rule/dsig.toml:2:21: error: unknown rule `SIG100`: no rule has this code (`dsig rules` lists them)\n  |\n2 | select = [\"SIG001\", \"SIG100\"]\n  |                     ^^^^^^^^\n"
    );
}

#[test]
fn config_errors() {
    let dir = temp_dir("errors");
    fs::write(
        dir.join("Dockerfile"),
        "FROM debian:bookworm\nCMD [\"/usr/local/bin/app\"]\n",
    )
    .expect("write");
    let mut all = String::new();
    for text in [
        "colour = \"always\"\n",
        "select = [\"SIG001\"]\nfail_level = \"error\"\n",
        "ignore = [\"SIG001\", \"shell-form-cmnd\"]\n",
        "ignore = \"SIG001\"\n",
        "[severity]\nSIG001 = \"fatal\"\n",
        "[per-path-ignores]\n\"legacy/**\" = \"SIG001\"\n",
        "select = [\"SIG001\"\n",
        "select = ['SIG001']\nselect = ['SIG002']\n",
        "fail-level = 2\n",
        "[tool.dsig]\nselct = []\n",
        // Well-formed, but no rule has the code or matches the prefix, or
        // nothing is selected: an error, not a silent "All checks passed".
        "select = [\"SIG001\", \"SIG100\"]\n",
        "select = [\"SIG9\"]\n",
        "select = []\n",
        "ignore = [\"SIG999\"]\n",
        "[severity]\nSIG099 = \"off\"\n",
        "images = \"podman\"\n",
    ] {
        fs::write(dir.join("dsig.toml"), text).expect("write");
        let out = run_in(&dir, &["lint"]);
        assert_eq!(code(&out), 2, "{text}");
        let _ = write!(
            all,
            "=== dsig.toml\n{text}--- stderr\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    insta::assert_snapshot!("errors", all);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn ignored_rules_are_not_fixed_and_per_path_covers_scripts() {
    let dir = temp_dir("fix");
    for name in ["Dockerfile", "startup.sh"] {
        fs::copy(
            manifest_dir().join("testdata/seed/v2").join(name),
            dir.join(name),
        )
        .expect("copy");
    }
    let before: Vec<Vec<u8>> = ["Dockerfile", "startup.sh"]
        .iter()
        .map(|n| fs::read(dir.join(n)).expect("read"))
        .collect();
    // A pattern that matches the script drops the findings in it.
    fs::write(
        dir.join("dsig.toml"),
        "ignore = [\"SIG001\"]\n[per-path-ignores]\n\"*.sh\" = [\"script-missing-exec\"]\n",
    )
    .expect("write");
    let out = run_in(&dir, &["lint", "--fix"]);
    assert_eq!(code(&out), 0, "{}", transcript(&out));
    assert_eq!(stdout(&out), "Fixed 0 findings.\nAll checks passed.\n");
    // A pattern that matches the Dockerfile covers the scripts it runs.
    fs::write(
        dir.join("dsig.toml"),
        "ignore = [\"SIG001\"]\n[per-path-ignores]\n\"Dockerfile\" = [\"SIG010\"]\n",
    )
    .expect("write");
    let out = run_in(&dir, &["lint", "--fix"]);
    assert_eq!(code(&out), 0, "{}", transcript(&out));
    for (n, b) in ["Dockerfile", "startup.sh"].iter().zip(&before) {
        assert_eq!(&fs::read(dir.join(n)).expect("read"), b, "{n} changed");
    }
    // Without them, both are fixed.
    let out = run_in(&dir, &["lint", "--fix", "--isolated"]);
    assert_eq!(code(&out), 0, "{}", transcript(&out));
    assert_ne!(fs::read(dir.join("startup.sh")).expect("read"), before[1]);
    let _ = fs::remove_dir_all(&dir);
}

/// Valid TOML that the old hand-written reader refused: multi-line basic
/// and literal strings, floats and dates in other tools' tables. The config
/// applies (SIG001 ignored, the multi-line build arg read).
#[test]
fn multi_line_strings_and_the_rest_of_toml_are_read() {
    let dir = temp_dir("multiline");
    fs::write(
        dir.join("Dockerfile"),
        "FROM debian:bookworm\nARG GREETING\nCMD /usr/local/bin/app\n",
    )
    .expect("write");
    fs::write(
        dir.join("dsig.toml"),
        concat!(
            "[tool.dsig]\n",
            "ignore = [\"\"\"SIG001\"\"\", '''SIG004''']\n",
            "fail-level = '''warning'''\n",
            "[tool.dsig.build-args]\n",
            "GREETING = \"\"\"\n",
            "hello\n",
            "world\"\"\"\n",
            "NOTE = '''\n",
            "a literal \\ with \"quotes\"\n",
            "'''\n",
            "[tool.other]\n",
            "ratio = 0.5\n",
            "since = 2024-01-01\n",
        ),
    )
    .expect("write");
    let out = run_in(&dir, &["lint", "--format", "concise"]);
    assert_eq!(code(&out), 0, "{}", transcript(&out));
    assert_eq!(stdout(&out), "All checks passed.\n", "{}", transcript(&out));
    // Without the config, SIG001 is reported: the config above was applied.
    let out = run_in(&dir, &["lint", "--format", "concise", "--isolated"]);
    assert!(stdout(&out).contains("[SIG001]"), "{}", transcript(&out));
    let _ = fs::remove_dir_all(&dir);
}

/// A per-path pattern that is not a valid glob is an error at its line and
/// column (exit 2), not a pattern that silently matches nothing.
#[test]
fn an_invalid_path_glob_points_at_it() {
    let dir = temp_dir("badglob");
    fs::write(
        dir.join("Dockerfile"),
        "FROM debian:bookworm\nCMD [\"/usr/local/bin/app\"]\n",
    )
    .expect("write");
    fs::write(
        dir.join("dsig.toml"),
        "[per-path-ignores]\n\"legacy/[a\" = [\"SIG001\"]\n",
    )
    .expect("write");
    let out = run_in(&dir, &["lint"]);
    assert_eq!(code(&out), 2, "{}", transcript(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("dsig.toml:2:1: error: invalid path pattern `legacy/[a`"),
        "{err}"
    );
    let _ = fs::remove_dir_all(&dir);
}
