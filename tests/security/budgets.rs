//! Budgets: pathological inputs, generated here, within time and memory and
//! without an abort (issue 12).
//!
//! Each reproducer runs `dsig` on one input and asserts: the process ended by
//! itself with exit 0, 1 or 2 (no signal, no panic), within [`SECS`] and
//! [`MIB`], and (with `--format json`) each finding once per (file, span,
//! code). The goal, measured on the release build (tests/bench/hostile.py),
//! is 2 s and 500 MB; the time bound here is looser for a debug build on a
//! loaded machine, but every input took longer than it, or died, before the
//! fix. The measured figures go to stderr (`--nocapture`).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::common::cli::{command_in, temp_dir};
use crate::support::{run_command_measured, run_measured, Measured};

/// Time bound for a debug build (the release goal is 2 s).
const SECS: f64 = 10.0;
/// Peak resident memory bound.
const MIB: i64 = 500;
/// Past this the run is killed (and fails).
const KILL: Duration = Duration::from_secs(60);

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).expect("write input");
}

/// A build context whose ENTRYPOINT is `start.sh`, holding `script`.
fn script_image(name: &str, script: &str) -> std::path::PathBuf {
    let dir = temp_dir(&format!("budgets-{name}"));
    write(
        &dir,
        "Dockerfile",
        "FROM debian:bookworm\nCOPY --chmod=755 start.sh /start.sh\nENTRYPOINT [\"/start.sh\"]\n",
    );
    write(&dir, "start.sh", script);
    dir
}

/// Fail unless the run stayed within the budgets and exited 0, 1 or 2.
fn check(what: &str, m: &Measured) {
    crate::support::check_budget(what, m, SECS, MIB);
}

/// `dsig lint --format json ARGS` in `dir`, checked; its findings.
pub(crate) fn lint_json(what: &str, dir: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    let m = run_measured(dir, &all, KILL);
    check(what, &m);
    findings(what, &m)
}

/// The findings of a JSON report, each (file, span, code) once.
fn findings(what: &str, m: &Measured) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(&m.stdout)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", m.stdout));
    let diags = v["diagnostics"].as_array().cloned().unwrap_or_default();
    let mut seen = HashSet::new();
    for d in &diags {
        let key = (
            d["file"].to_string(),
            d["span"]["start"]["offset"].to_string(),
            d["span"]["end"]["offset"].to_string(),
            d["code"].to_string(),
        );
        assert!(seen.insert(key.clone()), "{what}: reported twice: {key:?}");
    }
    diags
}

/// Whether a finding of `code` in a file ending in `file_end` says `text`.
fn has(diags: &[serde_json::Value], code: &str, file_end: &str, text: &str) -> bool {
    diags.iter().any(|d| {
        d["code"] == code
            && d["file"].as_str().is_some_and(|f| f.ends_with(file_end))
            && d["message"].as_str().is_some_and(|m| m.contains(text))
    })
}

/// A "too complex to analyse" note that names the script.
fn assert_too_complex(what: &str, diags: &[serde_json::Value]) {
    assert!(
        has(diags, "SIG017", "start.sh", "too complex to analyse")
            && diags.iter().any(|d| d["message"]
                .as_str()
                .is_some_and(|m| m.contains("/start.sh") || m.contains("start.sh is"))),
        "{what}: no too-complex note naming the script: {diags:#?}"
    );
}

/// `dsig lint --format json - --stdin-filename start.sh` with `file` on stdin.
pub(crate) fn lint_stdin(what: &str, dir: &Path, file: &str) -> Vec<serde_json::Value> {
    let mut cmd = command_in(
        dir,
        &[
            "lint",
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "start.sh",
        ],
    );
    cmd.stdin(Stdio::from(fs::File::open(dir.join(file)).expect("input")));
    let m = run_command_measured(cmd, KILL);
    check(what, &m);
    findings(what, &m)
}

