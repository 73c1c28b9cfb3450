//! Host processes for the tests that run commands as PID 1: root, programs
//! on PATH, /proc, and the static test app.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// CI is set (any value but empty, `false` or `0`): the tests that need
/// root, Docker or host programs must run there.
pub fn in_ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok(v) if !v.is_empty() && v != "false" && v != "0")
}

/// Print why a test does not run; in CI that is a failure.
pub fn skip(why: &str) {
    assert!(!in_ci(), "CI is set: this test must run, but {why}");
    println!("skipped: {why}");
}

/// A docker command and a daemon that answers it; `Err` says which is
/// missing.
pub fn docker_daemon() -> Result<(), String> {
    if which("docker").is_none() {
        return Err("no docker command".to_string());
    }
    let info = docker(&["info", "--format", "{{.ServerVersion}}"]);
    if !info.status.success() {
        return Err(format!(
            "no Docker daemon answers `docker info`: {}",
            String::from_utf8_lossy(&info.stderr).trim()
        ));
    }
    Ok(())
}

/// `docker ARGS`, its output.
pub fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run docker")
}

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// `prog` on PATH (or the path itself when it has a `/`).
pub fn which(prog: &str) -> Option<PathBuf> {
    if prog.contains('/') {
        return Path::new(prog).is_file().then(|| PathBuf::from(prog));
    }
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(prog))
        .find(|p| p.is_file())
}

/// The fields of /proc/PID/stat after `(comm)`: state, ppid, ...
pub fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// Processes whose parent is `ppid`.
pub fn children(ppid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if stat_fields(pid).and_then(|f| f.get(1).and_then(|p| p.parse::<u32>().ok())) == Some(ppid)
        {
            out.push(pid);
        }
    }
    out
}

/// Running and not a zombie.
pub fn alive(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|f| f.first().map(String::as_str) != Some("Z"))
}

pub fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// `kill SIG PID`, from outside the namespace as the Docker daemon does.
pub fn kill(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .args([sig, &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// Build the static test app (testdata/behaviour/app.c) into `dir`.
pub fn build_app(dir: &Path) -> PathBuf {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/behaviour/app.c");
    let out = dir.join("app");
    let ok = Command::new("gcc")
        .args(["-static", "-O2", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "gcc -static failed (CI installs gcc and libc6-dev)");
    out
}

/// Every process below `pid` (children, their children, ...).
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for c in children(p) {
            out.push(c);
            todo.push(c);
        }
    }
    out
}

/// Rules whose findings mean "the container will not stop gracefully" (at
/// error level; SIG020, SIG022 and SIG024 are warnings that mean it too).
pub const SIGNAL_RULES: &[&str] = &[
    "SIG001", "SIG002", "SIG005", "SIG010", "SIG011", "SIG012", "SIG014", "SIG015", "SIG020",
    "SIG022", "SIG024",
];

/// Whether a finding (code, severity) says "will not stop gracefully".
pub fn means_not_graceful(code: &str, error: bool) -> bool {
    SIGNAL_RULES.contains(&code) && (error || matches!(code, "SIG020" | "SIG022" | "SIG024"))
}

/// The codes of a report that say "will not stop gracefully", sorted, once each.
pub fn says_not_graceful(report: &dsig::Report) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = report
        .diagnostics
        .iter()
        .filter(|d| means_not_graceful(d.code, d.severity == dsig::Severity::Error))
        .map(|d| d.code)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// What a Docker test made (containers, image tags, the images its builds
/// printed, directories): removed when dropped, also on a panic.
/// `ids` are the ` ---> ID` lines of legacy builds (`--no-cache`, so each
/// is the test's own): the steps of a failed build and the helper stages
/// of a multi-stage one stay as untagged images when the tag is removed.
#[derive(Debug, Default)]
pub struct DockerLeftovers {
    pub containers: std::sync::Mutex<Vec<String>>,
    pub tags: std::sync::Mutex<Vec<String>>,
    pub ids: std::sync::Mutex<Vec<String>>,
    pub dirs: std::sync::Mutex<Vec<PathBuf>>,
}

/// A lock that a panic elsewhere does not poison for the cleanup.
pub fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Drop for DockerLeftovers {
    fn drop(&mut self) {
        let remove = |cmd: &[&str], what: &[String]| {
            if !what.is_empty() {
                let mut args = cmd.to_vec();
                args.extend(what.iter().map(String::as_str));
                let _ = docker(&args);
            }
        };
        remove(&["rm", "-f"], &lock(&self.containers));
        remove(&["rmi", "-f"], &lock(&self.tags));
        // Children before parents; most are gone with their tag already
        // ("No such image"), and an image that still has children is kept.
        let ids: Vec<String> = lock(&self.ids).iter().rev().cloned().collect();
        remove(&["rmi"], &ids);
        for d in lock(&self.dirs).iter() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}
