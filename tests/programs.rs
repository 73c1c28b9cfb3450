//! The exec column of the wrapper table (`dsig::shell::programs`) is measured,
//! not believed: each wrapper installed here runs `sleep 5`, and the process
//! running `sleep` (/proc/PID/comm) must be the wrapper's own PID exactly
//! when the table says the wrapper execs. Where the table says a wrapper that
//! keeps a child passes SIGTERM on, SIGTERM to the wrapper must end `sleep`.

mod common;

use common::host::{alive, comm, descendants, is_root, kill, which};
use dsig::shell::programs::exec_wrapper;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Wrappers .ci/install-deps installs: CI=true fails when one is missing.
const CI_INSTALLS: &[&str] = &["gosu", "tini"];

/// (argv, words for the table): the table sees the argv itself, except for
/// `su -c` whose command is a shell string (with `exec`: su passes SIGTERM to its
/// direct child only, and dash 0.5.12 keeps a shell for `sh -c 'sleep 5'`).
fn cases() -> Vec<Vec<&'static str>> {
    vec![
        vec!["env", "A=1", "sleep", "5"],
        vec![
            "env",
            "-i",
            "-u",
            "HOME",
            "PATH=/bin:/usr/bin",
            "sleep",
            "5",
        ],
        vec!["nohup", "sleep", "5"],
        vec!["nice", "-n", "5", "sleep", "5"],
        vec!["stdbuf", "-oL", "sleep", "5"],
        vec!["chroot", "/", "sleep", "5"],
        vec!["chroot", "--userspec=0:0", "/", "sleep", "5"],
        vec![
            "setpriv",
            "--reuid",
            "0",
            "--regid=0",
            "--clear-groups",
            "sleep",
            "5",
        ],
        vec!["taskset", "-c", "0", "sleep", "5"],
        vec!["ionice", "-c", "3", "sleep", "5"],
        vec!["numactl", "--localalloc", "sleep", "5"],
        vec!["gosu", "root", "sleep", "5"],
        vec!["su-exec", "root", "sleep", "5"],
        vec!["timeout", "-s", "TERM", "30", "sleep", "5"],
        vec!["runuser", "-u", "root", "--", "sleep", "5"],
        vec!["su", "root", "-s", "/bin/sh", "-c", "exec sleep 5"],
        vec!["tini", "-s", "--", "sleep", "5"],
        vec!["dumb-init", "sleep", "5"],
    ]
}

fn spawn(argv: &[&str]) -> Child {
    Command::new(argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn")
}

/// The PID running `sleep`: the wrapper itself or one below it.
fn sleep_pid(pid: u32) -> Option<u32> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        if comm(pid) == "sleep" {
            return Some(pid);
        }
        if let Some(p) = descendants(pid).into_iter().find(|p| comm(*p) == "sleep") {
            return Some(p);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn gone_within(pid: u32, d: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < d {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn exec_column_matches_the_kernel() {
    let ci = std::env::var("CI").is_ok();
    if !is_root() {
        assert!(!ci, "CI=true: the wrapper tests must run (root needed)");
        println!("skipped: needs root (chroot, setpriv, runuser, su, gosu as root)");
        return;
    }
    let mut ran = Vec::new();
    for argv in cases() {
        let name = argv[0];
        if which(name).is_none() {
            assert!(
                !(ci && CI_INSTALLS.contains(&name)),
                "CI=true: {name} must be installed (.ci/install-deps)"
            );
            println!("skipped {name}: not installed");
            continue;
        }
        let words: Vec<Option<&str>> = argv.iter().map(|w| Some(*w)).collect();
        let w = exec_wrapper(&words).unwrap_or_else(|| panic!("{argv:?}: not in the table"));
        if w.shell_string {
            assert_eq!(argv[w.command_at], "exec sleep 5", "{argv:?}");
        } else {
            assert_eq!(argv[w.command_at], "sleep", "{argv:?}");
        }
        let mut child = spawn(&argv);
        let pid = child.id();
        let sleep = sleep_pid(pid);
        let Some(sleep) = sleep else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{argv:?}: no sleep process appeared");
        };
        let execs = sleep == pid;
        assert_eq!(execs, w.execs, "{argv:?}: the table says execs={}", w.execs);
        if !w.execs && w.forwards {
            kill(pid, "-TERM");
            assert!(
                gone_within(sleep, Duration::from_secs(4)),
                "{argv:?}: SIGTERM to the wrapper did not reach sleep"
            );
        }
        kill(sleep, "-KILL");
        let _ = child.kill();
        let _ = child.wait();
        ran.push(format!("{name}: execs={execs}"));
    }
    println!("measured: {}", ran.join(", "));
    assert!(!ran.is_empty());
}