/// Functions `f1`..`fN` whose `case` has `arms` arms that all call the next
/// function; the last runs `app`. Followed call by call, the paths multiply
/// (arms^N): 1.6 KB took 20 s and 900 MB (debug) before each function's
/// ending was computed once and the same command reached through many paths
/// became one ending.
fn case_chain(arms: usize, n: usize) -> String {
    let mut s = String::from("#!/bin/sh\n");
    for i in 1..n {
        let _ = write!(s, "f{i}() {{\n  case \"$1\" in\n");
        for a in 0..arms {
            let _ = writeln!(s, "    {a}) f{} \"$@\";;", i + 1);
        }
        s.push_str("  esac\n}\n");
    }
    let _ = write!(s, "f{n}() {{\n  app \"$@\"\n}}\nf1 \"$@\"\n");
    s
}

#[test]
fn functions_whose_case_arms_call_the_next_function() {
    let script = case_chain(30, 6);
    assert!(script.len() < 3000, "small input: {} bytes", script.len());
    let dir = script_image("case-chain", &script);
    // An argument that an arm matches: with none, no arm runs and the app is
    // never started (the script model follows the CMD).
    write(
        &dir,
        "Dockerfile",
        "FROM debian:bookworm\nCOPY --chmod=755 start.sh /start.sh\nENTRYPOINT [\"/start.sh\"]\nCMD [\"0\"]\n",
    );
    for (what, diags) in [
        (
            "case chain, Dockerfile",
            lint_json("case chain, Dockerfile", &dir, &["Dockerfile"]),
        ),
        (
            "case chain, script",
            lint_json("case chain, script", &dir, &["start.sh"]),
        ),
        (
            "case chain, -j 2",
            lint_json(
                "case chain, -j 2",
                &dir,
                &["-j", "2", "Dockerfile", "start.sh"],
            ),
        ),
        (
            "case chain, stdin",
            lint_stdin("case chain, stdin", &dir, "start.sh"),
        ),
    ] {
        // Every path ends in `app` as a child of the shell: one finding.
        let at_app: Vec<_> = diags
            .iter()
            .filter(|d| {
                d["code"] == "SIG010" && d["message"].as_str().is_some_and(|m| m.contains("`app`"))
            })
            .collect();
        assert!(!at_app.is_empty(), "{what}: `app` not found: {diags:#?}");
    }
}

/// Functions calling the next one (twice) in every other construct: `if`,
/// `&&`, `||`, pipelines, subshells, loops, command substitution, traps, in
/// the background, mutual recursion, and a library sourced many times.
#[test]
fn functions_calling_functions_in_every_construct() {
    let n = 60;
    let mut s = String::from("#!/bin/sh\ntrap 'f1' TERM\n");
    for _ in 0..300 {
        s.push_str(". ./lib.sh\n");
    }
    for i in 1..n {
        let g = format!("f{}", i + 1);
        let _ = write!(s,
            "f{i}() {{\n  if [ \"$1\" ]; then {g}; else {g}; fi\n  {g} && {g} || {g}\n  {g} | {g}\n  ( {g} ) & ( {g} )\n  while {g}; do {g}; done\n  x=$({g} $({g}))\n  {{ {g}; f1; }}\n  {g}\n}}\n"
        );
    }
    let _ = write!(s, "f{n}() {{\n  f1\n  app\n}}\nf1\nwait\n");
    let dir = script_image("constructs", &s);
    write(&dir, "lib.sh", "helper() { :; }\n");
    let diags = lint_json("constructs, Dockerfile", &dir, &["Dockerfile"]);
    let _ = lint_json(
        "constructs, -j 2",
        &dir,
        &["-j", "2", "Dockerfile", "start.sh"],
    );
    let _ = lint_stdin("constructs, stdin", &dir, "start.sh");
    // Nothing guessed: no `exec` offered before a function.
    for d in &diags {
        let fix = d["fix"]["message"].as_str().unwrap_or("");
        assert!(
            !(fix.contains("exec") && fix.contains("`f")),
            "an exec before a function: {d:#}"
        );
    }
}

