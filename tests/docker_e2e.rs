//! Layer 2 of the behaviour tests: the seed experiment
//! (../shared/seed-scenario) with a real Docker Engine: `docker build`,
//! `docker run -d`, `docker stop -t 5`, timed.
//!
//! There is no registry here, so every image is `FROM scratch` with static
//! binaries from Debian's packages (busybox-static, bash-static, tini's
//! tini-static) and the static test app (testdata/behaviour/app.c, built with
//! `gcc -static`) standing in for the seed's main.go. The Dockerfiles are in
//! testdata/e2e/; each image gets a temporary build context with them and the
//! binaries.
//!
//! Each row records who PID 1 is, what it does with SIGTERM according to
//! /proc/PID (a handler in `SigCgt`; blocked in `SigBlk`; or waiting for it in
//! `rt_sigtimedwait`, as tini and docker-init do: the kernel unblocks the
//! awaited signals for the wait, so /proc/PID/status shows neither and the
//! set is read from the syscall's argument), how long `docker stop` took, the
//! exit code and whether the app logged its graceful shutdown. A PID 1 that
//! neither catches nor awaits SIGTERM never receives it (the kernel drops it),
//! so `docker stop` waits for the grace period and SIGKILLs (exit 137).
//!
//! dsig is checked on the same Dockerfiles: it flags v2 (SIG010) and not v3,
//! and its fixes (`--fix`; `--fix --unsafe-fixes` for the init injection) are
//! built and stopped again. What dsig says about each image is printed beside
//! what Docker did, and where the two differ a note is printed (the checks
//! here are the seed's; dsig's own verdicts are asserted by tests/behaviour.rs).
//!
//! Skipped with a reason when no Docker daemon answers; with CI set that is a
//! failure. Every container and image the test made is removed, also when a
//! check fails (a Drop guard). `cargo test --test docker_e2e -- --nocapture`
//! prints the table; it is also written to target/e2e-table.txt.

use std::fmt::Write as _;
mod common;

use common::cli::run_in;
use common::host::{build_app, docker, docker_daemon, lock, skip, which, DockerLeftovers};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// `docker stop -t GRACE`.
const GRACE: u64 = 5;
/// What the test app prints when SIGTERM (15) arrives.
const GRACEFUL: &str = "app: graceful shutdown on signal 15";
const STARTED: &str = "app: started";
/// SIGTERM's bit in the /proc/PID/status masks.
const SIGTERM_BIT: u64 = 1 << (15 - 1);

fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Names what the test makes, and removes it all when it goes out of scope,
/// also on a panic.
struct Cleanup {
    prefix: String,
    made: DockerLeftovers,
}

impl Cleanup {
    fn new() -> Cleanup {
        Cleanup {
            prefix: format!("dsig-e2e-{}", std::process::id()),
            made: DockerLeftovers::default(),
        }
    }

    fn name(&self, what: &str) -> String {
        format!("{}-{what}", self.prefix)
    }
}

/// The static programs every build context gets, under these names.
struct Binaries {
    app: PathBuf,
    busybox: PathBuf,
    bash: PathBuf,
    tini: PathBuf,
}

impl Binaries {
    /// None (after printing why, or failing in CI) when one is missing.
    fn find(work: &Path) -> Option<Binaries> {
        let find = |candidates: &[&str], pkg: &str| -> Option<PathBuf> {
            let p = candidates.iter().find_map(|c| which(c));
            if p.is_none() {
                skip(&format!(
                    "{pkg} is not installed ({}; bash .ci/install-deps installs it)",
                    candidates[0]
                ));
            }
            p
        };
        let busybox = find(&["/bin/busybox", "busybox"], "busybox-static")?;
        let bash = find(&["/bin/bash-static", "bash-static"], "bash-static")?;
        let tini = find(&["/usr/bin/tini-static", "tini-static"], "tini")?;
        which("gcc").or_else(|| {
            skip("gcc is not installed (bash .ci/install-deps installs it)");
            None
        })?;
        for p in [&busybox, &bash, &tini] {
            let ok = Command::new("file").arg(p).output().map_or(true, |o| {
                !String::from_utf8_lossy(&o.stdout).contains("dynamically linked")
            });
            assert!(ok, "{} must be a static binary", p.display());
        }
        Some(Binaries {
            app: build_app(work),
            busybox,
            bash,
            tini,
        })
    }

    fn copy_into(&self, dir: &Path) {
        for (from, name) in [
            (&self.app, "app"),
            (&self.busybox, "busybox"),
            (&self.bash, "bash-static"),
            (&self.tini, "tini-static"),
        ] {
            std::fs::copy(from, dir.join(name)).expect("copy a static binary");
        }
    }
}

