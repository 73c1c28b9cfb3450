//! The kernel's side of `dsig::shell::facts`: every fact of the table,
//! measured for dash, bash and busybox ash on this machine.
//!
//! Each case runs a shell as PID 1 of a new PID namespace (`unshare --pid
//! --fork --kill-child --mount-proc`, as root), or as the child of `tini`
//! (without `-g`) in one, with the static test app (testdata/behaviour/app.c:
//! it handles TERM, INT and QUIT and exits 0) as the command. Signals come
//! from outside with `kill`, as the Docker daemon sends them. The cases of a
//! test run in parallel threads. A measured value that differs from the
//! table fails the test; the measured table is printed (`cargo test --test
//! shell_facts -- --nocapture`) and written to target/shell-facts-*.txt.
//!
//! Bounds: "PID 1 is the app" and "the app runs" are polled for up to 4 s;
//! a shell "dies" when it is gone within 2 s of the signal; a file a trap
//! writes is waited for up to 2 s.

mod common;

use common::host::{alive, build_app, children, comm, is_root, kill, which};
use dsig::shell::facts::{facts, Reaction, ShellFacts};
use dsig::shell::ShellKind;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const START_BOUND: Duration = Duration::from_secs(4);
const DIES_BOUND: Duration = Duration::from_secs(2);
const FILE_BOUND: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(20);
/// Cases run at once (each mostly sleeps; the machine may have 2 cores).
const PARALLEL: usize = 12;

const SHELLS: [(ShellKind, &[&str]); 3] = [
    (ShellKind::Dash, &["dash"]),
    (ShellKind::Bash, &["bash"]),
    (ShellKind::Ash, &["busybox", "sh"]),
];

/// Skip (with a reason) unless root with unshare, dash, bash, busybox, gcc
/// and `extra`; in CI that is a failure.
fn can_run(extra: &[&str]) -> bool {
    let mut missing: Vec<&str> = ["unshare", "dash", "bash", "busybox", "gcc"]
        .iter()
        .chain(extra)
        .copied()
        .filter(|p| which(p).is_none())
        .collect();
    if !is_root() {
        missing.insert(0, "root");
    }
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI=true: the shell facts must be measured (missing: {})",
        missing.join(", ")
    );
    println!(
        "skipped: measuring shell facts needs {} (to run shells as PID 1 of a PID namespace)",
        missing.join(", ")
    );
    false
}