/// Many traps whose handlers call a long chain of functions: each handler
/// followed every function again (traps x functions x depth).
#[test]
fn many_traps_calling_a_long_chain_of_functions() {
    let mut s = String::from("#!/bin/sh\n");
    for i in 0..1500 {
        let _ = writeln!(s, "trap \"f0 {i}\" TERM");
    }
    for i in 0..2000 {
        let _ = writeln!(s, "f{i}() {{ f{}; echo $p; }}", i + 1);
    }
    s.push_str("f2000() { kill -TERM \"$p\"; wait \"$p\"; }\napp & p=$!\nwait\n");
    let dir = script_image("traps", &s);
    let diags = lint_json("1500 traps x 2000 functions", &dir, &["Dockerfile"]);
    // The handler forwards and waits (at the end of the chain): no finding
    // that says the trap does not forward.
    assert!(
        !diags.iter().any(|d| d["code"] == "SIG012"),
        "the forwarding was not found: {diags:#?}"
    );
}

/// Thousands of functions that each start a child and `wait`, any of them
/// the last: every `wait` counted the `&` of the whole script (200 s for
/// 5000 in a debug build). More ways to end than dsig keeps is a
/// too-complex note.
#[test]
fn thousands_of_functions_ending_in_wait() {
    let n = 3000;
    let mut s = String::from("#!/bin/sh\n");
    for i in 0..n {
        let _ = write!(s, "f{i}() {{\n  a{i} &\n  wait\n}}\n");
    }
    // A value known only at run time (`$(m)`): any arm may
    // run. (A variable the image does not set is empty on a Debian base.)
    s.push_str("case \"$(m)\" in\n");
    for i in 0..n {
        let _ = writeln!(s, "  {i}) f{i};;");
    }
    s.push_str("esac\n");
    let dir = script_image("waits", &s);
    let diags = lint_json("3000 functions ending in wait", &dir, &["Dockerfile"]);
    assert_too_complex("3000 functions ending in wait", &diags);
    let _ = lint_stdin("3000 functions ending in wait, stdin", &dir, "start.sh");
}

/// A function with 250 ways to end, each with a long word, called from
/// 5000 branches: the branches' endings were all kept before merging
/// (2.8 GB in a release build with 1000-byte words; 500 keeps the script
/// under the 256 KiB analysis limit).
#[test]
fn many_branches_calling_a_function_with_many_endings() {
    let word = "x".repeat(500);
    let mut s = String::from("#!/bin/sh\ng() {\n  case \"$2\" in\n");
    for i in 0..250 {
        let _ = writeln!(s, "    {i}) app{i} {word};;");
    }
    s.push_str("  esac\n}\ncase \"$1\" in\n");
    for i in 0..5000 {
        // `"$@"`: g's `$2` is the script's (unknown: every arm may run).
        let _ = writeln!(s, "  {i}) g \"$@\";;");
    }
    s.push_str("esac\n");
    let dir = script_image("many-endings", &s);
    let diags = lint_json("5000 branches x 250 endings", &dir, &["start.sh"]);
    let sig010 = diags.iter().filter(|d| d["code"] == "SIG010").count();
    assert_eq!(sig010, 250, "one finding per app: {diags:#?}");
}