/// A build context: a copy of testdata/e2e/<src> plus the binaries.
fn context(cleanup: &Cleanup, bins: &Binaries, src: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(cleanup.name(name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    lock(&cleanup.made.dirs).push(dir.clone());
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/e2e")
        .join(src);
    for e in std::fs::read_dir(&from).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    bins.copy_into(&dir);
    dir
}

/// `docker build` of `dir` as `<prefix>-<name>`; Err with the output when it
/// fails. Every image it makes is recorded for the cleanup.
fn build(cleanup: &Cleanup, dir: &Path, name: &str) -> Result<String, String> {
    let tag = cleanup.name(name);
    lock(&cleanup.made.tags).push(tag.clone());
    let out = docker(&[
        "build",
        "--no-cache",
        "--force-rm",
        "-t",
        &tag,
        &dir.display().to_string(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    lock(&cleanup.made.ids).extend(stdout.lines().filter_map(|l| {
        let id = l.strip_prefix(" ---> ")?;
        (id.len() >= 12 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_string())
    }));
    if out.status.success() {
        Ok(tag)
    } else {
        Err(format!(
            "docker build {name} failed:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// One finding of `dsig lint --format json`.
struct Finding {
    code: String,
    severity: String,
    message: String,
    has_fix: bool,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.code, self.severity, self.message)
    }
}

/// `dsig lint` on the Dockerfile in `dir` (and the scripts it runs).
fn dsig_findings(dir: &Path) -> Vec<Finding> {
    let out = run_in(
        dir,
        &["lint", "--isolated", "--format", "json", "Dockerfile"],
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "dsig lint failed in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("dsig json");
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| Finding {
            code: d["code"].as_str().unwrap_or("?").to_string(),
            severity: d["severity"].as_str().unwrap_or("?").to_string(),
            message: d["message"].as_str().unwrap_or("").to_string(),
            has_fix: !d["fix"].is_null(),
        })
        .collect()
}

fn codes(findings: &[Finding]) -> Vec<&str> {
    let mut c: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    c.dedup();
    c
}

/// As in tests/behaviour.rs: dsig says "will not stop gracefully" with an
/// error of a signal rule, or with SIG020, SIG022 or SIG024.
fn dsig_says_graceful(findings: &[Finding]) -> bool {
    !findings
        .iter()
        .any(|f| common::host::means_not_graceful(&f.code, f.severity == "error"))
}

/// `dsig lint --fix [--unsafe-fixes]` in `dir`.
fn dsig_fix(dir: &Path, unsafe_fixes: bool) {
    let mut args = vec!["lint", "--isolated", "--quiet", "--fix"];
    if unsafe_fixes {
        args.push("--unsafe-fixes");
    }
    args.push("Dockerfile");
    let out = run_in(dir, &args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "dsig {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// dsig's init injection adds a helper stage that installs Debian's tini
/// (`FROM debian:... AS dsig-tini` + `RUN apt-get install tini`) and copies
/// its static binary into the final stage (`COPY --from=dsig-tini SRC DST`).
/// No registry answers here, so the helper stage is swapped for the same
/// file from the host's tini package (`tini-static` of the build context);
/// the final stage is built as dsig wrote it. Returns the new text.
fn offline_tini_stage(text: &str) -> String {
    let copy = text
        .lines()
        .find(|l| l.starts_with("COPY --from=dsig-tini "))
        .unwrap_or_else(|| panic!("the init fix copies nothing from dsig-tini:\n{text}"));
    let src = copy
        .split_whitespace()
        .nth(2)
        .expect("COPY --from=dsig-tini SRC DST");
    let mut out = String::new();
    let mut in_stage = false;
    let mut replaced = false;
    for line in text.split_inclusive('\n') {
        let from = line.to_ascii_uppercase().starts_with("FROM ");
        if from
            && line
                .trim_end()
                .to_ascii_lowercase()
                .ends_with(" as dsig-tini")
        {
            in_stage = true;
            replaced = true;
            let _ = write!(out, "FROM scratch AS dsig-tini\nCOPY tini-static {src}\n\n");
            continue;
        }
        if in_stage && !from {
            assert!(
                line.trim().is_empty()
                    || line.starts_with('#')
                    || (line.starts_with("RUN ") && line.contains("tini")),
                "unexpected line in dsig's tini stage: {line}"
            );
            continue;
        }
        in_stage = false;
        out.push_str(line);
    }
    assert!(replaced, "the init fix added no dsig-tini stage:\n{text}");
    out
}

/// What PID 1 does with SIGTERM, read from /proc.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sigterm {
    /// A handler (SigCgt): the kernel delivers it.
    Caught,
    /// Blocked (`SigBlk`), or awaited in `rt_sigtimedwait`: the kernel queues it
    /// for PID 1 to read.
    Awaited,
    /// Ignored (`SigIgn`).
    Ignored,
    /// Default action: for a PID namespace's init, the kernel drops it.
    Dropped,
}

impl Sigterm {
    fn describe(self) -> &'static str {
        match self {
            Sigterm::Caught => "caught (SigCgt)",
            Sigterm::Awaited => "awaited (sigtimedwait)",
            Sigterm::Ignored => "ignored (SigIgn)",
            Sigterm::Dropped => "dropped (SIG_DFL)",
        }
    }
}

fn status_mask(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0)
}

#[cfg(target_arch = "x86_64")]
const SYS_RT_SIGTIMEDWAIT: Option<u64> = Some(128);
#[cfg(target_arch = "aarch64")]
const SYS_RT_SIGTIMEDWAIT: Option<u64> = Some(137);
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const SYS_RT_SIGTIMEDWAIT: Option<u64> = None;

/// The signal set `pid` waits for, when it sleeps in `rt_sigtimedwait`: the
/// syscall's first argument (/proc/PID/syscall), read from /proc/PID/mem.
fn sigtimedwait_set(pid: &str) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let sc = std::fs::read_to_string(format!("/proc/{pid}/syscall")).ok()?;
    let mut f = sc.split_whitespace();
    if f.next()?.parse::<u64>().ok() != SYS_RT_SIGTIMEDWAIT {
        return None;
    }
    let addr = u64::from_str_radix(f.next()?.trim_start_matches("0x"), 16).ok()?;
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).ok()?;
    mem.seek(SeekFrom::Start(addr)).ok()?;
    let mut set = [0u8; 8];
    mem.read_exact(&mut set).ok()?;
    Some(u64::from_le_bytes(set))
}

/// PID 1's name and what it does with SIGTERM. Read a few times: an init is
/// between two sigtimedwait calls for an instant.
fn pid1_state(pid: &str) -> (String, bool, Sigterm) {
    let mut last = (String::from("?"), false, Sigterm::Dropped);
    for _ in 0..10 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let name = status
            .lines()
            .find_map(|l| l.strip_prefix("Name:"))
            .unwrap_or("?")
            .trim()
            .to_string();
        let sigcgt = status_mask(&status, "SigCgt:") & SIGTERM_BIT != 0;
        let sigterm = if sigcgt {
            Sigterm::Caught
        } else if status_mask(&status, "SigIgn:") & SIGTERM_BIT != 0 {
            Sigterm::Ignored
        } else if status_mask(&status, "SigBlk:") & SIGTERM_BIT != 0
            || sigtimedwait_set(pid).is_some_and(|s| s & SIGTERM_BIT != 0)
        {
            Sigterm::Awaited
        } else {
            Sigterm::Dropped
        };
        last = (name, sigcgt, sigterm);
        if sigterm != Sigterm::Dropped {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    last
}

/// What one `docker run -d` + `docker stop -t GRACE` showed.
struct Observed {
    pid1: String,
    /// SIGTERM's bit (15, mask 1 << 14) in PID 1's `SigCgt`.
    sigcgt: bool,
    sigterm: Sigterm,
    stop: Duration,
    exit: i64,
    graceful: bool,
}

fn logs(name: &str) -> String {
    let out = docker(&["logs", name]);
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run_and_stop(cleanup: &Cleanup, tag: &str, name: &str, init: bool, has_app: bool) -> Observed {
    let cname = cleanup.name(name);
    lock(&cleanup.made.containers).push(cname.clone());
    let mut args = vec!["run", "-d", "--name", &cname];
    if init {
        args.push("--init");
    }
    args.push(tag);
    docker_ok(&args);
    // Let PID 1 start the app (which then has its handler) and settle.
    let start = Instant::now();
    while has_app && !logs(&cname).contains(STARTED) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{name}: the app did not start:\n{}",
            logs(&cname)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(if has_app { 200 } else { 500 }));
    let pid = docker_ok(&["inspect", "-f", "{{.State.Pid}}", &cname]);
    let (pid1, sigcgt, sigterm) = pid1_state(&pid);
    let t = Instant::now();
    docker_ok(&["stop", "-t", &GRACE.to_string(), &cname]);
    let stop = t.elapsed();
    let exit = docker_ok(&["inspect", "-f", "{{.State.ExitCode}}", &cname])
        .parse()
        .unwrap_or(-1);
    let graceful = logs(&cname).contains(GRACEFUL);
    Observed {
        pid1,
        sigcgt,
        sigterm,
        stop,
        exit,
        graceful,
    }
}

/// How `docker stop` must end.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Under 1 s, with the app's graceful message.
    Graceful,
    /// Under 1 s, without it (no app, or the app `SIGKILLed` by the kernel
    /// when PID 1 exited).
    Fast,
    /// The whole grace period, then SIGKILL: exit 137, no message.
    Killed,
}

impl Outcome {
    fn describe(self) -> &'static str {
        match self {
            Outcome::Graceful => "<1s, graceful",
            Outcome::Fast => "<1s, no message",
            Outcome::Killed => "grace, 137",
        }
    }

    fn matches(self, o: &Observed) -> bool {
        let fast = o.stop < Duration::from_secs(1);
        match self {
            Outcome::Graceful => fast && o.graceful,
            Outcome::Fast => fast && !o.graceful,
            Outcome::Killed => {
                o.stop >= Duration::from_millis(GRACE * 1000 - 500) && o.exit == 137 && !o.graceful
            }
        }
    }
}

/// One row of the table: an image, run with or without `docker run --init`.
struct Row {
    label: &'static str,
    image: &'static str,
    init: bool,
    pid1: &'static str,
    sigterm: Sigterm,
    outcome: Outcome,
}

#[test]
fn seed_experiment_in_docker() {
    let total = Instant::now();
    if let Err(why) = docker_daemon() {
        return skip(&why);
    }
    let cleanup = Cleanup::new();
    let work = std::env::temp_dir().join(cleanup.name("bin"));
    std::fs::create_dir_all(&work).unwrap();
    lock(&cleanup.made.dirs).push(work.clone());
    let Some(bins) = Binaries::find(&work) else {
        return;
    };
    let mut problems: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    // The build contexts; dsig's fixes are applied to copies.
    let mut images: Vec<(&'static str, PathBuf)> = Vec::new();
    for (name, src) in [
        ("v1", "seed/v1"),
        ("v2", "seed/v2"),
        ("v3", "seed/v3"),
        ("v2-fixed", "seed/v2"),
        ("v2-tail", "v2-tail"),
        ("sleep", "sleep"),
        ("sleep-init", "sleep"),
    ] {
        images.push((name, context(&cleanup, &bins, src, name)));
    }
    let dir = |name: &str| -> &Path { &images.iter().find(|(n, _)| *n == name).unwrap().1 };

    // dsig on the seed: v2 is SIG010, v3 is not.
    let v2 = dsig_findings(dir("v2"));
    let v3 = dsig_findings(dir("v3"));
    if !codes(&v2).contains(&"SIG010") {
        problems.push(format!(
            "dsig does not flag v2 with SIG010: {:?}",
            codes(&v2)
        ));
    }
    if codes(&v3).contains(&"SIG010") {
        problems.push(format!("dsig flags v3 with SIG010: {:?}", codes(&v3)));
    }
    // v2 + `dsig lint --fix` (safe: exec-form CMD, `exec` in startup.sh).
    dsig_fix(dir("v2-fixed"), false);
    let fixed = dsig_findings(dir("v2-fixed"));
    if codes(&fixed)
        .iter()
        .any(|c| matches!(*c, "SIG001" | "SIG010"))
    {
        problems.push(format!(
            "dsig --fix left SIG001/SIG010 on v2: {:?}",
            codes(&fixed)
        ));
    }
    // v2-tail's SIG010 (a command after the app, so no `exec`) has no
    // automatic fix: `tini -g` in front races the shell's death (tini exits
    // with bash and the kernel SIGKILLs the app mid-shutdown; the
    // adversarial kernel suite saw it), so dsig only says what to do.
    let v2_tail = dsig_findings(dir("v2-tail"));
    if !codes(&v2_tail).contains(&"SIG010") {
        problems.push(format!(
            "dsig does not flag v2-tail with SIG010: {:?}",
            codes(&v2_tail)
        ));
    }
    if v2_tail.iter().any(|d| d.code == "SIG010" && d.has_fix) {
        problems.push("dsig offers a fix for v2-tail's SIG010".to_string());
    }
    // Init injection (`--fix --unsafe-fixes`): sleep's SIG020 gets `tini`.
    // The helper stage is made buildable offline.
    {
        let (name, rule) = ("sleep-init", "SIG020");
        let before = dsig_findings(dir(name));
        if !codes(&before).contains(&rule) {
            problems.push(format!(
                "dsig does not flag {name} with {rule}: {:?}",
                codes(&before)
            ));
        }
        let df = dir(name).join("Dockerfile");
        dsig_fix(dir(name), true);
        let text = std::fs::read_to_string(&df).unwrap();
        assert!(
            text.contains("ENTRYPOINT [\"/tini\""),
            "dsig --fix --unsafe-fixes did not put tini in front in {name}:\n{text}"
        );
        let after = dsig_findings(dir(name));
        if !dsig_says_graceful(&after) {
            problems.push(format!(
                "dsig still says {name} will not stop gracefully after its init fix: {:?}",
                codes(&after)
            ));
        }
        std::fs::write(&df, offline_tini_stage(&text)).unwrap();
    }

    // Build every image at once (the builds are independent).
    let tags: Vec<(&str, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = images
            .iter()
            .map(|(name, d)| {
                let cleanup = &cleanup;
                (*name, s.spawn(move || build(cleanup, d, name)))
            })
            .collect();
        handles
            .into_iter()
            .map(|(name, h)| match h.join().expect("build thread") {
                Ok(tag) => (name, tag),
                Err(e) => panic!("{e}"),
            })
            .collect()
    });
    let built = Instant::now();

    use Outcome::*;
    use Sigterm::*;
    let rows = [
        Row {
            label: "v1",
            image: "v1",
            init: false,
            pid1: "main",
            sigterm: Caught,
            outcome: Graceful,
        },
        Row {
            label: "v2",
            image: "v2",
            init: false,
            pid1: "bash",
            sigterm: Dropped,
            outcome: Killed,
        },
        Row {
            label: "v3",
            image: "v3",
            init: false,
            pid1: "bash",
            sigterm: Caught,
            outcome: Graceful,
        },
        Row {
            label: "v2 + dsig --fix",
            image: "v2-fixed",
            init: false,
            pid1: "main",
            sigterm: Caught,
            outcome: Graceful,
        },
        // docker-init (tini) signals bash only; bash, no longer PID 1, dies
        // of it, docker-init exits, and the kernel SIGKILLs the app.
        Row {
            label: "v2 + docker run --init",
            image: "v2",
            init: true,
            pid1: "docker-init",
            sigterm: Awaited,
            outcome: Fast,
        },
        Row {
            label: "v2 + dsig --fix, --init",
            image: "v2-fixed",
            init: true,
            pid1: "docker-init",
            sigterm: Awaited,
            outcome: Graceful,
        },
        Row {
            label: "v2-tail",
            image: "v2-tail",
            init: false,
            pid1: "bash",
            sigterm: Dropped,
            outcome: Killed,
        },
        Row {
            label: "sleep (SIG020)",
            image: "sleep",
            init: false,
            pid1: "sleep",
            sigterm: Dropped,
            outcome: Killed,
        },
        Row {
            label: "sleep + dsig init fix",
            image: "sleep-init",
            init: false,
            pid1: "tini",
            sigterm: Awaited,
            outcome: Fast,
        },
    ];

    let header = format!(
        "{:<24} {:<14} {:<7} {:<12} {:<6} {:<23} {:>6} {:>4} {:<8} {:<28} {}",
        "image",
        "dsig",
        "dsig:ok",
        "PID 1",
        "SigCgt",
        "SIGTERM at PID 1",
        "stop s",
        "exit",
        "graceful",
        "expected",
        "agree"
    );
    let mut table = vec![header];
    for (i, row) in rows.iter().enumerate() {
        let tag = &tags.iter().find(|(n, _)| *n == row.image).unwrap().1;
        let has_app = !row.image.starts_with("sleep");
        let o = run_and_stop(&cleanup, tag, &format!("run{i}"), row.init, has_app);
        let agree = o.pid1 == row.pid1 && o.sigterm == row.sigterm && row.outcome.matches(&o);
        if !agree {
            problems.push(format!(
                "{}: expected PID 1 {} with SIGTERM {} and {}; saw {} with SIGTERM {}, stop {:.2}s, exit {}, graceful message {}",
                row.label,
                row.pid1,
                row.sigterm.describe(),
                row.outcome.describe(),
                o.pid1,
                o.sigterm.describe(),
                o.stop.as_secs_f64(),
                o.exit,
                o.graceful
            ));
        }
        // What dsig says about the image (it cannot see `docker run --init`).
        let findings = dsig_findings(dir(row.image));
        let c = codes(&findings);
        let says = dsig_says_graceful(&findings);
        let stopped_well = o.outcome_seen(has_app) == Graceful;
        let saw = format!(
            "docker stop took {:.2}s, exit {}, {}",
            o.stop.as_secs_f64(),
            o.exit,
            if o.graceful {
                "the app shut down gracefully"
            } else if has_app {
                "no graceful message"
            } else {
                "no app"
            }
        );
        let listed = findings
            .iter()
            .map(|f| format!("[{f}]"))
            .collect::<Vec<_>>()
            .join(" ");
        if !row.init && says != stopped_well {
            // dsig's verdict must match what Docker did (the kernel is right).
            problems.push(format!(
                "{}: dsig's verdict disagrees with docker stop (see the notes)",
                row.label
            ));
            notes.push(format!(
                "{}: dsig says it {}: {}; {saw}",
                row.label,
                if says {
                    "stops gracefully"
                } else {
                    "will not stop gracefully"
                },
                if findings.is_empty() {
                    "no findings"
                } else {
                    &listed
                },
            ));
        } else if !row.init && stopped_well && !findings.is_empty() {
            notes.push(format!("{}: dsig still reports {listed}; {saw}", row.label));
        }
        let expected = format!(
            "{} {} {}",
            row.pid1,
            match row.sigterm {
                Caught => "caught",
                Awaited => "awaited",
                Ignored => "ignored",
                Dropped => "dropped",
            },
            match row.outcome {
                Graceful => "graceful",
                Fast => "fast",
                Killed => "SIGKILL",
            }
        );
        table.push(format!(
            "{:<24} {:<14} {:<7} {:<12} {:<6} {:<23} {:>6.2} {:>4} {:<8} {:<28} {}",
            row.label,
            if c.is_empty() {
                "-".to_string()
            } else {
                c.join(",")
            },
            if row.init {
                "n/a"
            } else if says == stopped_well {
                "yes"
            } else {
                "NO"
            },
            o.pid1,
            if o.sigcgt { "set" } else { "clear" },
            o.sigterm.describe(),
            o.stop.as_secs_f64(),
            o.exit,
            if o.graceful { "yes" } else { "no" },
            expected,
            if agree { "yes" } else { "NO" }
        ));
    }
    // `dsig probe` on the same images: what it reports of PID 1 and of the
    // stop, and dsig's static verdict beside it (`--dockerfile`), must be
    // what the table above measured.
    let mut probes: Vec<String> = Vec::new();
    for (image, graceful, pid1, tini) in [
        ("v2", false, "bash", false),
        ("v2-fixed", true, "/go/src/signal/main", false),
        ("sleep-init", true, "tini", true),
    ] {
        let tag = &tags.iter().find(|(n, _)| *n == image).unwrap().1;
        let df = dir(image).join("Dockerfile");
        let out = std::process::Command::new(common::cli::BIN)
            .args([
                "probe",
                "--timeout",
                "3",
                "--format",
                "json",
                "--dockerfile",
            ])
            .arg(&df)
            .arg(tag)
            .output()
            .expect("run dsig probe");
        let code = out.status.code();
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
            problems.push(format!(
                "dsig probe {image}: no JSON (exit {code:?}): {}",
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        };
        let seconds = v["stop_seconds"].as_f64().unwrap_or(-1.0);
        let cmd = v["pid1"].as_str().unwrap_or("");
        probes.push(format!(
            "  {image:<10} graceful={} exit={} {seconds:.2}s pid1={cmd:?} sigtimedwait={} killed={} static={} agrees={}",
            v["graceful"], v["exit_code"], v["sigtimedwait"], v["killed"].as_array().map_or(0, Vec::len), v["static"]["graceful"], v["agrees"]
        ));
        let want_code = if graceful { Some(0) } else { Some(1) };
        let fine = v["graceful"] == graceful
            && code == want_code
            && cmd.contains(pid1)
            && v["agrees"] == true
            && (v["sigtimedwait"] == true) == tini
            && if graceful {
                seconds < 1.0 && v["killed"].as_array().is_some_and(Vec::is_empty)
            } else {
                v["exit_code"] == 137
                    && !v["signals"]["caught"]
                        .as_array()
                        .is_some_and(|c| c.iter().any(|s| s == "TERM"))
            };
        if !fine {
            problems.push(format!("dsig probe {image} (exit {code:?}): {v}"));
        }
    }
    // `dsig probe --format sarif` validates against the SARIF 2.1.0 schema
    // (testdata/sarif/validate.py --log; jsonschema as CI installs it).
    {
        let tag = &tags.iter().find(|(n, _)| *n == "v2").unwrap().1;
        let out = std::process::Command::new(common::cli::BIN)
            .args(["probe", "--timeout", "2", "--format", "sarif", tag])
            .output()
            .expect("run dsig probe");
        let log = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-probe-v2.sarif");
        std::fs::write(&log, &out.stdout).expect("write the SARIF log");
        let has_jsonschema = std::process::Command::new("python3")
            .args(["-c", "import jsonschema"])
            .output()
            .is_ok_and(|o| o.status.success());
        if has_jsonschema {
            let v = std::process::Command::new("python3")
                .arg("testdata/sarif/validate.py")
                .arg("--log")
                .arg(&log)
                .output()
                .expect("run validate.py");
            let said = String::from_utf8_lossy(&v.stdout).trim().to_string();
            probes.push(format!(
                "  probe --format sarif (v2): exit {:?}; {said}",
                out.status.code()
            ));
            if !(v.status.success() && out.status.code() == Some(1) && said.contains("(1 results)"))
            {
                problems.push(format!(
                    "dsig probe --format sarif on v2: exit {:?}, {said}",
                    out.status.code()
                ));
            }
        } else {
            skip("python3 with jsonschema is not here: the SARIF of dsig probe was not validated");
        }
    }
    // `--ready` with a line that never comes: exit 2 after --ready-timeout,
    // and the container is removed all the same.
    {
        let tag = &tags.iter().find(|(n, _)| *n == "sleep-init").unwrap().1;
        let started = Instant::now();
        let out = std::process::Command::new(common::cli::BIN)
            .args([
                "probe",
                "--ready",
                "never printed",
                "--ready-timeout",
                "2",
                tag,
            ])
            .output()
            .expect("run dsig probe");
        let took = started.elapsed();
        // dsig probe names its containers dsig-probe-PID-...
        let left = docker_ok(&["ps", "-a", "-q", "--filter", "name=dsig-probe-"]);
        let err = String::from_utf8_lossy(&out.stderr);
        probes.push(format!(
            "  probe --ready (never): exit {:?} after {:.1}s, containers left: {}",
            out.status.code(),
            took.as_secs_f64(),
            left.lines().count()
        ));
        if out.status.code() != Some(2)
            || !err.contains("never printed")
            || !left.is_empty()
            || took < Duration::from_secs(2)
            || took > Duration::from_secs(30)
        {
            problems.push(format!(
                "dsig probe --ready never printed: exit {:?} after {took:?}, left {left:?}: {err}",
                out.status.code()
            ));
        }
    }
    // `--images docker`: a child of sleep-init (tini as ENTRYPOINT, read
    // from the daemon) that runs `sleep` has no SIG020; without it, the
    // base's ENTRYPOINT is unknown and SIG020 stays (a warning).
    {
        let base = &tags.iter().find(|(n, _)| *n == "sleep-init").unwrap().1;
        let child = std::env::temp_dir().join(cleanup.name("child"));
        std::fs::create_dir_all(&child).unwrap();
        lock(&cleanup.made.dirs).push(child.clone());
        std::fs::write(
            child.join("Dockerfile"),
            format!("FROM {base}\nCMD [\"/bin/sleep\", \"100\"]\n"),
        )
        .unwrap();
        let lint = |images: &str| lint_images(&child.join("Dockerfile"), images);
        let off = lint("off");
        let docker_read = lint("docker");
        probes.push(format!(
            "  --images: off {} SIG020, docker {} SIG020",
            if off.contains("SIG020") {
                "has"
            } else {
                "has no"
            },
            if docker_read.contains("SIG020") {
                "has"
            } else {
                "has no"
            }
        ));
        if !off.contains("SIG020") || docker_read.contains("SIG020") {
            problems.push(format!(
                "--images docker on FROM sleep-init: off: {off}; docker: {docker_read}"
            ));
        }
    }
    // `--images docker` reads /bin/sh of an image dsig does not know: a
    // base whose /bin/sh is a symlink to dash (the host's dash and its libc
    // in a FROM-scratch image) makes a shell-form CMD the certain error.
    let libs = [
        ("/lib/x86_64-linux-gnu/libc.so.6", "lib"),
        ("/lib64/ld-linux-x86-64.so.2", "lib64"),
    ];
    if Path::new("/bin/dash").is_file() && libs.iter().all(|(l, _)| Path::new(l).is_file()) {
        let ctx = std::env::temp_dir().join(cleanup.name("dash-base"));
        for d in ["bin", "lib", "lib64", "child"] {
            std::fs::create_dir_all(ctx.join(d)).unwrap();
        }
        lock(&cleanup.made.dirs).push(ctx.clone());
        std::fs::copy("/bin/dash", ctx.join("bin/dash")).unwrap();
        std::os::unix::fs::symlink("dash", ctx.join("bin/sh")).unwrap();
        for (l, d) in libs {
            std::fs::copy(l, ctx.join(d).join(Path::new(l).file_name().unwrap())).unwrap();
        }
        std::fs::write(
            ctx.join("Dockerfile"),
            "FROM scratch\nCOPY bin/ /bin/\nCOPY lib/ /lib/x86_64-linux-gnu/\nCOPY lib64/ /lib64/\n",
        )
        .unwrap();
        std::fs::write(ctx.join(".dockerignore"), "child\n").unwrap();
        match build(&cleanup, &ctx, "dash-base") {
            Ok(tag) => {
                std::fs::write(
                    ctx.join("child/Dockerfile"),
                    format!("FROM {tag}\nCMD /bin/app --serve\n"),
                )
                .unwrap();
                let lint = |images: &str| lint_images(&ctx.join("child/Dockerfile"), images);
                let (off, read) = (lint("off"), lint("docker"));
                probes.push(format!(
                    "  --images on a dash base: off {}, docker {}",
                    if off.contains("warning[SIG001]") {
                        "SIG001 warning"
                    } else {
                        "?"
                    },
                    if read.contains("error[SIG001]") && read.contains("is dash") {
                        "SIG001 error (dash)"
                    } else {
                        "?"
                    }
                ));
                let read_dash = read.contains("error[SIG001]") && read.contains("is dash");
                if !(off.contains("warning[SIG001]") && read_dash) {
                    problems.push(format!(
                        "--images docker on a dash base: off: {off}; docker: {read}"
                    ));
                }
            }
            Err(e) => problems.push(e),
        }
    } else {
        notes.push(
            "no /bin/dash or its libc here: the dash base check of --images docker did not run"
                .to_string(),
        );
    }
    // An image that is not there: exit 2 with a message, no container left.
    let out = std::process::Command::new(common::cli::BIN)
        .args(["probe", "dsig-no-such-image:nope"])
        .output()
        .expect("run dsig probe");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(2) || !stderr.contains("is not on the local Docker Engine") {
        problems.push(format!(
            "dsig probe of a missing image: exit {:?}: {stderr}",
            out.status.code()
        ));
    }
    let left = docker(&[
        "ps",
        "-a",
        "--filter",
        "name=dsig-probe-",
        "--format",
        "{{.Names}}",
    ]);
    if !String::from_utf8_lossy(&left.stdout).trim().is_empty() {
        problems.push(format!(
            "dsig probe left containers: {}",
            String::from_utf8_lossy(&left.stdout)
        ));
    }
    let mut text = format!(
        "docker stop -t {GRACE} on FROM-scratch images (builds {:.0}s, runs {:.0}s)\n{}\n",
        built.duration_since(total).as_secs_f64(),
        built.elapsed().as_secs_f64(),
        table.join("\n")
    );
    text.push_str(
        "SigCgt: SIGTERM's bit (mask 1<<14) in /proc/PID/status of PID 1 (docker inspect State.Pid); tini and\n\
         docker-init have no handler, they block SIGTERM and read it with rt_sigtimedwait (its set is read from /proc).\n\
         dsig:ok: dsig's verdict (graceful unless an error of a signal rule, or SIG020/SIG022/SIG024) matches the run (asserted).\n",
    );
    text.push_str("dsig probe (--timeout 3 --dockerfile):\n");
    for p in &probes {
        let _ = writeln!(text, "{p}");
    }
    if !notes.is_empty() {
        text.push_str("notes (dsig's findings beside what Docker did):\n");
        for n in &notes {
            let _ = writeln!(text, "  - {n}");
        }
    }
    println!("{text}");
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("e2e-table.txt"), &text);
    assert!(
        problems.is_empty(),
        "the seed experiment in Docker disagrees with what it must show:\n{}",
        problems.join("\n")
    );
}

/// `dsig lint --isolated --format concise --images IMAGES DOCKERFILE`: its
/// stdout.
fn lint_images(dockerfile: &Path, images: &str) -> String {
    let out = std::process::Command::new(common::cli::BIN)
        .args([
            "lint",
            "--isolated",
            "--format",
            "concise",
            "--images",
            images,
        ])
        .arg(dockerfile)
        .output()
        .expect("run dsig lint");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Observed {
    /// The outcome seen: graceful, fast without the message, or SIGKILL. For
    /// an image without the app, a fast stop counts as graceful.
    fn outcome_seen(&self, has_app: bool) -> Outcome {
        if self.stop >= Duration::from_secs(1) {
            Outcome::Killed
        } else if self.graceful || !has_app {
            Outcome::Graceful
        } else {
            Outcome::Fast
        }
    }
}