/// A scratch directory with the static app, shared by the tests of this run.
fn workdir() -> &'static (PathBuf, PathBuf) {
    static DIR: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = std::env::temp_dir();
        // Directories of earlier runs whose process is gone.
        for e in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("dsig-shell-facts-") {
                if pid
                    .parse::<u32>()
                    .is_ok_and(|p| !Path::new(&format!("/proc/{p}")).exists())
                {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let dir = tmp.join(format!("dsig-shell-facts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let app = build_app(&dir);
        (dir, app)
    })
}

/// A fresh directory for one case's marker files.
fn case_dir(name: &str) -> PathBuf {
    static N: Mutex<u32> = Mutex::new(0);
    let n = {
        let mut n = N.lock().unwrap();
        *n += 1;
        *n
    };
    let name: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let d = workdir().0.join(format!("{n}-{name}"));
    std::fs::create_dir_all(&d).expect("case dir");
    d
}

/// `argv` running as PID 1 of its own PID namespace.
struct Ns {
    unshare: Child,
    pid1: u32,
}

impl Ns {
    /// `None` when the namespace ended before its PID 1 was seen.
    fn try_start(argv: &[String]) -> Option<Ns> {
        let mut unshare = Command::new("unshare")
            .args(["--pid", "--fork", "--kill-child", "--mount-proc", "--"])
            .args(argv)
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("unshare");
        let start = Instant::now();
        let pid1 = loop {
            if let Some(p) = children(unshare.id()).first() {
                break *p;
            }
            if unshare.try_wait().ok().flatten().is_some() {
                return None;
            }
            assert!(start.elapsed() < START_BOUND, "no PID 1 for {argv:?}");
            std::thread::sleep(POLL);
        };
        Some(Ns { unshare, pid1 })
    }

    fn start(argv: &[String]) -> Ns {
        Ns::try_start(argv).unwrap_or_else(|| panic!("{argv:?} ended at once"))
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        // --kill-child: killing PID 1 ends the namespace and every process in it.
        kill(self.pid1, "-KILL");
        let _ = self.unshare.kill();
        let _ = self.unshare.wait();
    }
}

/// `pid` and every process below it.
fn tree(pid: u32) -> Vec<u32> {
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() && out.len() < 64 {
        let kids = children(out[i]);
        out.extend(kids);
        i += 1;
    }
    out
}

/// The first process at or below `pid` that runs the app, polled.
fn find_app(pid: u32) -> Option<u32> {
    let start = Instant::now();
    while start.elapsed() < START_BOUND {
        if let Some(p) = tree(pid).into_iter().find(|p| comm(*p) == "app") {
            return Some(p);
        }
        if !alive(pid) {
            return None;
        }
        std::thread::sleep(POLL);
    }
    None
}

/// Poll `cond` for up to `bound`.
fn within(bound: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if start.elapsed() >= bound {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

fn shell_argv(kind: ShellKind) -> Vec<String> {
    let (_, argv) = SHELLS.iter().find(|(k, _)| *k == kind).unwrap();
    argv.iter().map(std::string::ToString::to_string).collect()
}

/// `SHELL -c SCRIPT` (with `APP` replaced by the app's path).
fn c_argv(kind: ShellKind, script: &str) -> Vec<String> {
    let mut argv = shell_argv(kind);
    argv.push("-c".into());
    argv.push(script.replace("APP", &workdir().1.to_string_lossy()));
    argv
}

/// Start `argv` as PID 1 and tell whether PID 1 becomes the app (the shell
/// exec'd it): `Some(true)`; the app runs below PID 1: `Some(false)`; the
/// app never runs: `None`.
fn pid1_becomes_app(argv: &[String]) -> Option<bool> {
    let ns = Ns::try_start(argv)?;
    let start = Instant::now();
    while start.elapsed() < START_BOUND {
        if comm(ns.pid1) == "app" {
            return Some(true);
        }
        if tree(ns.pid1).iter().skip(1).any(|p| comm(*p) == "app") {
            // The shell forked; give it a moment in case PID 1 still changes.
            std::thread::sleep(Duration::from_millis(100));
            return Some(comm(ns.pid1) == "app");
        }
        if !alive(ns.pid1) {
            return None;
        }
        std::thread::sleep(POLL);
    }
    None
}

/// What `shell` does when `sig` comes from outside while the app runs in
/// the foreground, in a script that writes `after` once the app is done.
/// The app is ended (TERM: it exits 0) when the shell outlived the signal.
fn reaction(shell: u32, app: u32, sig: &str, after: &Path) -> Reaction {
    kill(shell, sig);
    if within(DIES_BOUND, || !alive(shell)) {
        return Reaction::Dies;
    }
    kill(app, "-TERM");
    let done = within(START_BOUND, || after.exists() || !alive(shell));
    assert!(done, "the shell neither went on nor exited after its child");
    // It may be between the child and the file.
    if within(Duration::from_millis(300), || after.exists()) {
        Reaction::Ignores
    } else {
        Reaction::DiesAfterChild
    }
}

/// One measurement: a fact of one shell, the value the table has and the
/// value the kernel showed.
struct Row {
    fact: &'static str,
    shell: ShellKind,
    table: String,
    measured: String,
}

/// Run `measure` for every (case, shell) pair in parallel threads, compare
/// with the table, print and write the result; fail on any difference.
fn run_cases<C: Sync, V: std::fmt::Debug + PartialEq + Send>(
    test: &str,
    cases: &[(&'static str, C)],
    table: impl Fn(&ShellFacts, &C) -> V + Sync,
    measure: impl Fn(ShellKind, &'static str, &C) -> V + Sync,
) {
    let jobs: Vec<(usize, ShellKind)> = (0..cases.len())
        .flat_map(|i| SHELLS.iter().map(move |(k, _)| (i, *k)))
        .collect();
    let next = Mutex::new(0usize);
    let rows = Mutex::new(Vec::new());
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..PARALLEL.min(jobs.len()) {
            s.spawn(|| loop {
                let j = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(&(i, kind)) = jobs.get(j) else {
                    break;
                };
                let (fact, case) = &cases[i];
                let got = measure(kind, fact, case);
                let want = table(facts(kind), case);
                rows.lock().unwrap().push((
                    j,
                    Row {
                        fact,
                        shell: kind,
                        table: format!("{want:?}"),
                        measured: format!("{got:?}"),
                    },
                ));
            });
        }
    });
    let mut rows = rows.into_inner().unwrap();
    rows.sort_by_key(|(j, _)| *j);
    let mut out = vec![format!(
        "{:<30} {:<12} {:<16} {:<16} agree",
        "fact", "shell", "table", "measured"
    )];
    let mut bad = Vec::new();
    for (_, r) in &rows {
        let agree = r.table == r.measured;
        out.push(format!(
            "{:<30} {:<12} {:<16} {:<16} {}",
            r.fact,
            r.shell.name(),
            r.table,
            r.measured,
            if agree { "yes" } else { "NO" }
        ));
        if !agree {
            bad.push(format!(
                "{} for {}: the table says {}, the kernel showed {}",
                r.fact,
                r.shell.name(),
                r.table,
                r.measured
            ));
        }
    }
    out.push(format!(
        "({} cases in {:.1} s)",
        rows.len(),
        start.elapsed().as_secs_f64()
    ));
    let text = out.join("\n");
    println!("{test}\n{text}");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(
        dir.join(format!("shell-facts-{test}.txt")),
        text.clone() + "\n",
    );
    assert!(
        bad.is_empty(),
        "dsig::shell::facts disagrees with the kernel:\n{}",
        bad.join("\n")
    );
}

type Get = fn(&ShellFacts) -> bool;

/// `sh -c STRING` as PID 1: is the app exec'd (PID 1 becomes the app)?
#[test]
fn c_string_execs() {
    if !can_run(&[]) {
        return;
    }
    let cases: [(&str, (&str, Get)); 15] = [
        ("c_execs_last", ("true; APP", |f| f.c_execs_last)),
        (
            "c_execs_after_and",
            ("cd /tmp && APP", |f| f.c_execs_after_and),
        ),
        ("c_execs_after_or", ("false || APP", |f| f.c_execs_after_or)),
        (
            "c_execs_with_assignment",
            ("X=1 APP", |f| f.c_execs_with_assignment),
        ),
        (
            "c_execs_with_redirect",
            ("APP > /dev/null 2>&1", |f| f.c_execs_with_redirect),
        ),
        (
            "c_execs_in_if",
            ("if true; then APP; fi", |f| f.c_execs_in_if),
        ),
        ("c_execs_in_subshell", ("(APP)", |f| f.c_execs_in_subshell)),
        ("c_execs_in_group", ("{ APP; }", |f| f.c_execs_in_group)),
        ("c_execs_negated", ("! APP", |f| f.c_execs_negated)),
        (
            "c_execs_with_trap",
            ("trap 'echo x' TERM; APP", |f| f.c_execs_with_trap),
        ),
        (
            "c_execs_with_exit_trap",
            ("trap 'echo bye' EXIT; APP", |f| f.c_execs_with_exit_trap),
        ),
        (
            "c_execs_with_ignored_signal",
            ("trap '' HUP; APP", |f| f.c_execs_with_ignored_signal),
        ),
        (
            "c_execs_in_pipeline_last",
            ("echo x | APP", |f| f.c_execs_in_pipeline_last),
        ),
        ("c_execs_eval", ("eval APP", |f| f.c_execs_eval)),
        (
            "c_execs_after_function",
            ("f() { APP; }; f", |f| f.c_execs_after_function),
        ),
    ];
    run_cases(
        "c_string_execs",
        &cases,
        |f, (_, get)| get(f),
        |kind, fact, (script, _)| {
            pid1_becomes_app(&c_argv(kind, script))
                .unwrap_or_else(|| panic!("{fact}: the app never ran under {}", kind.name()))
        },
    );
}

/// A script file run as PID 1 (`sh /s.sh`): is its last command exec'd?
#[test]
fn script_execs() {
    if !can_run(&[]) {
        return;
    }
    // Run as `SHELL FILE` and executed through its `#!` line: the same fact.
    let cases: [(&str, (bool, Get)); 2] = [
        (
            "script_execs_last (sh FILE)",
            (false, |f| f.script_execs_last),
        ),
        ("script_execs_last (#!)", (true, |f| f.script_execs_last)),
    ];
    run_cases(
        "script_execs",
        &cases,
        |f, (_, get)| get(f),
        |kind, fact, (shebang, _)| {
            let dir = case_dir(fact);
            let script = dir.join("s.sh");
            let argv = shell_argv(kind);
            let interp = which(&argv[0]).expect("shell on PATH");
            let line = std::iter::once(interp.to_string_lossy().into_owned())
                .chain(argv[1..].iter().cloned())
                .collect::<Vec<_>>()
                .join(" ");
            let body = format!("#!{line}\ntrue\n{}\n", workdir().1.display());
            std::fs::write(&script, body).expect("script");
            let run = if *shebang {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::Permissions::from_mode(0o755);
                std::fs::set_permissions(&script, mode).expect("chmod");
                vec![script.to_string_lossy().into_owned()]
            } else {
                let mut run = argv;
                run.push(script.to_string_lossy().into_owned());
                run
            };
            // A script written a moment ago can fail to exec with ETXTBSY
            // while another test thread's fork still holds it open for
            // writing: try again before calling it a failure.
            (0..3)
                .find_map(|_| pid1_becomes_app(&run))
                .unwrap_or_else(|| panic!("{fact}: the app never ran under {}", kind.name()))
        },
    );
}

/// `exec -a NAME APP` starts the app; `exec eval APP` does not (the shell
/// looks for a program named `eval`).
#[test]
fn exec_forms() {
    if !can_run(&[]) {
        return;
    }
    let cases: [(&str, (&str, Get)); 2] = [
        ("exec_dash_a", ("exec -a myname APP", |f| f.exec_dash_a)),
        (
            "exec_builtin_fails",
            ("exec eval APP", |f| f.exec_builtin_fails),
        ),
    ];
    run_cases(
        "exec_forms",
        &cases,
        |f, (_, get)| get(f),
        |kind, fact, (script, _)| {
            let pid1 = pid1_becomes_app(&c_argv(kind, script));
            if fact == "exec_builtin_fails" {
                // The shell ended without running the app at all.
                pid1.is_none()
            } else {
                pid1 == Some(true)
            }
        },
    );
}

type GetReaction = fn(&ShellFacts) -> Reaction;

/// The shell as PID 1, the app in the foreground, a signal from outside.
#[test]
fn pid1_signals() {
    if !can_run(&[]) {
        return;
    }
    let cases: [(&str, (&str, &str, GetReaction)); 4] = [
        ("pid1_term", ("", "-TERM", |f| f.pid1_term)),
        ("pid1_int", ("", "-INT", |f| f.pid1_int)),
        ("pid1_quit", ("", "-QUIT", |f| f.pid1_quit)),
        (
            "pid1_term_with_exit_trap",
            ("trap 'echo bye > bye' EXIT; ", "-TERM", |f| {
                f.pid1_term_with_exit_trap
            }),
        ),
    ];
    run_cases(
        "pid1_signals",
        &cases,
        |f, (_, _, get)| get(f),
        |kind, fact, (prefix, sig, _)| {
            let dir = case_dir(fact);
            let after = dir.join("after");
            let script = format!("cd {}; {prefix}APP; echo after > after", dir.display());
            let ns = Ns::start(&c_argv(kind, &script));
            let app = find_app(ns.pid1)
                .unwrap_or_else(|| panic!("{fact}: the app never ran under {}", kind.name()));
            assert_ne!(app, ns.pid1, "{fact}: the shell exec'd the app");
            reaction(ns.pid1, app, sig, &after)
        },
    );
}

/// The shell as the child of `tini` (no `-g`: only the shell gets the
/// signal), the app in the foreground, a signal from outside.
#[test]
fn child_signals() {
    if !can_run(&["tini"]) {
        return;
    }
    let cases: [(&str, (&str, GetReaction)); 3] = [
        ("child_term", ("-TERM", |f| f.child_term)),
        ("child_int", ("-INT", |f| f.child_int)),
        ("child_quit", ("-QUIT", |f| f.child_quit)),
    ];
    run_cases(
        "child_signals",
        &cases,
        |f, (_, get)| get(f),
        |kind, fact, (sig, _)| {
            let dir = case_dir(fact);
            let after = dir.join("after");
            let script = format!("cd {}; APP; echo after > after", dir.display());
            let mut argv = vec!["tini".to_string(), "--".to_string()];
            argv.extend(c_argv(kind, &script));
            let ns = Ns::start(&argv);
            let app = find_app(ns.pid1)
                .unwrap_or_else(|| panic!("{fact}: the app never ran under {}", kind.name()));
            let shell = *children(ns.pid1)
                .first()
                .unwrap_or_else(|| panic!("{fact}: tini has no child"));
            assert_ne!(app, shell, "{fact}: the shell exec'd the app");
            reaction(shell, app, sig, &after)
        },
    );
}

/// A TERM trap in the shell as PID 1: does it run while a foreground child
/// runs, and does it interrupt `wait`?
#[test]
fn trap_timing() {
    if !can_run(&[]) {
        return;
    }
    let cases: [(&str, Get); 3] = [
        ("trap_deferred_in_foreground", |f| {
            f.trap_deferred_in_foreground
        }),
        ("trap_interrupts_wait", |f| f.trap_interrupts_wait),
        ("wait_returns_after_trap", |f| f.wait_returns_after_trap),
    ];
    run_cases(
        "trap_timing",
        &cases,
        |f, get| get(f),
        |kind, fact, _| {
            let dir = case_dir(fact);
            let (trapped, after) = (dir.join("trapped"), dir.join("after"));
            let body = if fact == "trap_deferred_in_foreground" {
                "APP; echo after > after"
            } else {
                "APP & wait $!; echo \"$?\" > after; wait"
            };
            let script = format!(
                "cd {}; trap 'echo trapped > trapped' TERM; {body}",
                dir.display()
            );
            let ns = Ns::start(&c_argv(kind, &script));
            let app = find_app(ns.pid1)
                .unwrap_or_else(|| panic!("{fact}: the app never ran under {}", kind.name()));
            assert_ne!(app, ns.pid1, "{fact}: the shell exec'd the app");
            kill(ns.pid1, "-TERM");
            let ran_at_once = within(FILE_BOUND, || trapped.exists()) && alive(app);
            let returned = ran_at_once && within(FILE_BOUND, || after.exists()) && alive(app);
            if returned && fact == "wait_returns_after_trap" {
                let status = std::fs::read_to_string(&after).unwrap_or_default();
                println!("{}: `wait $!` returned {}", kind.name(), status.trim());
            }
            match fact {
                "trap_deferred_in_foreground" => {
                    if ran_at_once {
                        return false;
                    }
                    kill(app, "-TERM");
                    let ran_later = within(START_BOUND, || trapped.exists());
                    assert!(ran_later, "{fact}: the trap never ran ({})", kind.name());
                    true
                }
                "trap_interrupts_wait" => ran_at_once,
                _ => returned,
            }
        },
    );
}

/// The shell as the child of `tini` with only an EXIT trap, the app in the
/// foreground: when TERM from outside ends the shell, did the EXIT trap run?
#[test]
fn exit_trap_on_term() {
    if !can_run(&["tini"]) {
        return;
    }
    let cases: [(&str, Get); 1] = [("exit_trap_runs_on_term", |f| f.exit_trap_runs_on_term)];
    run_cases(
        "exit_trap_on_term",
        &cases,
        |f, get| get(f),
        |kind, fact, _| {
            let dir = case_dir(fact);
            let bye = dir.join("bye");
            let script = format!(
                "cd {}; trap 'echo bye > bye' EXIT; APP; echo after > after",
                dir.display()
            );
            let mut argv = vec!["tini".to_string(), "--".to_string()];
            argv.extend(c_argv(kind, &script));
            let ns = Ns::start(&argv);
            let app = find_app(ns.pid1)
                .unwrap_or_else(|| panic!("{fact}: the app never ran under {}", kind.name()));
            let shell = *children(ns.pid1)
                .first()
                .unwrap_or_else(|| panic!("{fact}: tini has no child"));
            assert_ne!(app, shell, "{fact}: the shell exec'd the app");
            kill(shell, "-TERM");
            let died = within(DIES_BOUND, || !alive(shell));
            assert!(died, "{fact}: {} outlived TERM as a child", kind.name());
            within(Duration::from_millis(300), || bye.exists())
        },
    );
}

/// The versions on this machine next to the ones the table was measured
/// with (a difference is printed, not failed: the other tests compare the
/// behaviour itself).
#[test]
fn measured_versions() {
    if !can_run(&[]) {
        return;
    }
    let first_line = |argv: &[&str]| -> String {
        Command::new(argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .output()
            .map(|o| {
                let out = String::from_utf8_lossy(&o.stdout).into_owned();
                out.lines().next().unwrap_or("").to_string()
            })
            .unwrap_or_default()
    };
    let host = [
        (
            ShellKind::Dash,
            first_line(&["dpkg-query", "-W", "-f", "${Version}", "dash"]),
        ),
        (ShellKind::Bash, first_line(&["bash", "--version"])),
        (ShellKind::Ash, first_line(&["busybox"])),
    ];
    for (kind, line) in host {
        let measured = facts(kind).measured;
        let number = measured.split(' ').nth(1).unwrap_or(measured);
        let same = line.contains(number);
        println!(
            "{:<12} table: {measured:<20} here: {}{}",
            kind.name(),
            if line.is_empty() { "?" } else { &line },
            if same { "" } else { "  (differs: re-measure)" }
        );
    }
}