/// 100,000 background commands and a `wait`: the forwarding-trap fix had an
/// edit per `&` (19 MB, twice in the JSON output; 1.2 GB in a release
/// build). Too many to fix: reported without that fix. 25,000 here, to stay
/// under the 256 KiB analysis limit.
#[test]
fn a_hundred_thousand_background_commands() {
    let mut s = String::from("#!/bin/sh\n");
    for i in 0..25_000 {
        let _ = writeln!(s, "a{i} &");
    }
    s.push_str("wait\n");
    let dir = script_image("background", &s);
    let diags = lint_json("25,000 background commands", &dir, &["Dockerfile"]);
    assert!(
        has(
            &diags,
            "SIG010",
            "start.sh",
            "waits for background children"
        ),
        "{:?}",
        diags.iter().map(|d| &d["code"]).collect::<Vec<_>>()
    );
    for d in &diags {
        let edits = d["fix"]["edits"].as_array().map_or(0, Vec::len);
        assert!(edits <= 64, "{} edits in a fix of {}", edits, d["code"]);
    }
}

/// Nesting that overflowed the stack (exit 134) or took seconds per level:
/// each input, in a script and with `-j 2` (threads with a smaller stack).
#[test]
fn deep_nesting_in_scripts_is_analysed_or_too_complex_never_a_crash() {
    let k = 8000;
    let backticks = {
        let mut s = String::from("x");
        for _ in 0..12 {
            s = format!("echo `{}`", s.replace('\\', "\\\\").replace('`', "\\`"));
        }
        s
    };
    let cases: Vec<(&str, String, bool)> = vec![
        (
            "nested $(",
            format!(
                "#!/bin/sh\necho {}x{}\nexec app\n",
                "$(".repeat(k),
                ")".repeat(k)
            ),
            false,
        ),
        (
            "nested subshells",
            format!("#!/bin/sh\n{}app{}\n", "( ".repeat(k), " )".repeat(k)),
            false,
        ),
        (
            "nested braces",
            format!("#!/bin/sh\n{}app; {}\n", "{ ".repeat(k), "}; ".repeat(k)),
            true,
        ),
        (
            "if inside if",
            format!(
                "#!/bin/sh\n{}app\n{}\n",
                // A value known only at run time: every level may run
                // (`$1` is known to be empty: no CMD).
                "if [ \"$(m)\" ]; then\n".repeat(k),
                "fi\n".repeat(k)
            ),
            true,
        ),
        (
            "case inside case",
            format!(
                "#!/bin/sh\n{}app\n{}\n",
                "case \"$(m)\" in a)\n".repeat(2000),
                ";; esac\n".repeat(2000)
            ),
            true,
        ),
        (
            "loops inside loops",
            format!(
                "#!/bin/sh\n{}app &\nwait\n{}\n",
                "while true; do\n".repeat(3000),
                "done\n".repeat(3000)
            ),
            false,
        ),
        (
            "nested backticks",
            format!("#!/bin/sh\n{backticks}\nexec app\n"),
            false,
        ),
        (
            "heredocs in nested $(",
            format!(
                "#!/bin/sh\nx={}\nexec app\n",
                (0..1500).fold(String::from("y"), |acc, i| format!(
                    "$(cat <<E{i}\n{acc}\nE{i}\n)"
                ))
            ),
            false,
        ),
        (
            "functions calling functions 5000 deep",
            {
                let mut s = String::from("#!/bin/sh\n");
                for i in 0..5000 {
                    let _ = writeln!(s, "f{i}() {{ f{}; }}", i + 1);
                }
                s.push_str("f5000() { app; }\nf0\n");
                s
            },
            true,
        ),
    ];
    let other = script_image("nesting-other", "#!/bin/sh\nexec app\n");
    for (what, script, too_complex) in cases {
        let dir = script_image(&format!("nesting-{}", what.replace(' ', "-")), &script);
        let diags = lint_json(what, &dir, &["Dockerfile"]);
        if too_complex {
            assert_too_complex(what, &diags);
        }
        let other_df = other.join("Dockerfile");
        let other_df = other_df.to_str().expect("utf-8 path");
        let both = lint_json(
            &format!("{what}, -j 2"),
            &dir,
            &["-j", "2", "Dockerfile", "start.sh", other_df],
        );
        if too_complex {
            assert_too_complex(what, &both);
        }
        let _ = lint_stdin(&format!("{what}, stdin"), &dir, "start.sh");
    }
}

