//! `dsig probe IMAGE`: run an image on the local Docker Engine, look at its
//! PID 1, stop it as `docker stop` does, and say whether it stopped
//! gracefully.
//!
//! Docker is driven through the `docker` CLI rather than the Engine API on
//! its unix socket: the CLI already honours `DOCKER_HOST`, contexts and the
//! user's configuration, and dsig needs no HTTP client for four calls
//! (`image inspect`, `run -d`, `inspect`, `stop`, plus `rm -f`). PID 1 is
//! read from `/proc/<pid>` on the host (the container's processes are host
//! processes): its command line, its signal masks (`SigCgt`, `SigIgn`,
//! `SigBlk`) and whether it waits in `rt_sigtimedwait` as tini does. That
//! needs the rights to read another user's `/proc` entries (root, as the
//! daemon's processes are); without them those facts are reported unknown.
//!
//! The container is always removed: by a guard when the probe ends or
//! fails, and by a Ctrl-C handler.

use crate::docker::Ran;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How to probe one image.
#[derive(Debug, Clone)]
pub struct Options {
    pub image: String,
    /// Arguments after the image (`docker run IMAGE ARGS`).
    pub args: Vec<String>,
    /// A log line that says the app is up; `None`: wait `delay`.
    pub ready: Option<String>,
    pub delay: Duration,
    /// How long `ready` may take.
    pub ready_timeout: Duration,
    /// `docker stop -t`.
    pub timeout: u64,
    /// The image's Dockerfile, for dsig's static verdict.
    pub dockerfile: Option<PathBuf>,
}

/// A signal mask of `/proc/<pid>/status`, as signal names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    pub caught: Vec<String>,
    pub ignored: Vec<String>,
    pub blocked: Vec<String>,
}

/// A process of the container, as `/proc` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// The host PID.
    pub pid: u32,
    pub ppid: u32,
    pub command: String,
}

