//! The runtime table of rules/pid1-ignores-sigterm.md is measured, not
//! believed: each runtime installed here runs as PID 1 of a new PID namespace
//! (`unshare --pid --fork`, as root), gets SIGTERM from outside as the Docker
//! daemon sends it, and must behave as the table says. The doc's table must
//! list exactly the code's table (dsig::rules::pid1_ignores_sigterm::RUNTIMES).

mod common;

use common::host::{alive, children, is_root, kill, which};
use dsig::rules::pid1_ignores_sigterm::RUNTIMES;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Run `argv` as PID 1 of a new PID namespace, send SIGTERM, and report
/// whether it was ignored (still running 2 s later).
fn ignores_sigterm(argv: &[String]) -> bool {
    let mut unshare = Command::new("unshare")
        .args(["--pid", "--fork", "--kill-child", "--"])
        .args(argv)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("unshare");
    // Wait for PID 1 of the namespace (the child of unshare) and let the
    // runtime start and install whatever handlers it installs.
    let start = Instant::now();
    let pid1 = loop {
        if let Some(p) = children(unshare.id()).first() {
            break *p;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "no PID 1 for {argv:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    std::thread::sleep(Duration::from_millis(1500));
    assert!(alive(pid1), "{argv:?} exited before SIGTERM");
    kill(pid1, "-TERM");
    let deadline = Instant::now() + Duration::from_secs(2);
    while alive(pid1) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let ignored = alive(pid1);
    kill(pid1, "-KILL");
    drop(unshare.stdin.take());
    let _ = unshare.wait();
    ignored
}

/// The table rows of the doc: (program names, ignores).
fn doc_table() -> Vec<(Vec<String>, bool)> {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules/pid1-ignores-sigterm.md"),
    )
    .unwrap();
    doc.lines()
        .skip_while(|l| !l.starts_with("| program |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let names = cells[1].split(',').map(|n| n.trim().to_string()).collect();
            (names, cells[2].starts_with("ignores"))
        })
        .collect()
}

#[test]
fn doc_table_is_the_code_table() {
    let doc = doc_table();
    let code: Vec<(Vec<String>, bool)> = RUNTIMES
        .iter()
        .map(|r| (r.names.iter().map(|n| n.to_string()).collect(), r.ignores))
        .collect();
    assert_eq!(
        doc, code,
        "rules/pid1-ignores-sigterm.md and RUNTIMES differ"
    );
}

#[test]
fn runtimes_behave_as_the_table_says() {
    if !is_root() || which("unshare").is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true but not root or no unshare: the measurement must run in CI"
        );
        println!("skipped: needs root and unshare to run programs as PID 1 of a PID namespace");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("dsig-runtimes-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut rows = Vec::new();
    for rt in RUNTIMES {
        let mut argv: Vec<String> = rt.probe.iter().map(|s| s.to_string()).collect();
        if argv[0] == "java" {
            // A class that sleeps: the JVM's own handlers are what is measured.
            if which("javac").is_none() {
                rows.push(format!("{:<10} skipped: no javac", argv[0]));
                continue;
            }
            std::fs::write(tmp.join("Sleeper.java"), "public class Sleeper { public static void main(String[] a) throws Exception { Thread.sleep(100000); } }").unwrap();
            let ok = Command::new("javac")
                .arg(tmp.join("Sleeper.java"))
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "javac failed");
            argv = vec![
                "java".into(),
                "-cp".into(),
                tmp.display().to_string(),
                "Sleeper".into(),
            ];
        }
        if which(&argv[0]).is_none() {
            rows.push(format!(
                "{:<10} skipped: {} is not installed",
                rt.names[0], argv[0]
            ));
            continue;
        }
        let ignored = ignores_sigterm(&argv);
        rows.push(format!(
            "{:<10} table: {:<8} measured: {}",
            rt.names[0],
            if rt.ignores { "ignores" } else { "exits" },
            if ignored { "ignores" } else { "exits" }
        ));
        assert_eq!(
            ignored,
            rt.ignores,
            "{} ({argv:?}) as PID 1: measured {}",
            rt.names[0],
            if ignored {
                "ignores SIGTERM"
            } else {
                "exits on SIGTERM"
            }
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
    println!(
        "runtime as PID 1 of a PID namespace, SIGTERM from outside:\n{}",
        rows.join("\n")
    );
}