/// Exec-form JSON nested far deeper than the stack: `BuildKit`'s decoder
/// stops at 10,000 levels (shell form); a valid nested array is an error.
#[test]
fn deeply_nested_exec_form_json() {
    let dir = temp_dir("budgets-json");
    let n = 30_000;
    write(
        &dir,
        "Dockerfile",
        &format!(
            "FROM debian:bookworm\nCMD {}{}\n",
            "[".repeat(n),
            "]".repeat(n)
        ),
    );
    let diags = lint_json("CMD [[[...", &dir, &["Dockerfile"]);
    assert!(
        has(&diags, "SIG003", "Dockerfile", "max depth"),
        "not taken as invalid JSON: {diags:#?}"
    );
    write(
        &dir,
        "Dockerfile",
        &format!(
            "FROM debian:bookworm\nCMD [\"a\", {}{}]\n",
            "[".repeat(9000),
            "]".repeat(9000)
        ),
    );
    fs::copy(dir.join("Dockerfile"), dir.join("Dockerfile.two")).expect("copy");
    let m = run_measured(
        &dir,
        &["lint", "-j", "2", "Dockerfile", "Dockerfile.two"],
        KILL,
    );
    check("CMD [\"a\", [[[...]]]]", &m);
    assert_eq!(m.code, Some(2), "an exec form of non-strings: {}", m.stderr);
}

/// `a = [[[...` 30,000 deep in dsig.toml aborted the run (exit 134): now a
/// config error at path:line:col, exit 2 (the `toml` crate stops at 80
/// levels).
#[test]
fn deeply_nested_config() {
    let dir = temp_dir("budgets-toml");
    write(&dir, "Dockerfile", "FROM debian:bookworm\nCMD [\"app\"]\n");
    let n = 30_000;
    write(
        &dir,
        "dsig.toml",
        &format!("a = {}{}\n", "[".repeat(n), "]".repeat(n)),
    );
    let m = run_measured(&dir, &["lint", "Dockerfile"], KILL);
    check("dsig.toml [[[...", &m);
    assert_eq!(m.code, Some(2), "{}", m.stderr);
    assert!(
        m.stderr.contains("dsig.toml:1:85") && m.stderr.contains("max recursion depth met"),
        "{}",
        m.stderr
    );
    write(
        &dir,
        "dsig.toml",
        &format!("{} = 1\n", vec!["k"; n].join(".")),
    );
    let m = run_measured(&dir, &["lint", "Dockerfile"], KILL);
    check("dsig.toml k.k.k...", &m);
    assert_eq!(m.code, Some(2), "{}", m.stderr);
    assert!(
        m.stderr.contains("dsig.toml:1:1: error: recursion limit"),
        "{}",
        m.stderr
    );
    // 80,000 keys in a table (under the 1 MiB config limit): each key was
    // looked up with a scan of the table (100,000 keys: 11 s in a release
    // build). Unknown keys: a config error.
    let keys: String = (0..80_000).map(|i| format!("k{i} = 1\n")).collect();
    assert!(keys.len() < dsig::config::MAX_CONFIG_SIZE as usize);
    write(&dir, "dsig.toml", &keys);
    let m = run_measured(&dir, &["lint", "Dockerfile"], KILL);
    check("dsig.toml 80,000 keys", &m);
    assert_eq!(m.code, Some(2), "{}", m.stderr);
    assert!(m.stderr.contains("dsig.toml:1:1"), "{}", m.stderr);
}