/// What the probe saw.
#[derive(Debug, Clone)]
pub struct Probe {
    pub image: String,
    /// PID 1's command line (`None`: not readable).
    pub pid1: Option<String>,
    /// PID 1's signal dispositions (`None`: not readable).
    pub signals: Option<Signals>,
    /// PID 1 waits in `rt_sigtimedwait` (tini's way of taking signals).
    pub sigtimedwait: Option<bool>,
    /// PID 1 and its descendants before the stop.
    pub processes: Vec<Process>,
    /// The signal `docker stop` sent.
    pub stop_signal: String,
    pub timeout: u64,
    pub stop_seconds: f64,
    pub exit_code: i64,
    /// The processes still running when the timeout ran out (SIGKILLed).
    pub killed: Vec<Process>,
    pub graceful: bool,
    /// dsig's static verdict for `--dockerfile`: graceful, and the codes
    /// that say it is not.
    pub static_verdict: Option<(bool, Vec<&'static str>)>,
    /// The Dockerfile, as given.
    pub dockerfile: Option<String>,
}

impl Probe {
    /// The static verdict agrees with what happened (`None`: no Dockerfile).
    #[must_use]
    pub fn agrees(&self) -> Option<bool> {
        self.static_verdict
            .as_ref()
            .map(|(g, _)| *g == self.graceful)
    }
}

/// Why a probe could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How long one `docker` command may take (`docker stop` has its own
/// limit: the stop timeout and then some).
const DOCKER_LIMIT: Duration = Duration::from_secs(120);

/// The most output read from one `docker` command (`docker logs` of a
/// chatty image).
const DOCKER_OUTPUT: u64 = 16 << 20;

fn docker(args: &[&str]) -> Result<Ran, Error> {
    crate::docker::run(args, DOCKER_LIMIT, DOCKER_OUTPUT).map_err(Error)
}

fn ok(out: &Ran, what: &str) -> Result<String, Error> {
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(Error(format!(
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Removes the container when dropped.
struct Container {
    name: String,
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", "-v", &self.name]);
    }
}

/// The signal names of a `/proc/<pid>/status` mask (hex).
#[must_use]
pub fn mask_signals(hex: &str) -> Vec<String> {
    const NAMES: [&str; 31] = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
        "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
        "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];
    let Ok(mask) = u64::from_str_radix(hex.trim(), 16) else {
        return Vec::new();
    };
    (0..64)
        .filter(|b| mask & (1u64 << b) != 0)
        .map(|b| match NAMES.get(b) {
            Some(n) => (*n).to_string(),
            None => format!("{}", b + 1),
        })
        .collect()
}

fn proc_status(pid: u32) -> Option<Signals> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(mask_signals)
            .unwrap_or_default()
    };
    Some(Signals {
        caught: field("SigCgt:"),
        ignored: field("SigIgn:"),
        blocked: field("SigBlk:"),
    })
}

fn cmdline(pid: u32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let words: Vec<String> = raw
        .split(|b| *b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Whether `pid` waits in `rt_sigtimedwait` (x86_64: syscall 128; aarch64:
/// 137), from `/proc/<pid>/syscall` or `wchan`.
fn in_sigtimedwait(pid: u32) -> Option<bool> {
    if let Ok(w) = std::fs::read_to_string(format!("/proc/{pid}/wchan")) {
        if w.contains("sigtimedwait") {
            return Some(true);
        }
    }
    let s = std::fs::read_to_string(format!("/proc/{pid}/syscall")).ok()?;
    let nr = s.split_whitespace().next()?;
    let want = if cfg!(target_arch = "aarch64") {
        "137"
    } else {
        "128"
    };
    Some(nr == want)
}

/// `(pid, ppid)` of every process on the host.
fn all_processes() -> Vec<(u32, u32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid ...`: comm may hold spaces and `)`.
            let rest = &stat[stat.rfind(')')? + 1..];
            let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect()
}

/// `pid` and its descendants, parents first.
fn tree(pid: u32) -> Vec<Process> {
    let all = all_processes();
    let mut out = vec![Process {
        pid,
        ppid: 0,
        command: cmdline(pid).unwrap_or_default(),
    }];
    let mut i = 0;
    while i < out.len() && out.len() < 4096 {
        let parent = out[i].pid;
        for &(p, pp) in &all {
            if pp == parent && !out.iter().any(|x| x.pid == p) {
                out.push(Process {
                    pid: p,
                    ppid: pp,
                    command: cmdline(p).unwrap_or_default(),
                });
            }
        }
        i += 1;
    }
    out
}

/// The container names of this process's probes (for the Ctrl-C handler).
static RUNNING: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Remove the running probes' containers and exit 130 on Ctrl-C (installed
/// once per process).
fn on_interrupt() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            let names = RUNNING.lock().map(|v| v.clone()).unwrap_or_default();
            for n in names {
                let _ = docker(&["rm", "-f", "-v", &n]);
            }
            std::process::exit(130);
        });
    });
}

/// Run, look at and stop `opts.image`.
///
/// # Errors
/// The image is not there, Docker does not answer, the container does not
/// start or ends before it is ready.
pub fn probe(opts: &Options) -> Result<Probe, Error> {
    let image = &opts.image;
    if image.starts_with('-') || image.is_empty() {
        return Err(Error(format!("not an image reference: {image:?}")));
    }
    ok(
        &docker(&["image", "inspect", "--format", "{{.Id}}", image])?,
        &format!("image {image} is not on the local Docker Engine (dsig probe does not pull)"),
    )?;
    let stop_signal = ok(
        &docker(&[
            "image",
            "inspect",
            "--format",
            "{{.Config.StopSignal}}",
            image,
        ])?,
        "docker image inspect",
    )?;
    let stop_signal = if stop_signal.is_empty() {
        "SIGTERM".to_string()
    } else {
        stop_signal
    };
    on_interrupt();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!("dsig-probe-{}-{nanos}", std::process::id());
    if let Ok(mut v) = RUNNING.lock() {
        v.push(name.clone());
    }
    let container = Container { name };
    let mut run: Vec<&str> = vec!["run", "-d", "--name", &container.name, image];
    run.extend(opts.args.iter().map(String::as_str));
    ok(&docker(&run)?, "docker run")?;
    wait_ready(&container.name, opts)?;
    let state = ok(
        &docker(&[
            "inspect",
            "--format",
            "{{.State.Pid}} {{.State.Running}}",
            &container.name,
        ])?,
        "docker inspect",
    )?;
    let mut it = state.split_whitespace();
    let pid: u32 = it.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    if it.next() != Some("true") || pid == 0 {
        let logs = docker(&["logs", &container.name])
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .unwrap_or_default();
        return Err(Error(format!(
            "the container of {image} is not running before the stop (it ended by itself): {}",
            logs.trim()
        )));
    }
    let processes = tree(pid);
    let pid1 = cmdline(pid);
    let signals = proc_status(pid);
    let sigtimedwait = in_sigtimedwait(pid);
    // Stop it as `docker stop` does; watch which processes live on.
    let start = Instant::now();
    let timeout = opts.timeout.to_string();
    let mut stopper = Command::new("docker")
        .args(["stop", "-t", &timeout, &container.name])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error(format!("cannot run docker stop: {e}")))?;
    let mut last_alive: Vec<Process> = processes.clone();
    // The daemon gets the timeout and a minute more to answer.
    let stop_limit = Duration::from_secs(opts.timeout.saturating_add(60));
    loop {
        if let Ok(Some(_)) = stopper.try_wait() {
            break;
        }
        if start.elapsed() > stop_limit {
            let _ = stopper.kill();
            let _ = stopper.wait();
            return Err(Error(format!(
                "docker stop did not return within {} s",
                stop_limit.as_secs()
            )));
        }
        let alive: Vec<Process> = processes
            .iter()
            .filter(|p| Path::new(&format!("/proc/{}", p.pid)).exists())
            .cloned()
            .collect();
        if !alive.is_empty() {
            last_alive = alive;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let stop_seconds = start.elapsed().as_secs_f64();
    let exit_code: i64 = ok(
        &docker(&[
            "inspect",
            "--format",
            "{{.State.ExitCode}}",
            &container.name,
        ])?,
        "docker inspect",
    )?
    .parse()
    .unwrap_or(-1);
    #[allow(clippy::cast_precision_loss)]
    let ran_out = stop_seconds >= opts.timeout as f64;
    let killed = if exit_code == 137 || ran_out {
        last_alive
    } else {
        Vec::new()
    };
    let graceful = exit_code != 137 && !ran_out;
    let static_verdict = opts.dockerfile.as_deref().map(static_verdict);
    Ok(Probe {
        image: image.clone(),
        pid1,
        signals,
        sigtimedwait,
        processes,
        stop_signal,
        timeout: opts.timeout,
        stop_seconds,
        exit_code,
        killed,
        graceful,
        static_verdict,
        dockerfile: opts.dockerfile.as_ref().map(|d| d.display().to_string()),
    })
}

fn wait_ready(name: &str, opts: &Options) -> Result<(), Error> {
    let Some(line) = &opts.ready else {
        std::thread::sleep(opts.delay);
        return Ok(());
    };
    let start = Instant::now();
    while start.elapsed() < opts.ready_timeout {
        let out = docker(&["logs", name])?;
        let logs = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if logs.contains(line.as_str()) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(Error(format!(
        "the container did not log {line:?} within {} s (--ready)",
        opts.ready_timeout.as_secs()
    )))
}

/// dsig's verdict on the Dockerfile: graceful when no warning or error.
fn static_verdict(path: &Path) -> (bool, Vec<&'static str>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let report = crate::lint(
        &path.display().to_string(),
        &text,
        &crate::LintOptions::for_file(path),
    );
    let mut codes: Vec<&'static str> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity >= crate::Severity::Warning)
        .map(|d| d.code)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    (codes.is_empty(), codes)
}

/// The probe as text. What the image says of itself (its PID 1's command
/// line, its processes, its stop signal) is escaped field by field: a
/// hostile image must not draw lines or issue CI commands in the output.
#[must_use]
pub fn pretty(p: &Probe) -> String {
    use crate::output::escape::field;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} ({}, exit code {}, stopped in {:.2} s of {} s)",
        field(&p.image),
        if p.graceful {
            "stops gracefully"
        } else {
            "does not stop gracefully"
        },
        field(&p.stop_signal),
        p.exit_code,
        p.stop_seconds,
        p.timeout
    );
    let _ = writeln!(
        s,
        "  PID 1: {}",
        field(p.pid1.as_deref().unwrap_or("(not readable: run as root)"))
    );
    match &p.signals {
        Some(sig) => {
            let stop = p.stop_signal.trim_start_matches("SIG");
            let handles = sig.caught.iter().any(|c| c == stop);
            let _ = writeln!(
                s,
                "  handles {}: {}{}",
                p.stop_signal,
                if handles { "yes" } else { "no" },
                if p.sigtimedwait == Some(true) {
                    " (waits for signals in sigtimedwait, as tini does)"
                } else {
                    ""
                }
            );
            let _ = writeln!(
                s,
                "  caught: {}; ignored: {}; blocked: {}",
                list(&sig.caught),
                list(&sig.ignored),
                list(&sig.blocked)
            );
        }
        None => {
            let _ = writeln!(s, "  signal handlers: not readable (run as root)");
        }
    }
    for pr in p.processes.iter().skip(1) {
        let _ = writeln!(s, "  child {}: {}", pr.pid, field(&pr.command));
    }
    if !p.killed.is_empty() {
        let _ = writeln!(
            s,
            "  SIGKILLed after {} s: {}",
            p.timeout,
            p.killed
                .iter()
                .map(|k| field(&k.command))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some((g, codes)) = &p.static_verdict {
        let _ = writeln!(
            s,
            "  dsig lint: {} ({}): {}",
            if *g { "graceful" } else { "not graceful" },
            if codes.is_empty() {
                "no finding".to_string()
            } else {
                codes.join(", ")
            },
            if p.agrees() == Some(true) {
                "agrees"
            } else {
                "DISAGREES"
            }
        );
    }
    s
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(" ")
    }
}

/// The probe as SARIF 2.1.0: one result when the image does not stop
/// gracefully, at its Dockerfile when one was given.
#[must_use]
pub fn to_sarif(p: &Probe) -> serde_json::Value {
    let mut results = Vec::new();
    if !p.graceful {
        let mut r = serde_json::json!({
            "ruleId": "probe",
            "level": "error",
            "message": {"text": format!(
                "{} does not stop gracefully: exit code {} after {:.2} s ({} s timeout, {})",
                p.image, p.exit_code, p.stop_seconds, p.timeout, p.stop_signal
            )},
        });
        if let Some(path) = &p.dockerfile {
            r["locations"] = serde_json::json!([{
                "physicalLocation": {"artifactLocation": {"uri": path}}
            }]);
        }
        results.push(r);
    }
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dsig",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [{
                    "id": "probe",
                    "name": "probe",
                    "shortDescription": {"text": "The image does not stop gracefully when stopped as `docker stop` does"},
                }],
            }},
            "results": results,
        }],
    })
}

/// The probe as GitHub Actions annotations (one, when not graceful).
#[must_use]
pub fn to_github(p: &Probe) -> String {
    use crate::output::escape::{field, line};
    let mut s = String::new();
    if !p.graceful {
        let msg = format!(
            "{} does not stop gracefully: exit code {} after {:.2} s ({} s timeout, {})",
            p.image, p.exit_code, p.stop_seconds, p.timeout, p.stop_signal
        );
        let msg = field(&msg)
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        match &p.dockerfile {
            Some(f) => {
                let f = field(f)
                    .replace('%', "%25")
                    .replace(',', "%2C")
                    .replace(':', "%3A");
                let _ = writeln!(s, "::error file={f},title=dsig probe::{msg}");
            }
            None => {
                let _ = writeln!(s, "::error title=dsig probe::{msg}");
            }
        }
    }
    let _ = writeln!(
        s,
        "{}",
        line(&format!(
            "{}: {}",
            p.image,
            if p.graceful {
                "stops gracefully"
            } else {
                "does not stop gracefully"
            }
        ))
    );
    s
}

/// The probe as JSON.
#[must_use]
pub fn to_json(p: &Probe) -> serde_json::Value {
    let proc_json = |v: &[Process]| -> Vec<serde_json::Value> {
        v.iter()
            .map(|x| serde_json::json!({"pid": x.pid, "ppid": x.ppid, "command": x.command}))
            .collect()
    };
    serde_json::json!({
        "image": p.image,
        "graceful": p.graceful,
        "exit_code": p.exit_code,
        "stop_seconds": (p.stop_seconds * 1000.0).round() / 1000.0,
        "stop_signal": p.stop_signal,
        "timeout": p.timeout,
        "pid1": p.pid1,
        "signals": p.signals.as_ref().map(|s| serde_json::json!({
            "caught": s.caught, "ignored": s.ignored, "blocked": s.blocked,
        })),
        "sigtimedwait": p.sigtimedwait,
        "processes": proc_json(&p.processes),
        "killed": proc_json(&p.killed),
        "static": p.static_verdict.as_ref().map(|(g, c)| serde_json::json!({"graceful": g, "codes": c})),
        "agrees": p.agrees(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a hostile image puts in its command line reaches no output as
    /// a line break, a terminal control or a workflow command.
    #[test]
    fn hostile_command_lines_are_escaped() {
        let evil = "app\n::error::pwned\u{1b}[31m ##[group]x";
        let p = Probe {
            image: "img".into(),
            pid1: Some(evil.into()),
            signals: None,
            sigtimedwait: None,
            processes: vec![Process {
                pid: 1,
                ppid: 0,
                command: evil.into(),
            }],
            stop_signal: "SIGTERM\n::warning::x".into(),
            timeout: 3,
            stop_seconds: 3.2,
            exit_code: 137,
            killed: vec![Process {
                pid: 1,
                ppid: 0,
                command: evil.into(),
            }],
            graceful: false,
            static_verdict: None,
            dockerfile: None,
        };
        for out in [pretty(&p), to_github(&p)] {
            for l in out.lines() {
                assert!(!l.contains('\u{1b}') && !l.contains("##["), "{l:?}");
                if l.trim_start().starts_with("::") {
                    assert!(l.starts_with("::error title=dsig probe::"), "{l:?}");
                    assert!(!l["::error".len()..].contains("::error::"), "{l:?}");
                }
            }
        }
        // Header, PID 1, handlers, SIGKILLed: no line drawn by the image.
        assert_eq!(pretty(&p).lines().count(), 4, "{}", pretty(&p));
    }

    #[test]
    fn masks_are_signal_names() {
        // SIGTERM (15) and SIGCHLD (17), as tini blocks them.
        assert_eq!(mask_signals("0000000000014000"), vec!["TERM", "CHLD"]);
        assert_eq!(mask_signals("0000000000000000"), Vec::<String>::new());
        assert_eq!(mask_signals("not hex"), Vec::<String>::new());
        assert_eq!(mask_signals("8000000000000000"), vec!["64"]);
    }
}
