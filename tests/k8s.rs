//! Kubernetes manifests: the fixtures of testdata/k8s against three judges.
//!
//! - `fixtures_are_valid_kubernetes`: every fixture passes
//!   `kubernetes-validate --strict` for Kubernetes 1.33 (the first release
//!   with `lifecycle.stopSignal`), offline, with the schemas the package
//!   ships (v1.25 to v1.37 in 1.37.0); and the validator rejects what it must (the same stopSignal for
//!   1.32, a misspelt field).
//! - `pod_pid_namespace_as_the_kernel_does_it`: what `shareProcessNamespace:
//!   true` changes, measured: a pause-like PID 1 (testdata/behaviour/pause.c)
//!   in a new PID namespace, and the container's main process entered into
//!   that namespace beside it (as the runtime starts a container of the pod),
//!   against the same program as PID 1 of its own namespace.
//! - `dsig_verdicts_match_expected`: dsig's findings per container against
//!   testdata/k8s/EXPECTED.tsv, the scenario written before dsig read
//!   manifests. A container listed in testdata/k8s/GAPS.tsv is a known
//!   disagreement, with why; it is shown as GAP, and must still disagree.
//!
//! Tables are printed (`cargo test --test k8s -- --nocapture`) and written
//! to target/k8s-*.txt.

mod common;

use common::cli;
use common::host::{alive, children, comm, in_ci, is_root, skip, stat_fields, which};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The kubernetes-validate release .ci/install-deps installs.
const VALIDATOR_VERSION: &str = "1.37.0";
/// The Kubernetes version the fixtures are validated for.
const K8S_VERSION: &str = "1.33.0";
/// The release before it, which has no `lifecycle.stopSignal`.
const K8S_BEFORE_STOPSIGNAL: &str = "1.32.0";

fn fixture_dir() -> PathBuf {
    cli::manifest_dir().join("testdata/k8s")
}

/// The fixtures, by file name, sorted.
fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("testdata/k8s")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no fixtures in testdata/k8s");
    names
}

fn write_table(name: &str, table: &str) {
    println!("{table}");
    let dir = cli::manifest_dir().join("target");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("k8s-{name}.txt")), table);
}

/// One YAML document of a fixture: its kind, metadata.name and lines.
struct Doc {
    kind: String,
    name: String,
    /// First and last line, 1-based.
    lines: (usize, usize),
}

/// The documents of a fixture that are resources (have a `kind`). The
/// fixtures keep `kind:` and `metadata:` at column 0 and `name:` as the
/// first key under metadata, so lines are enough.
fn documents(text: &str) -> Vec<Doc> {
    let lines: Vec<&str> = text.lines().collect();
    let mut docs = Vec::new();
    let mut start = 0;
    for i in 0..=lines.len() {
        if i < lines.len() && !lines[i].starts_with("---") {
            continue;
        }
        let body = &lines[start..i];
        let kind = body.iter().find_map(|l| l.strip_prefix("kind: "));
        let name = body
            .iter()
            .position(|l| *l == "metadata:")
            .and_then(|m| body.get(m + 1))
            .and_then(|l| l.strip_prefix("  name: "));
        if let (Some(kind), Some(name)) = (kind, name) {
            docs.push(Doc {
                kind: kind.trim().to_string(),
                name: name.trim().trim_matches('"').to_string(),
                lines: (start + 1, i),
            });
        }
        start = i + 1;
    }
    docs
}