/// 4000 stages, each FROM the previous one, each copying a file: 10.7 s and
/// 1.9 GB (debug) when every stage held a copy of all its parents' copies.
#[test]
fn a_chain_of_stages_each_from_the_previous() {
    let dir = temp_dir("budgets-from-chain");
    let n = 4000;
    let mut df = String::from("FROM debian:bookworm AS s0\nCOPY a.sh /a.sh\n");
    for i in 1..n {
        let _ = write!(
            df,
            "FROM s{} AS s{i}\nENV V{i}=x\nCOPY a.sh /a{i}.sh\n",
            i - 1
        );
    }
    df.push_str("CMD [\"/a.sh\"]\n");
    write(&dir, "Dockerfile", &df);
    write(&dir, "a.sh", "#!/bin/sh\napp\n");
    let diags = lint_json("FROM prev x4000", &dir, &["Dockerfile"]);
    // The script copied by the first stage is followed from the last.
    assert!(
        has(&diags, "SIG010", "a.sh", "`app`"),
        "a.sh not followed: {diags:#?}"
    );
}

/// 4000 stages, each `COPY --from` the previous one.
#[test]
fn a_chain_of_copies_from_the_previous_stage() {
    let dir = temp_dir("budgets-copy-from-chain");
    let n = 4000;
    let mut df = String::from("FROM debian:bookworm AS s0\nCOPY a.sh /a.sh\n");
    for i in 1..n {
        let _ = write!(
            df,
            "FROM debian:bookworm AS s{i}\nCOPY --from=s{} /a.sh /a.sh\n",
            i - 1
        );
    }
    df.push_str("CMD [\"/a.sh\"]\n");
    write(&dir, "Dockerfile", &df);
    write(&dir, "a.sh", "#!/bin/sh\napp\n");
    let diags = lint_json("COPY --from prev x4000", &dir, &["-j", "2", "Dockerfile"]);
    assert!(has(&diags, "SIG017", "Dockerfile", "/a.sh"), "{diags:#?}");
}

/// `CMD ((((...app))))` on busybox ash: each level was lexed again, with
/// recursion (40 s and an abort deeper).
#[test]
fn nested_subshells_in_a_shell_form_cmd() {
    let dir = temp_dir("budgets-ash-subshells");
    let n = 8000;
    write(
        &dir,
        "Dockerfile",
        &format!(
            "FROM alpine:3.19\nCMD {}app{}\n",
            "(".repeat(n),
            ")".repeat(n)
        ),
    );
    fs::copy(dir.join("Dockerfile"), dir.join("Dockerfile.two")).expect("copy");
    let diags = lint_json(
        "CMD ((((app))))",
        &dir,
        &["-j", "2", "Dockerfile", "Dockerfile.two"],
    );
    assert!(has(&diags, "SIG001", "Dockerfile", ""), "{diags:#?}");
}

/// 20000 suppression comments stacked above one instruction: the lines
/// between each comment and the instruction were split again for every
/// comment (37 s in a debug build, 3.2 s in release above FROM).
#[test]
fn suppression_comments_stacked_above_one_instruction() {
    let dir = temp_dir("budgets-stacked-suppressions");
    let df = format!("FROM a\n{}CMD c\n", "# dsig ignore=SIG001\n".repeat(20000));
    write(&dir, "Dockerfile", &df);
    let diags = lint_json("20000 stacked suppressions", &dir, &["Dockerfile"]);
    // Each of them suppresses the shell-form CMD's SIG001: nothing is left,
    // no SIG001 and no SIG000.
    assert!(diags.is_empty(), "{:#?}", &diags[..diags.len().min(5)]);
}

/// One suppression per finding, 40000 times: each finding was checked
/// against every suppression (70 s in a debug build).
#[test]
fn one_suppression_per_finding() {
    let dir = temp_dir("budgets-suppression-per-finding");
    let df = format!(
        "FROM a\n{}CMD [\"c\"]\n",
        "# dsig ignore=SIG004\nCMD c\n".repeat(40000)
    );
    write(&dir, "Dockerfile", &df);
    let diags = lint_json("40000 suppressed findings", &dir, &["Dockerfile"]);
    // Each overridden CMD's SIG004 is suppressed by its own comment, and
    // every comment is used.
    assert!(diags.is_empty(), "{:#?}", &diags[..diags.len().min(5)]);
}

