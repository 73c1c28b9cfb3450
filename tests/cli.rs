//! End-to-end tests of the `dsig` binary on the fixtures in testdata/cli/.
//!
//! Each snapshot is a transcript (exit status, stdout, stderr) of one run,
//! named after the test. Findings change as rules change: review the new
//! transcripts and accept them with `cargo insta accept` or by running
//! `INSTA_UPDATE=always cargo test --test cli`. Assertions that must hold
//! whatever the rules find (exit codes, files untouched, no panics) are plain
//! asserts.

mod common;

use common::cli::{
    assert_no_panic, code, command_in, make_writable, manifest_dir, run, run_in, temp_dir,
    transcript, visible,
};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = command_in(manifest_dir(), args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dsig");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write stdin");
    drop(stdin);
    child.wait_with_output().expect("wait dsig")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn json_files(out: &Output) -> Vec<String> {
    json(out)["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f.as_str().expect("path").to_string())
        .collect()
}

fn copy_fixture(fixture: &str, to: &Path) {
    fs::copy(manifest_dir().join("testdata/cli").join(fixture), to).expect("copy fixture");
}

// ---------------------------------------------------------------- lint

#[test]
fn clean_file_passes() {
    let out = run(&["lint", "testdata/cli/clean/Dockerfile"]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("clean_pretty", transcript(&out));
}

#[test]
fn clean_file_quiet_prints_nothing() {
    let out = run(&["lint", "--quiet", "testdata/cli/clean"]);
    assert_eq!(code(&out), 0);
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "{}",
        transcript(&out)
    );
}

#[test]
fn shell_form_pretty() {
    let out = run(&["lint", "testdata/cli/shell-form"]);
    assert_no_panic(&out);
    insta::assert_snapshot!("shell_form_pretty", transcript(&out));
}

#[test]
fn shell_form_concise() {
    let out = run(&[
        "lint",
        "--format",
        "concise",
        "testdata/cli/shell-form/Dockerfile",
    ]);
    assert_no_panic(&out);
    insta::assert_snapshot!("shell_form_concise", transcript(&out));
}

#[test]
fn shell_form_json() {
    let out = run(&[
        "lint",
        "--format",
        "json",
        "testdata/cli/shell-form/Dockerfile",
    ]);
    assert_no_panic(&out);
    let v = json(&out);
    assert_eq!(v["version"], 1);
    assert_eq!(json_files(&out), ["testdata/cli/shell-form/Dockerfile"]);
    assert!(
        v["diagnostics"].is_array() && v["errors"].as_array().is_some_and(std::vec::Vec::is_empty)
    );
    assert_eq!(v["summary"]["files"], 1);
    insta::assert_snapshot!("shell_form_json", transcript(&out));
}

#[test]
fn fail_level_controls_exit_code() {
    // Whatever the rules find, a finding at or above the level means exit 1.
    let out = run(&["lint", "--format", "json", "testdata/cli/shell-form"]);
    let severities: Vec<String> = json(&out)["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["severity"].as_str().expect("severity").to_string())
        .collect();
    for (level, rank) in [("info", 0), ("warning", 1), ("error", 2)] {
        let out = run(&["lint", "--fail-level", level, "testdata/cli/shell-form"]);
        let fails = severities.iter().any(|s| {
            let r = match s.as_str() {
                "info" => 0,
                "warning" => 1,
                _ => 2,
            };
            r >= rank
        });
        assert_eq!(
            code(&out),
            i32::from(fails),
            "--fail-level {level}: {}",
            transcript(&out)
        );
    }
    let out = run(&["lint", "--fail-level", "fatal", "testdata/cli/clean"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn multi_file_directory() {
    let out = run(&["lint", "--format", "json", "testdata/cli/multi"]);
    assert_no_panic(&out);
    // Sorted, recursive; the hidden dir its .ignore lists, node_modules,
    // target, README.md and Dockerfile.dockerignore are skipped.
    assert_eq!(
        json_files(&out),
        [
            "testdata/cli/multi/Dockerfile",
            "testdata/cli/multi/Dockerfile.dev",
            "testdata/cli/multi/app.Dockerfile",
            "testdata/cli/multi/sub/Containerfile",
            "testdata/cli/multi/sub/worker.dockerfile",
        ]
    );
    let out = run(&["lint", "--format", "concise", "testdata/cli/multi"]);
    insta::assert_snapshot!("multi_concise", transcript(&out));
    let out = run(&["lint", "testdata/cli/multi"]);
    insta::assert_snapshot!("multi_pretty", transcript(&out));
}

#[test]
fn walking_dot_shows_relative_paths() {
    let out = run_in(
        &manifest_dir().join("testdata/cli/multi"),
        &["lint", "--format", "json"],
    );
    assert_eq!(
        json_files(&out),
        [
            "Dockerfile",
            "Dockerfile.dev",
            "app.Dockerfile",
            "sub/Containerfile",
            "sub/worker.dockerfile"
        ]
    );
}

#[test]
fn explicit_file_is_linted_whatever_its_name() {
    let out = run(&[
        "lint",
        "--format",
        "json",
        "testdata/cli/shell-form/custom-name.txt",
    ]);
    assert_eq!(
        json_files(&out),
        ["testdata/cli/shell-form/custom-name.txt"]
    );
}

#[test]
fn same_file_twice_is_linted_once() {
    let out = run(&[
        "lint",
        "--format",
        "json",
        "testdata/cli/clean",
        "testdata/cli/clean/Dockerfile",
    ]);
    assert_eq!(json_files(&out), ["testdata/cli/clean/Dockerfile"]);
}

#[test]
fn parse_error_exits_2_with_location() {
    let out = run(&["lint", "testdata/cli/broken/Dockerfile"]);
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("testdata/cli/broken/Dockerfile:2:"),
        "{stderr}"
    );
    insta::assert_snapshot!("broken_parse_error", transcript(&out));
}

#[test]
fn parse_error_in_json() {
    let out = run(&["lint", "--format", "json", "testdata/cli/broken"]);
    assert_eq!(code(&out), 2);
    let v = json(&out);
    let errors = v["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["path"], "testdata/cli/broken/Dockerfile");
    assert_eq!(errors[0]["line"], 2);
}

#[test]
fn binary_file_is_an_error() {
    let out = run(&["lint", "testdata/cli/binary/Dockerfile"]);
    assert_eq!(code(&out), 2);
    insta::assert_snapshot!("binary_file", transcript(&out));
}

#[test]
fn invalid_utf8_is_an_error_with_offset() {
    let out = run(&["lint", "testdata/cli/invalid-utf8"]);
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid UTF-8 at byte offset 26"),
        "{stderr}"
    );
    insta::assert_snapshot!("invalid_utf8", transcript(&out));
}

#[test]
fn crlf_file() {
    let out = run(&["lint", "testdata/cli/crlf"]);
    assert_no_panic(&out);
    insta::assert_snapshot!("crlf_pretty", transcript(&out));
    let out = run(&["lint", "--diff", "--unsafe-fixes", "testdata/cli/crlf"]);
    assert_no_panic(&out);
    insta::assert_snapshot!("crlf_diff", transcript(&out));
}

#[test]
fn errors_do_not_stop_other_files() {
    let out = run(&[
        "lint",
        "--format",
        "json",
        "testdata/cli/missing",
        "testdata/cli/binary",
        "testdata/cli/clean",
        "testdata/cli/no-dockerfiles",
    ]);
    assert_eq!(code(&out), 2);
    assert_eq!(json_files(&out), ["testdata/cli/clean/Dockerfile"]);
    assert_eq!(json(&out)["errors"].as_array().expect("errors").len(), 3);
    insta::assert_snapshot!("errors_and_clean_json", transcript(&out));
    let out = run(&[
        "lint",
        "testdata/cli/missing",
        "testdata/cli/no-dockerfiles",
        "testdata/cli/clean",
    ]);
    assert_eq!(code(&out), 2);
    insta::assert_snapshot!("errors_and_clean_pretty", transcript(&out));
}

// ---------------------------------------------------------------- stdin

#[test]
fn stdin_with_display_name() {
    let input =
        fs::read(manifest_dir().join("testdata/cli/shell-form/Dockerfile")).expect("fixture");
    let out = run_stdin(
        &[
            "lint",
            "--format",
            "concise",
            "-",
            "--stdin-filename",
            "Dockerfile",
        ],
        &input,
    );
    assert_no_panic(&out);
    insta::assert_snapshot!("stdin_concise", transcript(&out));
    let out = run_stdin(&["lint", "--format", "json", "-"], &input);
    assert_eq!(json_files(&out), ["<stdin>"]);
    // --stdin-filename alone reads stdin too.
    let out = run_stdin(
        &[
            "lint",
            "--format",
            "json",
            "--stdin-filename",
            "web/Dockerfile",
        ],
        &input,
    );
    assert_eq!(json_files(&out), ["web/Dockerfile"]);
}

#[test]
fn stdin_fix_prints_fixed_text() {
    let input =
        fs::read(manifest_dir().join("testdata/cli/shell-form/Dockerfile")).expect("fixture");
    let out = run_stdin(
        &["lint", "--fix", "-", "--stdin-filename", "Dockerfile"],
        &input,
    );
    assert_no_panic(&out);
    assert_ne!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Fixed "), "{stderr}");
    insta::assert_snapshot!("stdin_fix", transcript(&out));
    // The clean file comes back byte for byte.
    let clean = fs::read(manifest_dir().join("testdata/cli/clean/Dockerfile")).expect("fixture");
    let out = run_stdin(&["lint", "--fix", "-"], &clean);
    assert_eq!(code(&out), 0);
    assert_eq!(out.stdout, clean);
}

#[test]
fn stdin_binary_and_invalid_utf8() {
    let out = run_stdin(&["lint", "-"], b"FROM a\n\0");
    assert_eq!(code(&out), 2);
    let out = run_stdin(&["lint", "-"], b"FROM a\n\xff\n");
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("<stdin>:2:1: error: invalid UTF-8 at byte offset 7"));
}

// ---------------------------------------------------------------- --diff and --fix

#[test]
fn diff_writes_nothing() {
    let dir = temp_dir("diff");
    copy_fixture("shell-form/Dockerfile", &dir.join("Dockerfile"));
    copy_fixture("crlf/Dockerfile", &dir.join("crlf.Dockerfile"));
    let before_a = fs::read(dir.join("Dockerfile")).expect("read");
    let before_b = fs::read(dir.join("crlf.Dockerfile")).expect("read");
    let out = run_in(&dir, &["lint", "--diff", "--unsafe-fixes", "."]);
    assert_no_panic(&out);
    let expected = i32::from(!out.stdout.is_empty());
    assert_eq!(code(&out), expected, "{}", transcript(&out));
    if !out.stdout.is_empty() {
        assert!(out.stdout.starts_with(b"--- a/"), "{}", transcript(&out));
    }
    assert_eq!(fs::read(dir.join("Dockerfile")).expect("read"), before_a);
    assert_eq!(
        fs::read(dir.join("crlf.Dockerfile")).expect("read"),
        before_b
    );
    insta::assert_snapshot!("diff_temp", transcript(&out));
    let _ = fs::remove_dir_all(&dir);
}

/// `--init` and the config's `init` pick the init of init-injection fixes;
/// the command line wins; the diff names absolute paths as they are.
#[test]
fn init_choice_from_flag_and_config() {
    let dir = temp_dir("init-choice");
    copy_fixture("init-choice/Dockerfile", &dir.join("Dockerfile"));
    let diff = |args: &[&str]| {
        let mut all = vec!["lint", "--diff", "--unsafe-fixes"];
        all.extend_from_slice(args);
        all.push(".");
        let out = run_in(&dir, &all);
        assert_no_panic(&out);
        assert_eq!(code(&out), 1, "{}", transcript(&out));
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let default = diff(&[]);
    assert!(default.contains("apk add --no-cache tini"), "{default}");
    assert!(
        default.starts_with("--- a/Dockerfile\n+++ b/Dockerfile\n"),
        "{default}"
    );
    let flag = diff(&["--init", "dumb-init"]);
    assert!(flag.contains("apk add --no-cache dumb-init"), "{flag}");
    fs::write(dir.join("dsig.toml"), "init = \"dumb-init\"\n").expect("write config");
    assert_eq!(diff(&[]), flag, "config `init`");
    assert_eq!(diff(&["--init", "tini"]), default, "the flag wins");
    let abs = dir.join("Dockerfile").display().to_string();
    let out = run_in(&dir, &["lint", "--diff", "--unsafe-fixes", &abs]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.starts_with(&format!("--- {abs}\n+++ {abs}\n")),
        "{text}"
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn diff_of_clean_file_is_empty() {
    let out = run(&["lint", "--diff", "testdata/cli/clean"]);
    assert_eq!(code(&out), 0);
    assert!(out.stdout.is_empty());
}

#[test]
fn fix_in_place() {
    let dir = temp_dir("fix");
    copy_fixture("shell-form/Dockerfile", &dir.join("Dockerfile"));
    copy_fixture("crlf/Dockerfile", &dir.join("crlf.Dockerfile"));
    copy_fixture("clean/Dockerfile", &dir.join("clean.Dockerfile"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir.join("Dockerfile"), fs::Permissions::from_mode(0o640))
            .expect("chmod");
    }
    let clean_before = fs::read(dir.join("clean.Dockerfile")).expect("read");
    let diff = run_in(&dir, &["lint", "--diff"]);
    let out = run_in(&dir, &["lint", "--fix"]);
    assert_no_panic(&out);
    assert_ne!(code(&out), 2, "{}", transcript(&out));
    insta::assert_snapshot!("fix_temp", transcript(&out));
    // The clean file is untouched, the CRLF file keeps CRLF endings.
    assert_eq!(
        fs::read(dir.join("clean.Dockerfile")).expect("read"),
        clean_before
    );
    let crlf = fs::read_to_string(dir.join("crlf.Dockerfile")).expect("read");
    assert_eq!(
        crlf.matches('\n').count(),
        crlf.matches("\r\n").count(),
        "{crlf:?}"
    );
    let fixed = fs::read_to_string(dir.join("Dockerfile")).expect("read");
    insta::assert_snapshot!("fix_temp_result", visible(fixed.as_bytes()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.join("Dockerfile"))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640, "permissions preserved");
    }
    // Whatever --diff showed was applied: nothing is left to fix.
    let again = run_in(&dir, &["lint", "--diff"]);
    assert!(
        again.stdout.is_empty(),
        "fix did not reach a fixed point: {}",
        transcript(&again)
    );
    if !diff.stdout.is_empty() {
        assert!(String::from_utf8_lossy(&out.stdout).contains("Fixed "));
    }
    // No temporary files are left behind.
    let names: Vec<String> = fs::read_dir(&dir)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("dsig-")), "{names:?}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn fix_read_only_file_reports_error() {
    let dir = temp_dir("readonly");
    let ro = dir.join("Dockerfile");
    let rw = dir.join("other.Dockerfile");
    copy_fixture("shell-form/Dockerfile", &ro);
    copy_fixture("shell-form/Dockerfile", &rw);
    let before = fs::read(&ro).expect("read");
    let mut perms = fs::metadata(&ro).expect("stat").permissions();
    perms.set_readonly(true);
    fs::set_permissions(&ro, perms).expect("chmod");
    // As root, read-only permissions do not stop writes: nothing to test.
    if fs::OpenOptions::new().write(true).open(&ro).is_ok() {
        eprintln!("skipping: read-only files are writable here (running as root?)");
        make_writable(&dir);
        let _ = fs::remove_dir_all(&dir);
        return;
    }
    let diff = run_in(&dir, &["lint", "--diff", "other.Dockerfile"]);
    let out = run_in(&dir, &["lint", "--fix", "."]);
    assert_no_panic(&out);
    if diff.stdout.is_empty() {
        // No fix to write: nothing to fail.
        assert_ne!(code(&out), 2, "{}", transcript(&out));
    } else {
        assert_eq!(code(&out), 2, "{}", transcript(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("Dockerfile: error: cannot write: permission denied"),
            "{stderr}"
        );
        // The other file was still fixed.
        assert_ne!(fs::read(&rw).expect("read"), before);
    }
    assert_eq!(
        fs::read(&ro).expect("read"),
        before,
        "read-only file changed"
    );
    make_writable(&dir);
    let _ = fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn fix_through_symlinks() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir("symlinks");
    let proj = dir.join("proj");
    fs::create_dir_all(proj.join("docker")).expect("mkdir");
    fs::create_dir_all(dir.join("outside")).expect("mkdir");
    copy_fixture("shell-form/Dockerfile", &proj.join("docker/real"));
    copy_fixture("shell-form/Dockerfile", &dir.join("outside/Dockerfile"));
    symlink("docker/real", proj.join("Dockerfile")).expect("symlink");
    symlink("../outside/Dockerfile", proj.join("out.Dockerfile")).expect("symlink");
    // A loop through a symlinked directory must not hang the walk.
    symlink("..", proj.join("docker/loop")).expect("symlink");
    let before = fs::read(dir.join("outside/Dockerfile")).expect("read");
    let diff = run_in(&proj, &["lint", "--diff", "Dockerfile"]);
    let out = run_in(&proj, &["lint", "--fix"]);
    assert_no_panic(&out);
    // Links stay links.
    assert!(fs::symlink_metadata(proj.join("Dockerfile"))
        .expect("stat")
        .file_type()
        .is_symlink());
    assert!(fs::symlink_metadata(proj.join("out.Dockerfile"))
        .expect("stat")
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::read(dir.join("outside/Dockerfile")).expect("read"),
        before,
        "wrote outside the tree"
    );
    if !diff.stdout.is_empty() {
        assert_eq!(code(&out), 2, "{}", transcript(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        // A walked link out of the tree is not even read (issue 12).
        assert!(
            stderr.contains("out.Dockerfile: error: symlink to a file outside"),
            "{stderr}"
        );
        // The target inside the tree was fixed through the link.
        assert_ne!(fs::read(proj.join("docker/real")).expect("read"), before);
    }
    let _ = fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------- colour

#[test]
fn color_choices() {
    let esc = |out: &Output| out.stdout.contains(&0x1b);
    let out = run(&["lint", "--color", "always", "testdata/cli/shell-form"]);
    let has_findings = String::from_utf8_lossy(&out.stdout).contains("SIG");
    if has_findings {
        assert!(esc(&out), "--color always: {}", transcript(&out));
    }
    assert!(
        !esc(&run(&["lint", "testdata/cli/shell-form"])),
        "piped output is not coloured"
    );
    assert!(!esc(&run(&[
        "lint",
        "--no-color",
        "testdata/cli/shell-form"
    ])));
    assert!(!esc(&run(&[
        "lint",
        "--color",
        "never",
        "testdata/cli/shell-form"
    ])));
    let out = command_in(manifest_dir(), &["lint", "testdata/cli/shell-form"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(!esc(&out));
    let out = run(&[
        "lint",
        "--no-color",
        "--color",
        "always",
        "testdata/cli/clean",
    ]);
    assert_eq!(code(&out), 2, "conflicting options are a usage error");
}

// ---------------------------------------------------------------- pipes and usage

#[test]
fn broken_pipe_exits_quietly() {
    for args in [
        &["lint", "testdata/cli/multi"][..],
        &["lint", "--format", "json", "testdata/cli/multi"],
        &["lint", "--diff", "testdata/cli/multi"],
        &["rules"],
        &["explain", "SIG001"],
    ] {
        let mut child = command_in(manifest_dir(), args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn dsig");
        // Close the read end before dsig writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        assert_no_panic(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("cannot write output"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&[]);
    assert_eq!(code(&out), 2);
    let out = run(&["lint", "--no-such-option"]);
    assert_eq!(code(&out), 2);
    let out = run(&["lint", "--format", "xml"]);
    assert_eq!(code(&out), 2);
    let out = run(&["--version"]);
    assert_eq!(code(&out), 0);
}

#[test]
fn help_texts() {
    let out = run(&["--help"]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("help", transcript(&out));
    let out = run(&["lint", "--help"]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("lint_help", transcript(&out));
}

// ---------------------------------------------------------------- rules and explain

#[test]
fn rules_table_and_json() {
    let out = run(&["rules"]);
    assert_eq!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("CODE"));
    insta::assert_snapshot!("rules_table", transcript(&out));
    let out = run(&["rules", "--format", "json"]);
    assert_eq!(code(&out), 0);
    let v = json(&out);
    assert_eq!(v["version"], 1);
    assert!(v["rules"].is_array());
    insta::assert_snapshot!("rules_json", transcript(&out));
}

#[test]
fn explain_rules() {
    let v = json(&run(&["rules", "--format", "json"]));
    for rule in v["rules"].as_array().expect("rules") {
        let code_ = rule["code"].as_str().expect("code");
        let slug = rule["slug"].as_str().expect("slug");
        let by_code = run(&["explain", code_]);
        assert_eq!(code(&by_code), 0);
        assert!(!by_code.stdout.is_empty());
        let by_slug = run(&["explain", slug]);
        assert_eq!(by_slug.stdout, by_code.stdout);
        let lower = run(&["explain", &code_.to_ascii_lowercase()]);
        assert_eq!(lower.stdout, by_code.stdout);
    }
    let out = run(&["explain", "NOPE999"]);
    assert_eq!(code(&out), 2);
    insta::assert_snapshot!("explain_unknown", transcript(&out));
}

/// The seed scenarios: exit codes and `--diff` (every output format of them
/// is in tests/formats.rs).
#[test]
fn seed_exit_codes_and_diffs() {
    for v in ["v1", "v2", "v3"] {
        let path = format!("testdata/seed/{v}/Dockerfile");
        // Unknown base image: SIG001 is a warning, at the default fail level.
        let out = run(&["lint", &path]);
        assert_no_panic(&out);
        assert_eq!(code(&out), 1, "{v}");
        let out = run(&["lint", "--diff", &path]);
        assert_eq!(code(&out), 1, "{v} --diff");
        insta::assert_snapshot!(format!("seed_{v}_diff"), transcript(&out));
        // v2's startup.sh runs the app without exec (SIG010), but the base
        // image's ENTRYPOINT is unknown, so the CMD may be only its
        // arguments: a warning, not an error.
        let out = run(&["lint", "--fail-level", "error", &path]);
        assert_eq!(code(&out), 0, "{v}: error-level findings");
    }
    let out = run(&["lint", "--format", "concise", "testdata/seed"]);
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!("seed_all_concise", transcript(&out));
}

// ---------------------------------------------------------------- suppressions

#[test]
fn suppressions_remove_findings() {
    // `# dsig ignore=SIG004` and `# hadolint ignore=DL3025` above the CMDs.
    let out = run(&["lint", "testdata/cli/suppress/Dockerfile"]);
    assert_eq!(code(&out), 0, "{}", transcript(&out));
    // `# dsig ignore-file`.
    let out = run(&["lint", "testdata/cli/suppress/file"]);
    assert_eq!(code(&out), 0, "{}", transcript(&out));
    // Without the comments the same files have findings.
    for fixture in ["suppress/Dockerfile", "suppress/file/Dockerfile"] {
        let text =
            fs::read_to_string(manifest_dir().join("testdata/cli").join(fixture)).expect("fixture");
        let bare: String = text
            .lines()
            .filter(|l| !l.starts_with("# dsig") && !l.starts_with("# hadolint"))
            .map(|l| format!("{l}\n"))
            .collect();
        let out = run_stdin(&["lint", "--format", "concise", "-"], bare.as_bytes());
        assert_eq!(code(&out), 1, "{fixture}: {}", transcript(&out));
    }
}

#[test]
fn unused_suppressions() {
    let out = run(&[
        "lint",
        "--format",
        "concise",
        "testdata/cli/suppress/unused",
    ]);
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!("suppress_unused_concise", transcript(&out));
    // In a script, and a rule that a Dockerfile comment lists but that has
    // no finding; the script's SIG010 is suppressed from the Dockerfile.
    let out = run(&["lint", "testdata/cli/suppress/script"]);
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!("suppress_script_pretty", transcript(&out));
    let out = run(&[
        "lint",
        "--diff",
        "testdata/cli/suppress/unused",
        "testdata/cli/suppress/script",
    ]);
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!("suppress_diff", transcript(&out));
    // SIG000 can be switched off like any rule; then --fix keeps the comments.
    for args in [
        &[
            "lint",
            "--diff",
            "--ignore",
            "SIG000",
            "testdata/cli/suppress",
        ][..],
        &[
            "lint",
            "--diff",
            "--ignore",
            "unused-suppression",
            "testdata/cli/suppress",
        ],
    ] {
        let out = run(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", transcript(&out));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn fix_removes_unused_suppressions() {
    let dir = temp_dir("suppress-fix");
    for name in ["Dockerfile", "start.sh"] {
        copy_fixture(&format!("suppress/script/{name}"), &dir.join(name));
    }
    let out = run_in(&dir, &["lint", "--fix"]);
    assert_eq!(code(&out), 0, "{}", transcript(&out));
    assert_eq!(
        fs::read_to_string(dir.join("Dockerfile")).expect("read"),
        "FROM debian:bookworm\nCOPY --chmod=755 start.sh /usr/local/bin/start.sh\n# dsig ignore=script-missing-exec\nENTRYPOINT [\"start.sh\"]\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("start.sh")).expect("read"),
        "#!/bin/sh\nset -e\n/usr/local/bin/app --port 8080\n"
    );
    let _ = fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------- rule selection

#[test]
fn select_and_ignore_on_the_command_line() {
    let concise = |args: &[&str]| {
        let mut all = vec!["lint", "--format", "concise", "--quiet"];
        all.extend(args);
        let out = run(&all);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let all = concise(&["testdata/seed/v2"]);
    assert!(
        all.contains("[SIG001]") && all.contains("[SIG010]"),
        "{all}"
    );
    let only = concise(&["--select", "script-missing-exec", "testdata/seed/v2"]);
    assert!(
        !only.contains("[SIG001]") && only.contains("[SIG010]"),
        "{only}"
    );
    let ignored = concise(&["--ignore", "SIG010,SIG002", "testdata/seed/v2"]);
    assert!(ignored.contains("[SIG001]") && !ignored.contains("[SIG010]"));
    // A code prefix selects a family.
    let family = concise(&["--select", "SIG01", "testdata/seed/v2"]);
    assert!(!family.contains("[SIG001]") && family.contains("[SIG010]"));
    // --fix never applies a fix of a rule that does not run.
    let dir = temp_dir("select-fix");
    for name in ["Dockerfile", "startup.sh"] {
        fs::copy(
            manifest_dir().join("testdata/seed/v2").join(name),
            dir.join(name),
        )
        .expect("copy");
    }
    let before = fs::read(dir.join("Dockerfile")).expect("read");
    let out = run_in(&dir, &["lint", "--fix", "--ignore", "SIG001"]);
    assert_no_panic(&out);
    assert_eq!(fs::read(dir.join("Dockerfile")).expect("read"), before);
    assert!(fs::read_to_string(dir.join("startup.sh"))
        .expect("read")
        .contains("exec /go/src/signal/main"));
    let _ = fs::remove_dir_all(&dir);
    let out = run(&["lint", "--select", "SIG0001", "testdata/cli/clean"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --select: unknown rule `SIG0001` (`dsig rules` lists them)\n"
    );
}

#[test]
fn init_writes_a_config_once() {
    let dir = temp_dir("init");
    let out = run_in(&dir, &["init"]);
    assert_eq!(code(&out), 0, "{}", transcript(&out));
    let written = fs::read_to_string(dir.join("dsig.toml")).expect("written");
    assert!(written.contains("fail-level = \"warning\""), "{written}");
    // It is a valid config: lint with it.
    copy_fixture("shell-form/Dockerfile", &dir.join("Dockerfile"));
    let out = run_in(&dir, &["lint", "--quiet"]);
    assert_ne!(code(&out), 2, "{}", transcript(&out));
    let again = run_in(&dir, &["init"]);
    assert_eq!(code(&again), 2);
    assert_eq!(
        String::from_utf8_lossy(&again.stderr),
        "error: dsig.toml already exists; not overwritten\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("dsig.toml")).expect("kept"),
        written
    );
    let _ = fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------- audit regressions

/// A rule code that looks right but names no rule, a prefix that matches no
/// rule and an empty selection are errors, like typos: they would silently
/// run nothing.
#[test]
fn select_naming_no_rule_is_an_error() {
    for (args, message) in [
        (
            &["--select", "SIG999"][..],
            "error: --select: unknown rule `SIG999`: no rule has this code (`dsig rules` lists them)\n",
        ),
        (
            &["--select", "SIG1"][..],
            "error: --select: `SIG1` is a code prefix that matches no rule (`dsig rules` lists them)\n",
        ),
        (
            &["--select", ""][..],
            "error: --select: no rule given, so no rule would run (name codes, names, code prefixes or `all`)\n",
        ),
        (
            &["--select", ","][..],
            "error: --select: no rule given, so no rule would run (name codes, names, code prefixes or `all`)\n",
        ),
        (
            &["--ignore", "SIG100"][..],
            "error: --ignore: unknown rule `SIG100`: no rule has this code (`dsig rules` lists them)\n",
        ),
    ] {
        let mut all = vec!["lint"];
        all.extend(args);
        all.push("testdata/cli/shell-form/Dockerfile");
        let out = run(&all);
        assert_eq!(code(&out), 2, "{args:?}: {}", transcript(&out));
        assert_eq!(String::from_utf8_lossy(&out.stderr), message, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", transcript(&out));
    }
    // Existing codes, names and prefixes that match still work.
    for sel in ["SIG001", "shell-form-cmd", "SIG0", "sig00", "all"] {
        let out = run(&[
            "lint",
            "--select",
            sel,
            "--format",
            "concise",
            "testdata/cli/shell-form/Dockerfile",
        ]);
        assert_ne!(code(&out), 2, "{sel}: {}", transcript(&out));
    }
}

/// `--context` must name an existing directory.
#[test]
fn context_must_be_a_directory() {
    let out = run(&[
        "lint",
        "--context",
        "/nonexistent/dsig-context",
        "testdata/cli/script-findings/Dockerfile",
    ]);
    assert_eq!(code(&out), 2, "{}", transcript(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --context /nonexistent/dsig-context: no such directory\n"
    );
    assert!(out.stdout.is_empty(), "{}", transcript(&out));
    let out = run(&[
        "lint",
        "--context",
        "testdata/cli/script-findings/Dockerfile",
        "testdata/cli/script-findings/Dockerfile",
    ]);
    assert_eq!(code(&out), 2, "{}", transcript(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --context testdata/cli/script-findings/Dockerfile: not a directory (the build context is a directory)\n"
    );
    // A directory is fine: the script is found there.
    let out = run(&[
        "lint",
        "--format",
        "concise",
        "--context",
        "testdata/cli/script-findings",
        "testdata/cli/script-findings/Dockerfile",
    ]);
    assert_eq!(code(&out), 1, "{}", transcript(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("[SIG010]"),
        "{}",
        transcript(&out)
    );
}

/// `--diff` prints a unified diff: with a machine format that would be
/// silently ignored, so it is a usage error; pretty, concise and the default
/// (github on GitHub Actions) still work.
#[test]
fn diff_with_a_machine_format_is_an_error() {
    for format in ["json", "sarif", "github"] {
        let out = run(&[
            "lint",
            "--diff",
            "--format",
            format,
            "testdata/cli/shell-form/Dockerfile",
        ]);
        assert_eq!(code(&out), 2, "{format}: {}", transcript(&out));
        assert!(out.stdout.is_empty(), "{format}: {}", transcript(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("error: --diff prints a unified diff and cannot be combined with --format {format} (only with pretty or concise); drop one of them\n")
        );
    }
    for format in ["pretty", "concise"] {
        let out = run(&[
            "lint",
            "--diff",
            "--format",
            format,
            "testdata/cli/shell-form/Dockerfile",
        ]);
        assert_eq!(code(&out), 1, "{format}: {}", transcript(&out));
        assert!(out.stdout.starts_with(b"--- a/"), "{}", transcript(&out));
    }
    let out = command_in(
        manifest_dir(),
        &["lint", "--diff", "testdata/cli/shell-form/Dockerfile"],
    )
    .env("GITHUB_ACTIONS", "true")
    .output()
    .expect("run dsig");
    assert_eq!(code(&out), 1, "{}", transcript(&out));
    assert!(out.stdout.starts_with(b"--- a/"), "{}", transcript(&out));
}

/// A script that two Dockerfiles start is reported once, and `--diff`
/// prints its hunk once, so that `git apply` takes the diff.
#[test]
fn shared_script_is_reported_and_diffed_once() {
    let out = run(&["lint", "--format", "concise", "testdata/cli/shared-script"]);
    assert_eq!(code(&out), 1, "{}", transcript(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("[SIG010]").count(), 1, "{stdout}");
    insta::assert_snapshot!("shared_script_concise", transcript(&out));

    let out = run(&["lint", "--diff", "testdata/cli/shared-script"]);
    assert_eq!(code(&out), 1, "{}", transcript(&out));
    let diff = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(diff.matches("+++ b/").count(), 1, "{diff}");
    insta::assert_snapshot!("shared_script_diff", transcript(&out));

    // The diff applies, and gives what --fix writes. The two Dockerfiles
    // named by different paths to the same directory are one context.
    let dir = temp_dir("shared-script");
    for name in ["Dockerfile", "Dockerfile.dev", "start.sh"] {
        copy_fixture(&format!("shared-script/{name}"), &dir.join(name));
    }
    let abs_dev = dir.join("Dockerfile.dev");
    let out = run_in(
        &dir,
        &[
            "lint",
            "--diff",
            "Dockerfile",
            abs_dev.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code(&out), 1, "{}", transcript(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        diff.replace("testdata/cli/shared-script/", "")
    );
    let patch = dir.join("fix.patch");
    fs::write(&patch, &out.stdout).expect("write patch");
    let applied = std::process::Command::new("git")
        .args(["apply", "--unsafe-paths", "fix.patch"])
        .current_dir(&dir)
        .output();
    if let Ok(applied) = applied {
        assert!(
            applied.status.success(),
            "git apply: {}",
            String::from_utf8_lossy(&applied.stderr)
        );
        let patched = fs::read_to_string(dir.join("start.sh")).expect("read");
        copy_fixture("shared-script/start.sh", &dir.join("start.sh"));
        let out = run_in(&dir, &["lint", "--fix", "--quiet", "."]);
        assert_no_panic(&out);
        assert_eq!(
            fs::read_to_string(dir.join("start.sh")).expect("read"),
            patched
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

/// `dsig probe` without a `docker` command: exit 2 and why.
#[test]
fn probe_without_docker_is_an_error() {
    let out = common::cli::command_in(manifest_dir(), &["probe", "some/image:1"])
        .env("PATH", "/nonexistent")
        .output()
        .expect("run dsig");
    assert_eq!(code(&out), 2, "{}", transcript(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot run the docker command"),
        "{}",
        transcript(&out)
    );
}

/// `dsig completions SHELL`: a script for each shell that names every
/// subcommand and the lint options; bash's and zsh's parse (`-n`) when the
/// shell is here.
#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}: {}", transcript(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        for word in [
            "lint",
            "probe",
            "server",
            "images",
            "unsafe-fixes",
            "format",
        ] {
            assert!(text.contains(word), "{shell}: no {word} in the completions");
        }
        let checker = match shell {
            "bash" | "zsh" => shell,
            _ => continue,
        };
        if common::host::which(checker).is_none() {
            println!("skipped: no {checker} here to parse its completion script");
            continue;
        }
        let dir = temp_dir(&format!("completions-{shell}"));
        let file = dir.join("dsig.completion");
        fs::write(&file, text.as_bytes()).expect("write");
        let parsed = std::process::Command::new(checker)
            .arg("-n")
            .arg(&file)
            .output()
            .expect("run the shell");
        assert!(
            parsed.status.success(),
            "{shell} -n: {}",
            transcript(&parsed)
        );
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(code(&out), 2, "{}", transcript(&out));
}

/// `dsig man`: a roff page for section 1 with every subcommand; a closed
/// pipe is not an error.
#[test]
fn man_page() {
    let out = run(&["man"]);
    assert_eq!(code(&out), 0, "{}", transcript(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(".ie") || text.contains(".TH dsig 1"),
        "{text}"
    );
    assert!(text.contains(".TH dsig 1"), "{text}");
    for sub in [
        "lint",
        "rules",
        "explain",
        "init",
        "probe",
        "server",
        "completions",
    ] {
        assert!(text.contains(sub), "no {sub} in the man page");
    }
    let mut child = common::cli::command_in(manifest_dir(), &["man"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dsig");
    drop(child.stdout.take()); // the reader goes away at once
    let out = child.wait_with_output().expect("wait");
    assert_eq!(code(&out), 0, "{}", transcript(&out));
    assert!(out.stderr.is_empty(), "{}", transcript(&out));
}

/// `--images docker` without a `docker` command, and `--images registry`
/// with a registry that does not answer: a warning that the base image
/// could not be read, and the findings and exit status of `--images off`.
#[test]
fn unreadable_base_images_are_a_warning() {
    let dir = temp_dir("images-unreadable");
    fs::write(
        dir.join("Dockerfile"),
        "FROM 127.0.0.1:9/nothing/here:1\nCMD [\"/bin/sleep\", \"100\"]\n",
    )
    .expect("write");
    let lint = |images: &str| {
        common::cli::command_in(
            &dir,
            &[
                "lint",
                "--isolated",
                "--format",
                "concise",
                "--images",
                images,
                "Dockerfile",
            ],
        )
        .env("PATH", "/nonexistent")
        .env("DSIG_CACHE_DIR", dir.join("cache"))
        .output()
        .expect("run dsig")
    };
    let off = lint("off");
    assert!(off.stderr.is_empty(), "{}", transcript(&off));
    for (images, from) in [("docker", "from Docker"), ("registry", "from its registry")] {
        let out = lint(images);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), code(&off), "{images}: {}", transcript(&out));
        assert_eq!(out.stdout, off.stdout, "{images}: {}", transcript(&out));
        assert!(
            err.contains(&format!(
                "warning: --images {images}: base image `127.0.0.1:9/nothing/here:1` could not be read {from}"
            )) && err.lines().count() == 1,
            "{images}: {}",
            transcript(&out)
        );
    }
}

/// A Dockerfile in the current directory: the scripts it runs are shown as
/// `startup.sh`, like the Dockerfile itself, not `./startup.sh`.
#[test]
fn scripts_beside_a_dockerfile_in_the_current_directory() {
    let dir = temp_dir("cwd-paths");
    for f in ["Dockerfile", "startup.sh"] {
        fs::copy(manifest_dir().join("testdata/seed/v2").join(f), dir.join(f)).expect("copy");
    }
    for arg in [".", "Dockerfile"] {
        let out = run_in(&dir, &["lint", "--isolated", "--format", "concise", arg]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("\nstartup.sh:2:1: "),
            "{arg}: {}",
            transcript(&out)
        );
        assert!(
            text.starts_with("Dockerfile:8:1: "),
            "{arg}: {}",
            transcript(&out)
        );
    }
}
