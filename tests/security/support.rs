//! What the security modules share: a canary for bytes from outside the
//! linted tree, and a run of `dsig` with a time limit and its peak memory.
//! (The emulation of the GitHub runner's command parser and the control
//! character check are `runner_command_lines` and `raw_controls` in
//! tests/common/invariants.rs, shared with the `output` fuzz target.)
#![allow(dead_code)]

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::cli::{command_in, BIN};

/// A string that only a file outside the linted tree contains.
pub const CANARY: &str = "CANARY-7f3a9c-OUTSIDE-SECRET";

/// `dsig` run in `dir` with a time limit: its output, how long it took, its
/// peak resident memory in KiB, and whether it had to be killed.
pub struct Measured {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub max_rss_kib: i64,
    pub killed: bool,
}

impl Measured {
    /// Fail unless the run ended by itself within `secs` and `mib`.
    pub fn assert_within(&self, what: &str, secs: f64, mib: i64) {
        assert!(!self.killed, "{what}: killed after {:?}", self.elapsed);
        assert!(
            self.signal.is_none(),
            "{what}: died of signal {:?}",
            self.signal
        );
        assert!(
            self.elapsed.as_secs_f64() < secs,
            "{what}: took {:?} (limit {secs} s)",
            self.elapsed
        );
        assert!(
            self.max_rss_kib < mib * 1024,
            "{what}: peak memory {} KiB (limit {mib} MiB)",
            self.max_rss_kib
        );
        assert!(
            !self.stderr.contains("panicked") && self.code != Some(101),
            "{what}: panic: {}",
            self.stderr
        );
    }
}

/// Print the figures of a run (for the record), then fail unless it stayed
/// within `secs` and `mib` and exited 0, 1 or 2.
pub fn check_budget(what: &str, m: &Measured, secs: f64, mib: i64) {
    eprintln!(
        "{what}: {:.2} s, {} MiB peak, exit {:?}",
        m.elapsed.as_secs_f64(),
        m.max_rss_kib / 1024,
        m.code.or(m.signal.map(|s| 128 + s))
    );
    m.assert_within(what, secs, mib);
    assert!(
        matches!(m.code, Some(0..=2)),
        "{what}: exit {:?}\n{}",
        m.code,
        m.stderr
    );
}

pub fn run_measured(dir: &Path, args: &[&str], limit: Duration) -> Measured {
    run_command_measured(command_in(dir, args), limit)
}

// The child is reaped by wait4 below, which clippy does not see.
#[allow(clippy::zombie_processes)]
pub fn run_command_measured(mut cmd: Command, limit: Duration) -> Measured {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {BIN}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let mut killed = false;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value; wait4 fills it.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our child; status and usage point to live locals.
        let r = unsafe { libc::wait4(pid, &raw mut status, libc::WNOHANG, &raw mut usage) };
        if r == pid {
            break (status, usage);
        }
        assert!(r == 0, "wait4: {}", std::io::Error::last_os_error());
        if start.elapsed() > limit && !killed {
            // SAFETY: signalling our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&t_out.join().expect("stdout")).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().expect("stderr")).into_owned();
    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else {
        (None, Some(libc::WTERMSIG(status)))
    };
    Measured {
        code,
        signal,
        stdout,
        stderr,
        elapsed,
        max_rss_kib: usage.ru_maxrss,
        killed,
    }
}

#[test]
fn the_runner_parser_emulation_finds_both_command_forms() {
    use crate::common::invariants::{raw_controls, runner_command_lines};
    assert_eq!(runner_command_lines("  ::warning file=a::x\nok").len(), 1);
    assert_eq!(runner_command_lines("text ##[error]x").len(), 1);
    assert!(runner_command_lines("a :: b\n:x").is_empty());
    assert_eq!(raw_controls("a\x1b[31mb\tc\n", false), vec![(1, '\x1b')]);
}

#[test]
fn measured_runs_report_time_and_memory() {
    let m = run_measured(Path::new("."), &["--version"], Duration::from_secs(20));
    m.assert_within("dsig --version", 20.0, 500);
    assert_eq!(m.code, Some(0));
    assert!(m.max_rss_kib > 0, "no rusage");
}
