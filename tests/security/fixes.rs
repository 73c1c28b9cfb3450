//! Fixes that never break what they touch (issue 12).
//!
//! Each reproducer writes a Dockerfile (and a startup script) into a fresh
//! directory, runs `dsig lint --fix` and `dsig lint --fix --unsafe-fixes` on
//! it, and asserts the safe outcome of that attack. Every result is then
//! checked the same way ([`check_result`]): scripts that `dash -n` and
//! `bash -n` accepted before still pass, the official Dockerfile parser
//! (`PyPI` `dockerfile`, `BuildKit`'s own parser) accepts the fixed Dockerfile
//! with the same instructions plus the ones the fix meant to add, heredoc
//! bodies are byte-identical, and a second `--fix` changes nothing.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::cli::{assert_no_panic, code, command_in, temp_dir};
use crate::common::host::which;

/// A Dockerfile that runs `start.sh` as PID 1 on a base whose /bin/sh is dash.
const RUNS_SCRIPT: &str = "FROM debian:bookworm\nCOPY start.sh /start.sh\nCMD [\"/start.sh\"]\n";

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A fresh directory with `files` in it (scripts made executable).
fn setup(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = temp_dir(&format!("security-fixes-{name}"));
    for (path, text) in files {
        let p = dir.join(path);
        fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        if path.ends_with(".sh") {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    }
    dir
}

fn snapshot(dir: &Path, files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(p, _)| {
            let text = fs::read_to_string(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
            (p.to_string(), text)
        })
        .collect()
}

/// `dsig lint --fix [--unsafe-fixes] Dockerfile` in `dir`.
fn fix(dir: &Path, unsafe_fixes: bool) -> Output {
    let mut args = vec!["lint", "--no-color", "--fix"];
    if unsafe_fixes {
        args.push("--unsafe-fixes");
    }
    args.push("Dockerfile");
    let out = command_in(dir, &args).output().expect("run dsig");
    assert_no_panic(&out);
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Run a fresh copy of `files` through `--fix` and `--fix --unsafe-fixes`;
/// each result passes [`check_result`]. Returns the fixed files and the
/// output of each mode, safe first.
fn fix_both(name: &str, files: &[(&str, &str)]) -> [(Vec<(String, String)>, Output); 2] {
    [false, true].map(|unsafe_fixes| {
        let mode = if unsafe_fixes { "unsafe" } else { "safe" };
        let dir = setup(&format!("{name}-{mode}"), files);
        let out = fix(&dir, unsafe_fixes);
        assert!(
            matches!(code(&out), 0 | 1),
            "{name} ({mode}): exit {}: {}",
            code(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        let after = snapshot(&dir, files);
        check_result(
            &format!("{name} ({mode})"),
            &dir,
            files,
            &after,
            unsafe_fixes,
        );
        (after, out)
    })
}

fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    &files.iter().find(|(p, _)| p == name).expect("file").1
}

/// What every fixed tree must satisfy: scripts still pass `dash -n` and
/// `bash -n` when they did before, the official parser reads the Dockerfile
/// as the same instructions in the same order (with the same heredoc
/// bodies) except the ones the fix changed or added, and a second `--fix`
/// in the same mode changes no file.
fn check_result(
    what: &str,
    dir: &Path,
    before: &[(&str, &str)],
    after: &[(String, String)],
    unsafe_fixes: bool,
) {
    for ((path, old), (_, new)) in before.iter().zip(after) {
        if path.ends_with(".sh") {
            for shell in ["dash", "bash"] {
                if shell_accepts(shell, old) == Some(true) {
                    assert_eq!(
                        shell_accepts(shell, new),
                        Some(true),
                        "{what}: `{shell} -n` rejects the fixed {path}:\n{new}"
                    );
                }
            }
        } else if *path == "Dockerfile" {
            if let (Some(Ok(old_ins)), Some(new_ins)) = (official(old), official(new)) {
                let new_ins =
                    new_ins.unwrap_or_else(|e| panic!("{what}: official parser: {e}\n{new}"));
                same_instructions(what, &old_ins, &new_ins, new);
            }
        }
    }
    let again = fix(dir, unsafe_fixes);
    let twice = snapshot(dir, before);
    assert_eq!(
        twice,
        after,
        "{what}: a second --fix changed files: {}",
        stdout(&again)
    );
}

/// `shell -n` on `text`; `None` (with a printed reason) when the shell is
/// missing outside CI.
fn shell_accepts(shell: &str, text: &str) -> Option<bool> {
    if which(shell).is_none() {
        assert!(!ci(), "CI=true but `{shell}` is not installed");
        println!("skipped `{shell} -n`: {shell} not installed");
        return None;
    }
    // One directory per call: tests run in parallel in this process.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = temp_dir(&format!("security-fixes-n-{shell}-{n}"));
    let p = dir.join("script.sh");
    fs::write(&p, text).expect("write script");
    let st = Command::new(shell)
        .arg("-n")
        .arg(&p)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run shell");
    let _ = fs::remove_dir_all(&dir);
    Some(st.success())
}

/// One instruction as `BuildKit`'s parser sees it.
#[derive(Debug, Clone, PartialEq)]
struct Official {
    cmd: String,
    original: String,
    heredocs: Vec<String>,
}

const OFFICIAL: &str = r#"
import json, sys
import dockerfile
try:
    cmds = dockerfile.parse_string(sys.stdin.read())
except Exception as e:
    print(json.dumps({"error": str(e)}))
    sys.exit(0)
print(json.dumps({"instructions": [
    {"cmd": c.cmd, "original": c.original, "heredocs": [h.content for h in c.heredocs]}
    for c in cmds]}))
"#;

/// The official parser's reading of `text`: `None` (with a printed reason)
/// when the `PyPI` package `dockerfile` is not importable outside CI.
fn official(text: &str) -> Option<Result<Vec<Official>, String>> {
    use std::io::Write;
    let child = Command::new("python3")
        .arg("-c")
        .arg(OFFICIAL)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let out = child.and_then(|mut c| {
        c.stdin.take().expect("stdin").write_all(text.as_bytes())?;
        c.wait_with_output()
    });
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            let why = String::from_utf8_lossy(&o.stderr).into_owned();
            assert!(!ci(), "CI=true but the official parser failed: {why}");
            println!("skipped the official parser check: {why}");
            return None;
        }
        Err(e) => {
            assert!(!ci(), "CI=true but python3 failed: {e}");
            println!("skipped the official parser check: python3: {e}");
            return None;
        }
    };
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("parser JSON");
    if let Some(e) = v.get("error") {
        return Some(Err(e.to_string()));
    }
    let list = v["instructions"].as_array().expect("instructions");
    Some(Ok(list
        .iter()
        .map(|i| Official {
            cmd: i["cmd"].as_str().unwrap_or_default().to_string(),
            original: i["original"].as_str().unwrap_or_default().to_string(),
            heredocs: i["heredocs"]
                .as_array()
                .map(|h| {
                    h.iter()
                        .map(|c| c.as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()))
}

/// Instructions a fix may add: the init install, its helper stage and the
/// ENTRYPOINT in front.
fn added_by_fix(i: &Official) -> bool {
    (i.cmd == "RUN" && (i.original.contains("tini") || i.original.contains("dumb-init")))
        || (i.cmd == "FROM" && i.original.contains("dsig-tini"))
        || (i.cmd == "COPY" && i.original.contains("dsig-tini"))
        || (i.cmd == "ENTRYPOINT" && i.original.contains("tini"))
}

/// `new` is `old` with the same instruction kinds in the same order and the
/// same heredoc bodies, plus instructions a fix adds (at most one
/// ENTRYPOINT of them).
fn same_instructions(what: &str, old: &[Official], new: &[Official], text: &str) {
    // An ENTRYPOINT the init fix rewrote (`["/start.sh"]` → `["/usr/bin/tini",
    // "-g", "--", "/start.sh"]`) stands for the old one.
    let wraps = |i: &Official| {
        i.cmd == "ENTRYPOINT"
            && old.iter().any(|o| {
                let args = o.original.trim_start_matches("ENTRYPOINT").trim();
                let args = args.trim_start_matches('[').trim_end_matches(']');
                o.cmd == "ENTRYPOINT" && !args.is_empty() && i.original.contains(args)
            })
    };
    let mut kept = new
        .iter()
        .filter(|i| !added_by_fix(i) || old.contains(i) || wraps(i));
    for o in old {
        let n = kept
            .next()
            .unwrap_or_else(|| panic!("{what}: `{}` is gone:\n{text}", o.original));
        assert_eq!(n.cmd, o.cmd, "{what}: instruction kinds changed:\n{text}");
        assert_eq!(
            n.heredocs, o.heredocs,
            "{what}: heredoc bodies changed:\n{text}"
        );
    }
    let extra: Vec<&Official> = kept.collect();
    assert!(
        extra.is_empty(),
        "{what}: unexpected instructions {extra:?}:\n{text}"
    );
    let added_entrypoints = new
        .iter()
        .filter(|i| i.cmd == "ENTRYPOINT" && added_by_fix(i) && !old.contains(i) && !wraps(i))
        .count();
    assert!(
        added_entrypoints <= 1,
        "{what}: {added_entrypoints} ENTRYPOINTs added:\n{text}"
    );
}

/// Words after which `exec` fails (or runs something else): functions,
/// builtins, aliases, keywords of the cases below.
fn assert_no_exec_before(what: &str, script: &str, names: &[&str]) {
    for n in names {
        let bad = format!("exec {n}");
        assert!(
            !script
                .lines()
                .any(|l| l.trim_start().starts_with(&bad) || l.contains(&format!(" {bad}"))),
            "{what}: `{bad}` in the fixed script:\n{script}"
        );
    }
}

#[test]
fn exec_is_never_put_before_a_function_builtin_alias_or_keyword() {
    // Ten functions that call the next: deeper than the analysis follows.
    let mut chain = String::from("#!/bin/sh\n");
    for i in 1..10 {
        let _ = write!(chain, "f{i}() {{\n  f{}\n}}\n", i + 1);
    }
    chain.push_str("f10() {\n  node server.js\n}\nf1\n");
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("deep-functions", chain, (1..=10).map(|_| "f").collect()),
        (
            "command",
            "#!/bin/sh\ncd /app\ncommand node server.js\n".into(),
            vec!["command"],
        ),
        (
            "builtin",
            "#!/bin/bash\nbuiltin echo ready\n".into(),
            vec!["builtin"],
        ),
        ("read", "#!/bin/sh\nread line\n".into(), vec!["read"]),
        ("eval", "#!/bin/sh\neval \"$APP\"\n".into(), vec!["eval"]),
        (
            "alias",
            "#!/bin/sh\nalias serve='node server.js'\nserve\n".into(),
            vec!["serve"],
        ),
        (
            "keyword",
            "#!/bin/bash\ntime node server.js\n".into(),
            vec!["time"],
        ),
        (
            "function-after-use",
            "#!/bin/bash\nstart_app\n\nfunction start_app {\n  node server.js\n}\n".into(),
            vec!["start_app"],
        ),
    ];
    for (name, script, bad) in &cases {
        let files = [("Dockerfile", RUNS_SCRIPT), ("start.sh", script.as_str())];
        for (after, out) in fix_both(name, &files) {
            let fixed = file(&after, "start.sh");
            let bad: Vec<&str> = if *name == "deep-functions" {
                // No `exec f1` .. `exec f10`.
                vec!["f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"]
            } else {
                bad.clone()
            };
            assert_no_exec_before(name, fixed, &bad);
            if matches!(*name, "builtin" | "read") {
                // `echo` and `read` finish by themselves: no workload, no
                // finding, nothing changed.
                assert_eq!(fixed, script.as_str(), "{name}: changed");
                assert_eq!(code(&out), 0, "{name}: {}", stdout(&out));
            } else if !matches!(*name, "deep-functions" | "function-after-use") {
                // The finding stays, without a fix that would break.
                assert_eq!(fixed, script.as_str(), "{name}: changed");
                assert_eq!(code(&out), 1, "{name}: finding gone: {}", stdout(&out));
            }
        }
    }
}

#[test]
fn real_exec_wrappers_are_still_execd() {
    // env, nohup, gosu and friends are programs: `exec` before them is right.
    for (name, line) in [
        ("env", "env NODE_ENV=production node server.js"),
        ("nohup", "nohup node server.js"),
    ] {
        let script = format!("#!/bin/sh\ncd /app\n{line}\n");
        let files = [("Dockerfile", RUNS_SCRIPT), ("start.sh", script.as_str())];
        let [(safe, _), _] = fix_both(name, &files);
        assert!(
            file(&safe, "start.sh").contains(&format!("exec {line}")),
            "{name}: not fixed:\n{}",
            file(&safe, "start.sh")
        );
    }
}

#[test]
fn exec_that_would_skip_later_commands_is_unsafe_or_not_offered() {
    // (name, script, what unsafe fixes may do: true = exec allowed)
    let cases: [(&str, &str, bool); 5] = [
        (
            "after-if-else",
            "#!/bin/sh\nif [ -n \"$X\" ]; then\n  node a.js\nelse\n  node b.js\nfi\nrm -rf /tmp/cache\n",
            true,
        ),
        (
            "after-function-call",
            "#!/bin/sh\nrun() {\n  node a.js\n}\nrun\necho cleanup >/tmp/done\n",
            true,
        ),
        (
            "function-called-in-a-loop",
            "#!/bin/sh\nrun() {\n  node \"$1\"\n}\nfor j in migrate seed; do run \"$j.js\"; done\nrun server.js\n",
            true,
        ),
        (
            "case-then-cleanup",
            // A value known only at run time: the arm may run. (`$1` is
            // known to be empty here: CMD passes no argument.)
            "#!/bin/sh\ncase \"$(cat /etc/mode)\" in\n  web) node a.js ;;\nesac\nrm -f /tmp/app.lock\n",
            true,
        ),
        (
            "exit-trap",
            "#!/bin/sh\ntrap 'rm -f /tmp/app.pid' EXIT\nnode a.js\n",
            true,
        ),
    ];
    for (name, script, unsafe_may_exec) in cases {
        let files = [("Dockerfile", RUNS_SCRIPT), ("start.sh", script)];
        let [(safe, out), (unsafe_, _)] = fix_both(name, &files);
        assert_eq!(
            file(&safe, "start.sh"),
            script,
            "{name}: a safe fix changed what runs:\n{}",
            stdout(&out)
        );
        assert_eq!(code(&out), 1, "{name}: finding gone");
        if !unsafe_may_exec {
            assert_eq!(file(&unsafe_, "start.sh"), script, "{name}: changed");
        }
    }
    // A command after `exit` never runs: the script model finds no workload,
    // so nothing is reported and nothing is changed.
    let script = "#!/bin/sh\nexit 0\nnode a.js\n";
    let files = [("Dockerfile", RUNS_SCRIPT), ("start.sh", script)];
    for (after, out) in fix_both("never-reached", &files) {
        assert_eq!(file(&after, "start.sh"), script, "never-reached: changed");
        assert_eq!(code(&out), 0, "never-reached: {}", stdout(&out));
    }
    // At the true end of the script the fix stays safe. (`$(x)`: known only
    // at run time; `$X` would be known to be empty on a Debian base.)
    let script = "#!/bin/sh\nrun() {\n  node a.js\n}\nif [ -n \"$(x)\" ]; then\n  run\nelse\n  node b.js\nfi\nexit $?\n";
    let files = [("Dockerfile", RUNS_SCRIPT), ("start.sh", script)];
    let [(safe, _), _] = fix_both("true-end", &files);
    let fixed = file(&safe, "start.sh");
    assert!(
        fixed.contains("exec node a.js") && fixed.contains("exec node b.js"),
        "{fixed}"
    );
}

#[test]
fn a_continuation_on_the_last_line_gets_one_entrypoint_and_settles() {
    for (name, dockerfile) in [
        ("newline", "FROM debian:bookworm\nCMD node server.js \\\n"),
        ("eof", "FROM debian:bookworm\nCMD node server.js \\"),
        (
            "blank-and-comment",
            "FROM debian:bookworm\nCMD node server.js \\\n\n# note\n",
        ),
        (
            "exec-form",
            "FROM debian:bookworm\nCMD [\"node\", \"server.js\"] \\\n",
        ),
    ] {
        let files = [("Dockerfile", dockerfile)];
        let [(safe, _), (unsafe_, _)] = fix_both(name, &files);
        for (mode, after) in [("safe", &safe), ("unsafe", &unsafe_)] {
            let text = file(after, "Dockerfile");
            let Some(parsed) = official(text) else {
                continue;
            };
            let parsed = parsed.unwrap_or_else(|e| panic!("{name} {mode}: {e}"));
            let count = |c: &str| parsed.iter().filter(|i| i.cmd == c).count();
            assert_eq!(count("CMD"), 1, "{name} {mode}:\n{text}");
            let cmd = parsed.iter().find(|i| i.cmd == "CMD").expect("CMD");
            assert!(
                !cmd.original.contains("ENTRYPOINT") && !cmd.original.contains("RUN"),
                "{name} {mode}: the CMD swallowed an instruction:\n{text}"
            );
            if mode == "unsafe" {
                assert_eq!(count("ENTRYPOINT"), 1, "{name} {mode}:\n{text}");
                assert_eq!(count("RUN"), 1, "{name} {mode}:\n{text}");
            }
        }
    }
}

#[test]
fn heredoc_bodies_are_file_content_not_suppressions_to_remove() {
    let cases = [
        (
            "copy-config",
            "FROM debian:bookworm\nCOPY <<EOF /etc/app.conf\n# dsig ignore=SIG001\nkey=1\nEOF\nCMD [\"/usr/bin/app\"]\n",
        ),
        (
            "run",
            "FROM debian:bookworm\nRUN <<EOF\n# dsig ignore=SIG010 unused\necho hi\nEOF\nCMD [\"/usr/bin/app\"]\n",
        ),
        (
            "copy-script",
            "FROM debian:bookworm\nCOPY <<'EOF' /start.sh\n#!/bin/sh\n# dsig ignore-file=SIG004\nexec /usr/bin/app\nEOF\nCMD [\"/start.sh\"]\n",
        ),
    ];
    for (name, dockerfile) in cases {
        let files = [("Dockerfile", dockerfile)];
        for (after, _) in fix_both(name, &files) {
            let text = file(&after, "Dockerfile");
            assert!(
                text.contains("# dsig ignore"),
                "{name}: heredoc body changed:\n{text}"
            );
            let body = |t: &str| t[t.find("<<").expect("heredoc")..].to_string();
            assert_eq!(body(text), body(dockerfile), "{name}");
        }
    }
}

#[test]
fn a_command_string_with_a_syntax_error_is_not_fixed() {
    let cases = [
        (
            "cmd-shell-form",
            "FROM debian:bookworm\nCMD node \"server.js\n",
            "CMD",
        ),
        (
            "entrypoint-shell-form",
            "FROM debian:bookworm\nENTRYPOINT cd /app && node 'server.js\n",
            "ENTRYPOINT",
        ),
        (
            "sh-c",
            "FROM debian:bookworm\nCMD [\"sh\", \"-c\", \"cd /app && node \\\"server.js\"]\n",
            "CMD",
        ),
        (
            "sh-c-unclosed-if",
            "FROM debian:bookworm\nCMD [\"sh\", \"-c\", \"if true; then node server.js\"]\n",
            "CMD",
        ),
    ];
    for (name, dockerfile, keyword) in cases {
        let line = dockerfile
            .lines()
            .find(|l| l.starts_with(keyword))
            .expect("line");
        let files = [("Dockerfile", dockerfile)];
        for (after, _) in fix_both(name, &files) {
            let text = file(&after, "Dockerfile");
            assert!(
                text.lines().any(|l| l == line),
                "{name}: `{line}` was changed:\n{text}"
            );
        }
    }
    // A startup script with a syntax error gets no `exec` either.
    let script = "#!/bin/sh\nif [ -n \"$X\" ]; then\n  node server.js\n";
    let files = [("Dockerfile", RUNS_SCRIPT), ("start.sh", script)];
    for (after, _) in fix_both("script-unclosed-if", &files) {
        assert_eq!(file(&after, "start.sh"), script);
    }
    let script = "#!/bin/sh\ncd /app\nnode 'server.js\n";
    let files = [("Dockerfile", RUNS_SCRIPT), ("start.sh", script)];
    for (after, _) in fix_both("script-unclosed-quote", &files) {
        assert_eq!(file(&after, "start.sh"), script);
    }
}

#[test]
fn deciding_where_exec_fits_stays_near_linear() {
    use crate::support::run_measured;
    use std::time::Duration;
    // Many branches that each end in the app (as many as the analysis
    // follows: more than MAX_LEAVES endings is SIG017 "too complex"), exits
    // after them, and a long chain of functions: each block and function is
    // judged once.
    let arms = dsig::shell::script::MAX_LEAVES;
    // A value known only at run time: every arm may run.
    let mut script = String::from("#!/bin/sh\ncase \"$(cat /etc/mode)\" in\n");
    for i in 0..arms {
        let _ = writeln!(script, "  a{i}) node s{i}.js ;;");
    }
    script.push_str("esac\n");
    script.push_str(&"exit 0\n".repeat(3000));
    for i in 0..1000 {
        let _ = write!(script, "g{i}() {{\n  g{}\n}}\n", i + 1);
    }
    script.push_str("g1000() {\n  node x.js\n}\n");
    let dir = setup(
        "linear",
        &[("Dockerfile", RUNS_SCRIPT), ("start.sh", script.as_str())],
    );
    let m = run_measured(
        &dir,
        &[
            "lint",
            "--no-color",
            "--fix",
            "--unsafe-fixes",
            "Dockerfile",
        ],
        Duration::from_secs(60),
    );
    m.assert_within(
        "256 case arms, 3000 exits and 1000 chained functions",
        20.0,
        500,
    );
    assert!(matches!(m.code, Some(0 | 1)), "{}", m.stderr);
    let fixed = fs::read_to_string(dir.join("start.sh")).expect("script");
    assert_eq!(fixed.matches("exec node s").count(), arms, "every arm");
}

/// `shell script args` in `dir`: its exit code and stdout.
fn run_script(shell: &str, dir: &Path, args: &[&str]) -> Option<(i32, String)> {
    if which(shell).is_none() {
        assert!(!ci(), "CI=true but `{shell}` is not installed");
        println!("skipped running the script: {shell} not installed");
        return None;
    }
    let out = Command::new(shell)
        .arg("start.sh")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    Some((out.status.code().unwrap_or(-1), stdout(&out)))
}

#[test]
fn exec_is_never_put_before_a_command_word_that_names_a_function() {
    // The reviewer's case: the script dispatches to its own function through
    // a variable; `exec "$cmd"` would look `migrate` up on PATH (exit 127).
    let dockerfile =
        "FROM debian\nCOPY start.sh /start.sh\nENTRYPOINT [\"/start.sh\"]\nCMD [\"migrate\"]\n";
    let script = "#!/bin/sh\nmigrate() { echo migrating; }\nserve() { echo serving; }\ncmd=${1:-serve}\nshift 2>/dev/null\n\"$cmd\" \"$@\"\n";
    let files = [("Dockerfile", dockerfile), ("start.sh", script)];
    for (mode, (after, out)) in ["safe", "unsafe"].iter().zip(fix_both("dispatch", &files)) {
        let fixed = file(&after, "start.sh");
        assert!(!fixed.contains("exec "), "dispatch ({mode}):\n{fixed}");
        // CMD selects `migrate`, a function that echoes: the script
        // finishes by itself, nothing to report.
        assert_eq!(code(&out), 0, "dispatch ({mode}): {}", stdout(&out));
        let dir = setup(&format!("dispatch-run-{mode}"), &[("start.sh", fixed)]);
        if let Some(ran) = run_script("dash", &dir, &["migrate"]) {
            assert_eq!(ran, (0, "migrating\n".into()), "dispatch ({mode})");
        }
    }
    // Known values of the word that name a function: no `exec` in any mode.
    for (name, script) in [
        (
            "assigned",
            "#!/bin/sh\nsetup() { echo ok; }\ncmd=setup\n$cmd\n",
        ),
        (
            "default",
            "#!/bin/sh\nsetup() { echo ok; }\n\"${CMD:-setup}\"\n",
        ),
        (
            "set-args",
            "#!/bin/sh\nsetup() { echo ok; }\nset -- setup\n\"$@\"\n",
        ),
        (
            "function-args",
            "#!/bin/sh\nsetup() { echo ok; }\nrun() {\n  \"$@\"\n}\nrun setup\n",
        ),
    ] {
        let files = [("Dockerfile", RUNS_SCRIPT), ("start.sh", script)];
        for (after, _) in fix_both(name, &files) {
            assert_eq!(file(&after, "start.sh"), script, "{name}: changed");
        }
        let dir = setup(&format!("{name}-run"), &[("start.sh", script)]);
        if let Some(ran) = run_script("dash", &dir, &[]) {
            assert_eq!(ran, (0, "ok\n".into()), "{name}: the reproducer itself");
        }
    }
    // A script with functions whose word has no known value: unsafe, and
    // the reason is given. (`$APP_CMD`, not set by the image: `"$@"` would
    // be known to be empty, as CMD passes no argument.)
    let script = "#!/bin/sh\nlog() { echo \"$*\"; }\nlog starting\n\"$APP_CMD\"\n";
    let files = [("Dockerfile", RUNS_SCRIPT), ("start.sh", script)];
    let [(safe, out), (unsafe_, _)] = fix_both("unknown-word", &files);
    assert_eq!(file(&safe, "start.sh"), script, "unknown-word: safe fix");
    assert!(
        stdout(&out).contains("may name a function"),
        "unknown-word: no reason: {}",
        stdout(&out)
    );
    assert!(file(&unsafe_, "start.sh").contains("exec \"$APP_CMD\""));
    // The docker-entrypoint idiom without functions, aliases or sourcing
    // stays a safe fix.
    // (ENTRYPOINT and a CMD: the arguments are the program.)
    let script = "#!/bin/sh\nset -e\nchown -R app /data\n\"$@\"\n";
    let dockerfile = "FROM debian:bookworm\nCOPY start.sh /start.sh\nENTRYPOINT [\"/start.sh\"]\nCMD [\"node\", \"server.js\"]\n";
    let files = [("Dockerfile", dockerfile), ("start.sh", script)];
    let [(safe, _), _] = fix_both("entrypoint-idiom", &files);
    assert!(
        file(&safe, "start.sh").contains("\nexec \"$@\"\n"),
        "{}",
        file(&safe, "start.sh")
    );
}

#[test]
fn exec_that_would_change_the_exit_status_is_unsafe() {
    // (name, script, args, the safe fix may exec). The stand-in program is
    // `sh -c 'exit 1'`: the script model knows that `sh -c 'exit 1'` finishes by
    // itself (it is no workload), but not what a `sh -c` string does.
    let cases: [(&str, &str, bool); 6] = [
        (
            "exit-rc",
            "#!/bin/sh\nfalse; rc=$?; sh -c 'exit 0'; exit $rc\n",
            false,
        ),
        ("exit-0", "#!/bin/sh\ncd /\nsh -c 'exit 1'\nexit 0\n", false),
        (
            "exit-0-in-if",
            "#!/bin/sh\nif [ -z \"$X\" ]; then\n  sh -c 'exit 1'\nfi\nexit 0\n",
            false,
        ),
        (
            "exit-status",
            "#!/bin/sh\ncd /\nsh -c 'exit 1'\nexit $?\n",
            true,
        ),
        (
            "exit-quoted",
            "#!/bin/sh\ncd /\nsh -c 'exit 1'\nexit \"$?\"\n",
            true,
        ),
        ("bare-exit", "#!/bin/sh\ncd /\nsh -c 'exit 1'\nexit\n", true),
    ];
    for (name, script, safe_may_exec) in cases {
        let files = [("Dockerfile", RUNS_SCRIPT), ("start.sh", script)];
        let [(safe, out), (unsafe_, _)] = fix_both(name, &files);
        let fixed = file(&safe, "start.sh");
        if safe_may_exec {
            assert!(fixed.contains("exec sh -c"), "{name}: not fixed:\n{fixed}");
            // The status is the same before and after.
            for text in [script, fixed] {
                let dir = setup(&format!("{name}-status"), &[("start.sh", text)]);
                if let Some((status, _)) = run_script("dash", &dir, &[]) {
                    assert_eq!(status, 1, "{name}:\n{text}");
                }
            }
        } else {
            assert_eq!(fixed, script, "{name}: a safe fix changed the status");
            assert!(
                stdout(&out).contains("exit status"),
                "{name}: no reason: {}",
                stdout(&out)
            );
            assert!(file(&unsafe_, "start.sh").contains("exec sh -c"), "{name}");
        }
    }
    // A `return` after the program in a function: no safe `exec` either way.
    for (name, script) in [
        (
            "return-n",
            "#!/bin/sh\nf() {\n  sh -c 'exit 1'\n  return 0\n}\nf\n",
        ),
        (
            "bare-return",
            "#!/bin/sh\nf() {\n  sh -c 'exit 1'\n  return\n}\nf\n",
        ),
    ] {
        let files = [("Dockerfile", RUNS_SCRIPT), ("start.sh", script)];
        let [(safe, _), _] = fix_both(name, &files);
        assert_eq!(
            file(&safe, "start.sh"),
            script,
            "{name}: a safe fix changed it"
        );
    }
}

#[test]
fn a_long_block_and_many_variable_command_words_stay_near_linear() {
    use crate::support::run_measured;
    use std::time::Duration;
    // 20000 statements in one block (each judged for what would no longer
    // run after the app) and case arms that each run a variable whose
    // values chain through all of them.
    let mut script = String::from("#!/bin/sh\ns() { :; }\n");
    for i in 0..20_000 {
        let _ = writeln!(script, "v{}=$v{}", i % 50, (i + 1) % 50);
    }
    script.push_str("case \"$(cat /etc/mode)\" in\n");
    for i in 0..250 {
        let _ = writeln!(script, "  a{i}) \"$v{}\" x ;;", i % 50);
    }
    script.push_str("esac\n");
    let dir = setup(
        "long-block",
        &[("Dockerfile", RUNS_SCRIPT), ("start.sh", script.as_str())],
    );
    let m = run_measured(
        &dir,
        &["lint", "--no-color", "--fix", "Dockerfile"],
        Duration::from_secs(90),
    );
    m.assert_within("20000 statements and 250 variable command words", 15.0, 500);
    assert_eq!(m.code, Some(1), "{}", m.stderr);
    // The words may name the function `s`: no safe fix.
    let fixed = fs::read_to_string(dir.join("start.sh")).expect("script");
    assert_eq!(fixed, script);
}