fn validate(validator: &Path, version: &str, file: &Path) -> (bool, String) {
    // Offline: the schemas ship with the package; a proxy that refuses
    // every connection makes any download fail.
    let out = Command::new(validator)
        .args(["--strict", "-k", version])
        .arg(file)
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("http_proxy", "http://127.0.0.1:9")
        .env("https_proxy", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .stdin(Stdio::null())
        .output()
        .expect("run kubernetes-validate");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// (a) Every fixture is valid Kubernetes for 1.33, strictly (no unknown
/// field), each resource of it; and the validator is not a rubber stamp.
#[test]
fn fixtures_are_valid_kubernetes() {
    let Some(validator) = which("kubernetes-validate") else {
        skip(&format!(
            "kubernetes-validate is not installed (pip install kubernetes-validate=={VALIDATOR_VERSION}: .ci/install-deps)"
        ));
        return;
    };
    let version = Command::new(&validator)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if version != VALIDATOR_VERSION {
        assert!(
            !in_ci(),
            "CI installs kubernetes-validate {VALIDATOR_VERSION}, found {version:?}"
        );
        println!("note: kubernetes-validate {version}, the pinned one is {VALIDATOR_VERSION}");
    }
    let mut rows = vec![format!(
        "kubernetes-validate {version} --strict -k {K8S_VERSION}\n{:<36} {:>9} {:>6}",
        "fixture", "resources", "passed"
    )];
    let mut problems = Vec::new();
    let mut total = 0;
    for name in fixtures() {
        let path = fixture_dir().join(&name);
        let text = std::fs::read_to_string(&path).unwrap();
        let resources = documents(&text).len();
        let (ok, out) = validate(&validator, K8S_VERSION, &path);
        let passed = out.matches(" passed for resource ").count();
        rows.push(format!("{name:<36} {resources:>9} {passed:>6}"));
        total += resources;
        if !ok || passed != resources || out.contains("did not validate") {
            problems.push(format!(
                "{name}: {passed} of {resources} resources passed\n{out}"
            ));
        }
    }
    rows.push(format!("{:<36} {total:>9}", "total"));

    // lifecycle.stopSignal is new in 1.33: the same file fails for 1.32.
    let stopsignal = fixture_dir().join("deployments-stopsignal.yaml");
    let (ok, out) = validate(&validator, K8S_BEFORE_STOPSIGNAL, &stopsignal);
    rows.push(format!(
        "deployments-stopsignal.yaml for {K8S_BEFORE_STOPSIGNAL}: {}",
        if ok { "passed" } else { "rejected" }
    ));
    if ok || !out.contains("'stopSignal' was unexpected") {
        problems.push(format!(
            "kubernetes-validate -k {K8S_BEFORE_STOPSIGNAL} accepted lifecycle.stopSignal:\n{out}"
        ));
    }
    // A misspelt field fails strict validation.
    let text = std::fs::read_to_string(fixture_dir().join("pod-node-pid1.yaml")).unwrap();
    assert!(text.contains("workingDir:"));
    let bad = std::env::temp_dir().join(format!("dsig-k8s-misspelt-{}.yaml", std::process::id()));
    std::fs::write(&bad, text.replace("workingDir:", "workDir:")).unwrap();
    let (ok, out) = validate(&validator, K8S_VERSION, &bad);
    let _ = std::fs::remove_file(&bad);
    rows.push(format!(
        "pod-node-pid1.yaml with workDir for workingDir: {}",
        if ok { "passed" } else { "rejected" }
    ));
    if ok || !out.contains("'workDir' was unexpected") {
        problems.push(format!("--strict accepted a misspelt field:\n{out}"));
    }
    write_table("validate", &rows.join("\n"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// (b) The kernel: pause as PID 1 of the pod's namespace.

fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) with a pid and a signal number; no memory is shared.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

fn sig_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGKILL => "SIGKILL",
        _ => "signal",
    }
}

/// A field of /proc/PID/status.
fn status_field(pid: u32, field: &str) -> Option<String> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .map(|v| v.trim().to_string())
}

/// The signals `pid` has a handler for (SigCgt), as a bit mask.
fn caught(pid: u32) -> Option<u64> {
    u64::from_str_radix(&status_field(pid, "SigCgt")?, 16).ok()
}

fn catches(mask: u64, sig: i32) -> bool {
    mask & (1u64 << (sig - 1)) != 0
}

fn ppid(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// Wait until `pid` runs a program whose name starts with `name` (it has
/// exec'd) and its handlers no longer change (the runtime has installed
/// them: Python's SIGINT handler comes after exec).
fn wait_settled(pid: u32, name: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut last = None;
    let mut same = 0;
    while Instant::now() < deadline {
        if comm(pid).starts_with(name) {
            let now = caught(pid);
            if now.is_some() && now == last {
                same += 1;
                if same >= 3 {
                    return true;
                }
            } else {
                same = 0;
            }
            last = now;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Wait until `pid` has a child named `name`.
fn wait_child(pid: u32, name: &str) -> Option<u32> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Some(c) = children(pid).into_iter().find(|c| comm(*c) == name) {
            return Some(c);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// The first child of `parent`, waiting for it.
fn first_child(parent: u32) -> u32 {
    let start = Instant::now();
    loop {
        if let Some(p) = children(parent).first() {
            return *p;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "no child of {parent}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn spawn_quiet(cmd: &mut Command) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn")
}

/// `argv` as PID 1 of a new PID namespace: `unshare --pid --fork`.
struct Namespace {
    unshare: Child,
    pid1: u32,
}

impl Namespace {
    fn start(argv: &[String]) -> Namespace {
        let unshare = spawn_quiet(
            Command::new("unshare")
                .args(["--pid", "--fork", "--kill-child", "--mount-proc", "--"])
                .args(argv),
        );
        let pid1 = first_child(unshare.id());
        Namespace { unshare, pid1 }
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        // --kill-child: PID 1's death ends every process of the namespace.
        signal(self.pid1, libc::SIGKILL);
        let _ = self.unshare.kill();
        let _ = self.unshare.wait();
    }
}

/// `argv` entered into the PID namespace of `pid1` with `nsenter`, as the
/// runtime starts a container in a pod that shares one: its parent is
/// outside the namespace (nsenter, as the runtime's shim), and it is not
/// the namespace's init.
struct Member {
    nsenter: Child,
    pid: u32,
}

impl Member {
    fn enter(pid1: u32, argv: &[String]) -> Member {
        let nsenter = spawn_quiet(
            Command::new("nsenter")
                .args(["--target", &pid1.to_string(), "--pid", "--"])
                .args(argv),
        );
        let pid = first_child(nsenter.id());
        Member { nsenter, pid }
    }

    /// How it ended: nsenter waits for it and dies of the same signal (or
    /// exits with its code).
    fn wait_end(&mut self, bound: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + bound;
        while Instant::now() < deadline {
            if let Ok(Some(s)) = self.nsenter.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        None
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        signal(self.pid, libc::SIGKILL);
        let _ = self.nsenter.kill();
        let _ = self.nsenter.wait();
    }
}

fn how(status: &ExitStatus) -> String {
    match (status.signal(), status.code()) {
        (Some(s), _) => format!("killed by {}", sig_name(s)),
        (None, Some(c)) => format!("exit {c}"),
        _ => "ended".to_string(),
    }
}

/// A container's main process of the measurements.
struct Program {
    label: &'static str,
    argv: Vec<String>,
    /// Its process name once it has exec'd.
    comm: &'static str,
    /// The child a shell starts, followed after the shell is gone.
    child: Option<&'static str>,
    sig: i32,
    /// Whether it ends on `sig` as PID 1 of its own namespace: what the
    /// fixtures assume (EXPECTED.tsv), checked here. Beside pause every
    /// program must end on the signal at once.
    ends_as_pid1: bool,
}

/// The real python3 (not a version manager's shim script).
fn python3() -> Option<String> {
    let out = Command::new(which("python3")?)
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Path::new(&p).is_file().then_some(p)
}

fn programs() -> (Vec<Program>, Vec<&'static str>) {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    let node = which("node").map(|p| p.display().to_string());
    let python = python3();
    let dash = which("dash").map(|p| p.display().to_string());
    let busybox = which("busybox").map(|p| p.display().to_string());
    let s = |x: &str| x.to_string();
    for sig in [libc::SIGTERM, libc::SIGINT] {
        match &node {
            Some(n) => out.push(Program {
                label: "node -e 'setInterval(()=>{},1e3)'",
                argv: vec![n.clone(), s("-e"), s("setInterval(()=>{},1e3)")],
                comm: "node",
                child: None,
                sig,
                ends_as_pid1: false,
            }),
            None => missing.push("node"),
        }
        match &python {
            Some(p) => out.push(Program {
                label: "python3 -c 'import time; time.sleep(60)'",
                argv: vec![p.clone(), s("-c"), s("import time; time.sleep(60)")],
                comm: "python",
                child: None,
                sig,
                // Python's SIGINT handler raises KeyboardInterrupt.
                ends_as_pid1: sig == libc::SIGINT,
            }),
            None => missing.push("python3"),
        }
    }
    match &dash {
        Some(d) => out.push(Program {
            label: "sh -c 'sleep 60; true' (dash)",
            argv: vec![d.clone(), s("-c"), s("sleep 60; true")],
            comm: "dash",
            child: Some("sleep"),
            sig: libc::SIGTERM,
            ends_as_pid1: false,
        }),
        None => missing.push("dash"),
    }
    match &busybox {
        Some(b) => out.push(Program {
            label: "busybox sleep 60",
            argv: vec![b.clone(), s("sleep"), s("60")],
            comm: "busybox",
            child: None,
            sig: libc::SIGTERM,
            ends_as_pid1: false,
        }),
        None => missing.push("busybox"),
    }
    missing.sort_unstable();
    missing.dedup();
    (out, missing)
}

/// How long a PID 1 that ignores the signal is watched.
const IGNORE_BOUND: Duration = Duration::from_secs(2);

/// The program as PID 1 of its own namespace: (ended, what happened, the
/// signals it catches before the signal, and after it when it still runs).
fn as_pid1(p: &Program) -> (bool, String, u64, Option<u64>) {
    let mut ns = Namespace::start(&p.argv);
    assert!(
        wait_settled(ns.pid1, p.comm),
        "{}: PID 1 never became {}",
        p.label,
        p.comm
    );
    let mask = caught(ns.pid1).unwrap_or(0);
    let t = Instant::now();
    signal(ns.pid1, p.sig);
    while alive(ns.pid1) && t.elapsed() < IGNORE_BOUND {
        std::thread::sleep(Duration::from_millis(5));
    }
    let ended = !alive(ns.pid1);
    let after = if ended { None } else { caught(ns.pid1) };
    let what = if ended {
        let st = ns.unshare.wait().ok();
        format!(
            "{} in {} ms",
            st.map_or("ended".to_string(), |s| how(&s)),
            t.elapsed().as_millis()
        )
    } else {
        format!("ignored (alive after {:.1} s)", IGNORE_BOUND.as_secs_f64())
    };
    (ended, what, mask, after)
}

/// What the measurement of one program in the pod found.
struct InPod {
    ended: bool,
    what: String,
    /// For a shell: what became of its child.
    child: String,
    problems: Vec<String>,
}

/// The program in a pod whose PID 1 is pause.
fn in_pod(p: &Program, pause: &Path) -> InPod {
    let mut problems = Vec::new();
    let ns = Namespace::start(&[pause.display().to_string()]);
    let pause_pid = ns.pid1;
    assert!(wait_settled(pause_pid, "pause"), "pause did not start");
    let ns_pid = status_field(pause_pid, "NSpid").unwrap_or_default();
    if ns_pid.split_whitespace().last() != Some("1") {
        problems.push(format!(
            "pause is not PID 1 of its namespace: NSpid {ns_pid}"
        ));
    }
    let mut m = Member::enter(pause_pid, &p.argv);
    assert!(
        wait_settled(m.pid, p.comm),
        "{}: never became {}",
        p.label,
        p.comm
    );
    let grandchild = p
        .child
        .map(|c| wait_child(m.pid, c).unwrap_or_else(|| panic!("{}: no {c} child", p.label)));
    let inner = status_field(m.pid, "NSpid").unwrap_or_default();
    if inner.split_whitespace().last() == Some("1") {
        problems.push(format!("{}: it is PID 1 of the namespace", p.label));
    }
    let t = Instant::now();
    signal(m.pid, p.sig);
    let status = m.wait_end(Duration::from_secs(1));
    let ended = status.is_some();
    let what = match &status {
        Some(s) => format!("{} in {} ms", how(s), t.elapsed().as_millis()),
        None => "still running after 1 s".to_string(),
    };
    let mut child = "-".to_string();
    if let Some(g) = grandchild {
        // The shell is gone: its child is an orphan, reparented to the
        // namespace's init, and nobody signalled it.
        std::thread::sleep(Duration::from_secs(1));
        let parent = ppid(g);
        let running = alive(g);
        if parent != Some(pause_pid) {
            problems.push(format!(
                "{}: the orphaned child's parent is {parent:?}, not pause ({pause_pid})",
                p.label
            ));
        }
        if !running {
            problems.push(format!(
                "{}: the orphaned child ended with the shell",
                p.label
            ));
        }
        // What the runtime does to what is left of the container.
        let k = Instant::now();
        signal(g, libc::SIGKILL);
        while stat_fields(g).is_some() && k.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let reaped = stat_fields(g).is_none();
        if !reaped {
            problems.push(format!(
                "{}: pause did not reap its SIGKILLed orphan",
                p.label
            ));
        }
        child = format!(
            "{}: {}, {} after 1 s; SIGKILL: {}",
            p.child.unwrap_or("child"),
            if parent == Some(pause_pid) {
                "reparented to pause"
            } else {
                "NOT reparented to pause"
            },
            if running { "running" } else { "gone" },
            if reaped {
                "reaped by pause"
            } else {
                "left a zombie"
            }
        );
    }
    drop(m);
    // pause itself stops on SIGTERM: it has a handler.
    signal(pause_pid, libc::SIGTERM);
    let mut ns = ns;
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut st = None;
    while st.is_none() && Instant::now() < deadline {
        st = ns.unshare.try_wait().ok().flatten();
        std::thread::sleep(Duration::from_millis(5));
    }
    if !st.is_some_and(|s| s.success()) {
        problems.push(format!("pause did not exit 0 on SIGTERM: {st:?}"));
    }
    InPod {
        ended,
        what,
        child,
        problems,
    }
}

/// (b) The same programs as PID 1 of their own namespace and as a container
/// of a pod with `shareProcessNamespace: true` (pause is PID 1): the kernel
/// hands a signal to a namespace's init only when it has a handler; to any
/// other process it applies the default action.
#[test]
fn pod_pid_namespace_as_the_kernel_does_it() {
    if !is_root() {
        skip("needs root to make PID namespaces (unshare, nsenter)");
        return;
    }
    for tool in ["unshare", "nsenter", "gcc"] {
        if which(tool).is_none() {
            skip(&format!("{tool} is not installed"));
            return;
        }
    }
    let (programs, missing) = programs();
    if !missing.is_empty() {
        skip(&format!(
            "not installed: {} (.ci/install-deps)",
            missing.join(", ")
        ));
        if programs.is_empty() {
            return;
        }
    }
    let work = std::env::temp_dir().join(format!("dsig-k8s-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let pause = work.join("pause");
    let built = Command::new("gcc")
        .args(["-static", "-O2", "-o"])
        .arg(&pause)
        .arg(cli::manifest_dir().join("testdata/behaviour/pause.c"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        built,
        "gcc -static pause.c failed (CI installs gcc and libc6-dev)"
    );

    let mut rows = vec![format!(
        "{:<42} {:<8} {:<10} {:<34} {:<34} {}",
        "program",
        "signal",
        "handler",
        "as PID 1 of its own namespace",
        "in the pod (pause is PID 1)",
        "its child"
    )];
    let mut problems = Vec::new();
    for p in &programs {
        let (pid1_ended, pid1_what, mask, after) = as_pid1(p);
        let handles = catches(mask, p.sig);
        // node's handler (SignalExit) resets the signal to its default and
        // raises it again: for init that is dropped like any signal without
        // a handler.
        let reset = handles && after.is_some_and(|a| !catches(a, p.sig));
        let pod = in_pod(p, &pause);
        problems.extend(pod.problems);
        // The kernel's rule for a namespace's init: a signal without a
        // handler is dropped.
        if pid1_ended && !handles {
            problems.push(format!(
                "{} as PID 1 ended on {} without a handler: {pid1_what}",
                p.label,
                sig_name(p.sig)
            ));
        }
        if pid1_ended != p.ends_as_pid1 {
            problems.push(format!(
                "{} as PID 1, {}: {pid1_what}; the fixtures assume it {}",
                p.label,
                sig_name(p.sig),
                if p.ends_as_pid1 {
                    "ends"
                } else {
                    "keeps running"
                }
            ));
        }
        // Not init: the signal arrives; no handler that keeps the program
        // running, so it ends at once.
        if !pod.ended {
            problems.push(format!(
                "{} beside pause, {}: {}",
                p.label,
                sig_name(p.sig),
                pod.what
            ));
        }
        // SIGTERM's default action (or node's re-raise of it): the program
        // dies of the signal, no shutdown code runs, nothing hangs.
        if p.sig == libc::SIGTERM && !pod.what.starts_with("killed by SIGTERM") {
            problems.push(format!(
                "{} beside pause: {}, not killed by SIGTERM",
                p.label, pod.what
            ));
        }
        let handler = match (handles, reset) {
            (false, _) => "no",
            (true, false) => "yes",
            (true, true) => "yes, reset",
        };
        rows.push(format!(
            "{:<42} {:<8} {:<10} {:<34} {:<34} {}",
            p.label,
            sig_name(p.sig),
            handler,
            pid1_what,
            pod.what,
            pod.child
        ));
    }
    rows.push(
        "handler: SigCgt has the signal once the program runs; \"reset\": after the signal it no \
         longer has (node's handler restores the default and raises the signal again)"
            .to_string(),
    );
    let _ = std::fs::remove_dir_all(&work);
    write_table("kernel", &rows.join("\n"));
    assert!(
        problems.is_empty(),
        "the kernel did not do what the fixtures assume:\n{}",
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------
// (c) dsig against EXPECTED.tsv.

struct Expected {
    file: String,
    kind: String,
    name: String,
    container: String,
    verdict: String,
    codes: BTreeSet<String>,
}

impl Expected {
    fn prefix(&self) -> String {
        format!(
            "{} \"{}\" container \"{}\": ",
            self.kind, self.name, self.container
        )
    }
}

fn expected() -> Vec<Expected> {
    let text = std::fs::read_to_string(fixture_dir().join("EXPECTED.tsv")).unwrap();
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.starts_with("file\t") || line.trim().is_empty() {
            continue;
        }
        let c: Vec<&str> = line.split('\t').collect();
        assert_eq!(c.len(), 6, "EXPECTED.tsv line {}: 6 columns", n + 1);
        let (kind, name) = c[1]
            .split_once('/')
            .unwrap_or_else(|| panic!("EXPECTED.tsv line {}: KIND/NAME", n + 1));
        assert!(
            matches!(c[3], "graceful" | "not-graceful" | "info"),
            "EXPECTED.tsv line {}: verdict {:?}",
            n + 1,
            c[3]
        );
        rows.push(Expected {
            file: c[0].to_string(),
            kind: kind.to_string(),
            name: name.to_string(),
            container: c[2].to_string(),
            verdict: c[3].to_string(),
            codes: c[4]
                .split(',')
                .filter(|s| *s != "-" && !s.is_empty())
                .map(String::from)
                .collect(),
        });
    }
    rows
}

/// A finding of dsig's JSON output.
struct Finding {
    code: String,
    severity: String,
    message: String,
    file: String,
    line: u64,
}

/// `dsig lint --format json` of a fixture, by path or through stdin.
fn lint(name: &str, stdin: bool) -> Result<Vec<Finding>, String> {
    let rel = format!("testdata/k8s/{name}");
    let out = if stdin {
        let text = std::fs::read(fixture_dir().join(name)).unwrap();
        let mut child = cli::command_in(cli::manifest_dir(), &["lint", "--format", "json", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run dsig");
        child.stdin.take().unwrap().write_all(&text).unwrap();
        child.wait_with_output().expect("run dsig")
    } else {
        cli::run(&["lint", "--format", "json", &rel])
    };
    cli::assert_no_panic(&out);
    let how = if stdin {
        format!("dsig lint - < {rel}")
    } else {
        format!("dsig lint {rel}")
    };
    let json: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "{how}: exit {:?}, no JSON ({e}); stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })?;
    if let Some(errors) = json["errors"].as_array().filter(|e| !e.is_empty()) {
        return Err(format!("{how}: errors {errors:?}"));
    }
    let diags = json["diagnostics"].as_array().cloned().unwrap_or_default();
    Ok(diags
        .iter()
        .map(|d| Finding {
            code: d["code"].as_str().unwrap_or("").to_string(),
            severity: d["severity"].as_str().unwrap_or("").to_string(),
            message: d["message"].as_str().unwrap_or("").to_string(),
            file: d["file"].as_str().unwrap_or("").to_string(),
            line: d["span"]["start"]["line"].as_u64().unwrap_or(0),
        })
        .collect())
}

/// The verdict and codes of the findings about one container.
fn verdict(findings: &[&Finding]) -> (&'static str, BTreeSet<String>) {
    let codes = findings.iter().map(|f| f.code.clone()).collect();
    let v = if findings
        .iter()
        .any(|f| matches!(f.severity.as_str(), "error" | "warning"))
    {
        "not-graceful"
    } else if findings.is_empty() {
        "graceful"
    } else {
        "info"
    };
    (v, codes)
}

fn show(codes: &BTreeSet<String>) -> String {
    if codes.is_empty() {
        "-".to_string()
    } else {
        codes.iter().cloned().collect::<Vec<_>>().join(",")
    }
}

/// (c) For every container of EXPECTED.tsv, dsig's findings (those whose
/// message starts with `KIND "NAME" container "C": `) give the expected
/// verdict, every expected code, and no other error or warning; no finding
/// is about anything else (a Service, a ConfigMap, an unknown container);
/// each points into the manifest, inside its document.
#[test]
fn dsig_verdicts_match_expected() {
    let rows = expected();
    let files = fixtures();
    let listed: BTreeSet<&str> = rows.iter().map(|r| r.file.as_str()).collect();
    for f in &files {
        assert!(
            listed.contains(f.as_str()),
            "{f} has no row in EXPECTED.tsv"
        );
    }
    for f in &listed {
        assert!(
            files.iter().any(|x| x == f),
            "EXPECTED.tsv names {f}, not a fixture"
        );
    }
    let mut table = vec![format!(
        "{:<34} {:<40} {:<12} {:<28} {:<28} agree",
        "fixture", "document", "container", "expected", "dsig"
    )];
    let mut problems = Vec::new();
    // Known gaps: containers where dsig is known to disagree with the
    // kernel, with why (testdata/k8s/GAPS.tsv); each must still disagree.
    let gaps_text = std::fs::read_to_string(fixture_dir().join("GAPS.tsv")).unwrap();
    let gaps: Vec<(String, String, String)> = gaps_text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 4, "GAPS.tsv: 4 columns: {l}");
            (c[0].to_string(), c[1].to_string(), c[2].to_string())
        })
        .collect();
    let mut gaps_seen: BTreeSet<(String, String, String)> = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(fixture_dir().join(file)).unwrap();
        let docs = documents(&text);
        let mine: Vec<&Expected> = rows.iter().filter(|r| &r.file == file).collect();
        let mut runs = vec![false];
        if file.ends_with(".stdin.yaml") {
            runs.push(true);
        }
        for stdin in runs {
            let shown = if stdin {
                format!("- < {file}")
            } else {
                file.clone()
            };
            let findings = match lint(file, stdin) {
                Ok(f) => f,
                Err(e) => {
                    problems.push(e);
                    for r in &mine {
                        table.push(format!(
                            "{shown:<34} {:<40} {:<12} {:<28} {:<28} NO",
                            format!("{}/{}", r.kind, r.name),
                            r.container,
                            format!("{} {}", r.verdict, show(&r.codes)),
                            "(no result)"
                        ));
                    }
                    continue;
                }
            };
            for f in &findings {
                let Some(r) = mine.iter().find(|r| f.message.starts_with(&r.prefix())) else {
                    problems.push(format!(
                        "{shown}: a finding about no container of EXPECTED.tsv: {} {} {:?}",
                        f.code, f.severity, f.message
                    ));
                    continue;
                };
                if stdin {
                    continue;
                }
                let rel = format!("testdata/k8s/{file}");
                let doc = docs.iter().find(|d| d.kind == r.kind && d.name == r.name);
                let inside =
                    doc.is_some_and(|d| (d.lines.0 as u64..=d.lines.1 as u64).contains(&f.line));
                if f.file != rel || !inside {
                    problems.push(format!(
                        "{shown}: {} about {}/{} points at {}:{}, not into its document of {rel}",
                        f.code, r.kind, r.name, f.file, f.line
                    ));
                }
            }
            for r in &mine {
                let about: Vec<&Finding> = findings
                    .iter()
                    .filter(|f| f.message.starts_with(&r.prefix()))
                    .collect();
                let (v, codes) = verdict(&about);
                let serious: BTreeSet<String> = about
                    .iter()
                    .filter(|f| f.severity != "info")
                    .map(|f| f.code.clone())
                    .collect();
                let agree =
                    v == r.verdict && r.codes.is_subset(&codes) && serious.is_subset(&r.codes);
                let key = (
                    file.clone(),
                    format!("{}/{}", r.kind, r.name),
                    r.container.clone(),
                );
                let gap = gaps.contains(&key);
                if gap {
                    gaps_seen.insert(key.clone());
                    if agree {
                        problems.push(format!(
                            "{shown} {}/{} container {}: listed in GAPS.tsv but dsig now agrees: remove the row",
                            r.kind, r.name, r.container
                        ));
                    }
                }
                table.push(format!(
                    "{shown:<34} {:<40} {:<12} {:<28} {:<28} {}",
                    format!("{}/{}", r.kind, r.name),
                    r.container,
                    format!("{} {}", r.verdict, show(&r.codes)),
                    format!("{v} {}", show(&codes)),
                    if agree {
                        "yes"
                    } else if gap {
                        "GAP"
                    } else {
                        "NO"
                    }
                ));
                if !agree && !gap {
                    problems.push(format!(
                        "{shown} {}/{} container {}: expected {} {}, dsig says {v} {}: {}",
                        r.kind,
                        r.name,
                        r.container,
                        r.verdict,
                        show(&r.codes),
                        show(&codes),
                        about
                            .iter()
                            .map(|f| format!("[{} {}] {}", f.code, f.severity, f.message))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    ));
                }
            }
        }
    }
    write_table("verdicts", &table.join("\n"));
    for g in &gaps {
        if !gaps_seen.contains(g) {
            problems.push(format!(
                "GAPS.tsv row {g:?} names no container of EXPECTED.tsv"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "dsig disagrees with testdata/k8s/EXPECTED.tsv ({} problems):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The line-based reading of the fixtures finds every resource.
#[test]
fn fixture_documents_are_found() {
    let mut kinds = BTreeSet::new();
    for name in fixtures() {
        let text = std::fs::read_to_string(fixture_dir().join(&name)).unwrap();
        let resources = text.lines().filter(|l| l.starts_with("kind: ")).count();
        let docs = documents(&text);
        assert_eq!(
            docs.len(),
            resources,
            "{name}: documents with a kind and a name"
        );
        kinds.extend(docs.into_iter().map(|d| d.kind));
    }
    for k in [
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "CronJob",
        "Service",
        "ConfigMap",
    ] {
        assert!(kinds.contains(k), "no {k} among the fixtures");
    }
}