/// The same in a script: each of 20000 comments stacked above one command
/// looked for its command past all the comments below it (over 100 s in a
/// debug build). 12000 comments keep the script under the 256 KiB that
/// dsig analyses.
#[test]
fn suppression_comments_stacked_in_a_script() {
    let script = format!(
        "#!/bin/sh\n{}app\n",
        "# dsig ignore=SIG010\n".repeat(12_000)
    );
    assert!(script.len() < dsig::shell::script::MAX_SCRIPT_BYTES);
    let dir = script_image("script-suppressions", &script);
    let diags = lint_json("12000 stacked script suppressions", &dir, &["Dockerfile"]);
    // `app` (not exec'd) is SIG010, suppressed by every comment: none unused.
    assert!(diags.is_empty(), "{:#?}", &diags[..diags.len().min(5)]);
}

/// 5000 `COPY dN/ /pN/` and a PATH of those 5000 directories: each PATH
/// entry was checked against every COPY (10.6 s in release).
#[test]
fn copies_times_path_entries() {
    let dir = temp_dir("budgets-copy-x-path");
    let n = 5000;
    let mut df = String::from("FROM alpine\n");
    for i in 0..n {
        let _ = writeln!(df, "COPY d{i}/ /p{i}/");
    }
    let path: Vec<String> = (0..n).map(|i| format!("/p{i}")).collect();
    let _ = writeln!(df, "ENV PATH={}", path.join(":"));
    df.push_str("ENTRYPOINT [\"start.sh\"]\n");
    write(&dir, "Dockerfile", &df);
    fs::create_dir_all(dir.join(format!("d{}", n - 1))).expect("mkdir");
    write(
        &dir.join(format!("d{}", n - 1)),
        "start.sh",
        "#!/bin/sh\napp\n",
    );
    let diags = lint_json("COPY x PATH", &dir, &["Dockerfile"]);
    // start.sh is found through the last PATH entry and followed.
    assert!(has(&diags, "SIG010", "start.sh", "`app`"), "{diags:#?}");
}

/// A compose file of a thousand services, each building a 5000-line
/// Dockerfile with its own build arg: every service is a whole lint, so
/// only the first `MAX_UNITS` are judged; the rest are listed as not judged.
#[test]
fn a_thousand_compose_services_building_a_big_dockerfile() {
    let dir = temp_dir("budgets-compose-services");
    fs::create_dir_all(dir.join(".git")).expect("git dir");
    fs::create_dir_all(dir.join("app")).expect("app dir");
    let mut df = String::from("FROM debian:bookworm\n");
    for i in 0..5000 {
        let _ = writeln!(df, "RUN echo {i}");
    }
    df.push_str("COPY --chmod=755 run.sh /run.sh\nCMD [\"/run.sh\"]\n");
    write(&dir.join("app"), "Dockerfile", &df);
    write(&dir.join("app"), "run.sh", "#!/bin/sh\napp\n");
    let mut compose = String::from("services:\n");
    for i in 0..1000 {
        let _ = write!(
            compose,
            "  s{i}:\n    build:\n      context: ./app\n      args: {{N: \"{i}\"}}\n"
        );
    }
    write(&dir, "compose.yaml", &compose);
    let m = run_measured(&dir, &["lint", "--format", "json", "compose.yaml"], KILL);
    check("1000 compose services", &m);
    let v: serde_json::Value = serde_json::from_str(&m.stdout).expect("JSON");
    let units = v["units"].as_array().expect("units");
    assert_eq!(units.len(), 1000);
    let judged = units.iter().filter(|u| !u["graceful"].is_null()).count();
    assert_eq!(judged, dsig::project::run::MAX_UNITS);
    // The script's finding, once.
    assert!(
        has(
            &findings("1000 compose services", &m),
            "SIG010",
            "run.sh",
            "`app`"
        ),
        "{v}"
    );
}
