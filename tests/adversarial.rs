//! Adversarial behaviour suite: entrypoint-style scripts and command strings
//! (testdata/behaviour/adversarial/<scenario>/) run as PID 1 of a PID
//! namespace with each of the three /bin/sh implementations (dash for Debian,
//! busybox ash for Alpine, bash for Fedora), stopped with the image's stop
//! signal from outside as `docker stop` does. dsig's verdict must match what
//! the kernel did, `dsig --fix --unsafe-fixes` must make the image stop
//! gracefully without changing how the app is started (argv, uid, gid, cwd,
//! environment), and what the kernel did must match the committed
//! testdata/behaviour/adversarial/KERNEL.tsv (regenerate it with
//! `DSIG_ADVERSARIAL_WRITE=1`).
//!
//! `cargo test --test adversarial -- --nocapture` prints the table; it is
//! also written to target/adversarial-table.txt.

use std::fmt::Write as _;
mod common;

use common::host::{build_app, children, is_root, kill, says_not_graceful, which};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The base images the FROM line is rewritten to, and the host shell that
/// stands in for each one's /bin/sh.
const SHELLS: [(&str, &str); 3] = [
    ("dash", "debian:bookworm"),
    ("ash", "alpine:3.20"),
    ("bash", "fedora:40"),
];

/// Parallel runs: the work is mostly waiting for signals to be handled.
const THREADS: usize = 8;

/// How long a stopped PID 1 has to exit (Docker's default is 10 s; every
/// graceful scenario here takes milliseconds).
const STOP_BOUND: Duration = Duration::from_secs(2);

/// What the kernel did with the scenario's PID 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// PID 1 exited on the stop signal and every copy of the app that had
    /// started shut down gracefully.
    Stopped,
    /// PID 1 exited on the stop signal; an app it started did not get it and
    /// was `SIGKILLed` with the namespace.
    AppKilled,
    /// PID 1 was still running after the stop signal (Docker SIGKILLs it).
    Ignored,
    /// PID 1 exited with status 0 before the stop signal without starting
    /// the app: a one-shot, nothing to stop.
    Finished,
    /// PID 1 exited non-zero before the stop signal without starting the
    /// app: the container does not run.
    FailedToStart,
    /// PID 1 exited before the stop signal after the app had started (it
    /// daemonised, or the script went on and ended): the app was `SIGKILLed`
    /// with the namespace, and the container does not run.
    ExitedAtStart,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Stopped => "stopped gracefully",
            Outcome::AppKilled => "PID 1 exited, app killed",
            Outcome::Ignored => "ignored the stop signal",
            Outcome::Finished => "finished by itself",
            Outcome::FailedToStart => "failed to start",
            Outcome::ExitedAtStart => "exited at start, app killed",
        }
    }

    fn graceful(self) -> bool {
        matches!(self, Outcome::Stopped | Outcome::Finished)
    }
}

/// One run of a PID 1: what happened and how the app was started.
struct Observed {
    outcome: Outcome,
    /// The distinct start records of the app (argv, uid, gid, cwd, env),
    /// sorted; empty when it did not start.
    records: Vec<String>,
    detail: String,
}

/// A command running as PID 1 of its own PID namespace, with exactly the
/// environment given.
struct Pid1 {
    unshare: Child,
    /// PID 1's host pid; `None` when it exited before it could be seen.
    pid: Option<u32>,
}

impl Pid1 {
    fn start(argv: &[String], cwd: &Path, env: &[(String, String)]) -> Pid1 {
        let mut cmd = Command::new(which("unshare").expect("unshare"));
        cmd.args(["--pid", "--fork", "--kill-child", "--mount-proc", "--"])
            .args(argv)
            .current_dir(cwd)
            .env_clear();
        for (k, v) in env {
            cmd.env(k, v);
        }
        // As Docker starts PID 1: every signal at its default disposition.
        // (A test run started as a background job inherits SIGINT and
        // SIGQUIT ignored, which changed the INT scenarios.)
        use std::os::unix::process::CommandExt;
        // SAFETY: only async-signal-safe calls (signal, sigprocmask) between
        // fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                for sig in [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGHUP] {
                    libc::signal(sig, libc::SIG_DFL);
                }
                let mut empty: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&raw mut empty);
                libc::sigprocmask(libc::SIG_SETMASK, &raw const empty, std::ptr::null_mut());
                Ok(())
            });
        }
        let mut unshare = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("unshare");
        let start = Instant::now();
        let pid = loop {
            if let Some(p) = children(unshare.id()).first() {
                break Some(*p);
            }
            if unshare.try_wait().ok().flatten().is_some() {
                break None;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "no PID 1 for {argv:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        };
        Pid1 { unshare, pid }
    }

    /// PID 1's exit status once it has exited (unshare passes it on; the
    /// namespace's other processes are gone by then).
    fn exited(&mut self) -> Option<ExitStatus> {
        self.unshare.try_wait().ok().flatten()
    }
}

impl Drop for Pid1 {
    fn drop(&mut self) {
        // --kill-child: killing PID 1 ends the namespace and every process in it.
        if self.exited().is_none() {
            if let Some(pid) = self.pid {
                kill(pid, "-KILL");
            }
            let _ = self.unshare.kill();
        }
        let _ = self.unshare.wait();
    }
}

/// The stop signal `docker stop` sends: STOPSIGNAL, or SIGTERM. As the
/// argument of kill(1): `-TERM`, `-9`.
fn stop_signal(dockerfile: &str) -> String {
    let df = dsig::syntax::parse(dockerfile).expect("scenario parses");
    let image = dsig::model::Image::from_dockerfile(&df);
    let sig = image
        .final_stage()
        .and_then(|st| st.stopsignal.get().map(|(s, _)| s.clone()))
        .unwrap_or_else(|| "SIGTERM".into());
    let sig = sig.trim().trim_matches('"').to_ascii_uppercase();
    format!("-{}", sig.strip_prefix("SIG").unwrap_or(&sig))
}

/// The final stage's ENV, as the container's environment has it (the
/// values dsig knows).
fn image_env(dockerfile: &str) -> Vec<(String, String)> {
    let df = dsig::syntax::parse(dockerfile).expect("scenario parses");
    let image = dsig::model::Image::from_dockerfile(&df);
    image
        .final_stage()
        .map(|st| {
            st.env
                .to_vec()
                .into_iter()
                .filter_map(|(k, v)| Some((k, v?)))
                .collect()
        })
        .unwrap_or_default()
}

fn pid1_argv(dockerfile: &str) -> Option<Vec<String>> {
    let df = dsig::syntax::parse(dockerfile).ok()?;
    dsig::model::Image::from_dockerfile(&df).pid1_argv()
}

/// Where one scenario × shell runs: `ctx` is the scenario copy (the image's
/// /app and working directory), `bin` the copy of adversarial/_bin (the base
/// image's programs) with `sh` (the image's /bin/sh) and `.server` (the test
/// app, which the fake servers run).
struct Place {
    ctx: PathBuf,
    bin: PathBuf,
    shell: &'static str,
}

impl Place {
    fn sh(&self) -> String {
        self.bin.join("sh").display().to_string()
    }

    /// Map the image's PID 1 argv to the host: /app is the scenario copy,
    /// /bin/sh the base image's shell, bash and tini the host's.
    fn host_argv(&self, argv: &[String]) -> Vec<String> {
        let dir = self.ctx.display().to_string();
        // `/app` as a word (also inside `sh -c` strings) is the scenario copy.
        let map_app = |w: &str| -> String {
            w.split(' ')
                .map(|t| match t.strip_prefix("/app") {
                    Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                        format!("{dir}{rest}")
                    }
                    _ => t.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        argv.iter()
            .map(|w| match w.as_str() {
                "/bin/sh" | "sh" => self.sh(),
                "/bin/bash" | "/usr/bin/bash" | "bash" => host("bash"),
                "/usr/bin/tini" | "/sbin/tini" | "/tini" | "tini" => host("tini"),
                w => map_app(w),
            })
            .collect()
    }
}

fn host(prog: &str) -> String {
    which(prog)
        .unwrap_or_else(|| panic!("{prog} is not installed"))
        .display()
        .to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Scripts' `#!/bin/sh` runs the base image's shell (`bin/sh`); `#!/bin/bash`
/// is the host's bash. Every file of `dir` is looked at (scripts need not be
/// named *.sh).
fn rewrite_shebangs(dir: &Path, sh: &str) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if !p.is_file() || p.is_symlink() {
            continue;
        }
        let Ok(t) = std::fs::read_to_string(&p) else {
            continue;
        };
        let rest = t
            .strip_prefix("#!/bin/sh\n")
            .map(|r| (sh.to_string(), r))
            .or_else(|| t.strip_prefix("#!/bin/bash\n").map(|r| (host("bash"), r)));
        if let Some((interp, rest)) = rest {
            std::fs::write(&p, format!("#!{interp}\n{rest}")).unwrap();
        }
    }
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
}

/// The shells a scenario runs with: all three, unless a leading comment of
/// its Dockerfile says `# shells: dash bash`.
fn scenario_shells(dockerfile: &str) -> Vec<&'static str> {
    for l in dockerfile.lines().take_while(|l| l.starts_with('#')) {
        if let Some(list) = l.strip_prefix("# shells:") {
            let want: Vec<&str> = list.split_whitespace().collect();
            return SHELLS
                .iter()
                .map(|(s, _)| *s)
                .filter(|s| want.contains(s))
                .collect();
        }
    }
    SHELLS.iter().map(|(s, _)| *s).collect()
}

/// The Dockerfile with its `FROM debian:bookworm` lines on `shell`'s base.
fn rebase(dockerfile: &str, shell: &str) -> String {
    let image = SHELLS.iter().find(|(s, _)| *s == shell).unwrap().1;
    dockerfile
        .lines()
        .map(|l| {
            let lower = l.to_ascii_lowercase();
            if lower.starts_with("from ") && lower.contains("debian:bookworm") {
                l.replacen("debian:bookworm", image, 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Run the image's PID 1 (`dockerfile`'s, in `place`) and stop it as `docker
/// stop` does.
fn observe(place: &Place, dockerfile: &str) -> Observed {
    let Some(argv) = pid1_argv(dockerfile) else {
        return Observed {
            outcome: Outcome::FailedToStart,
            records: vec![],
            detail: "no PID 1 argv".into(),
        };
    };
    let argv = place.host_argv(&argv);
    let marker = place.ctx.join("graceful.marker");
    let record = place.ctx.join("app.record");
    let events = place.ctx.join("app.record.events");
    for f in [&marker, &record, &events] {
        let _ = std::fs::remove_file(f);
    }
    let mut env: Vec<(String, String)> = vec![
        (
            "PATH".into(),
            format!(
                "{}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                place.bin.display()
            ),
        ),
        ("HOME".into(), "/root".into()),
        ("HOSTNAME".into(), "dsig-adversarial".into()),
    ];
    for (k, v) in image_env(dockerfile) {
        // The base image's PATH (debian's default, which dsig knows) is the
        // host's here, after the scenario's fake programs.
        if k == "PATH" && v == dsig::model::DEFAULT_PATH {
            continue;
        }
        env.retain(|(x, _)| *x != k);
        env.push((k, v));
    }
    env.push(("APP_MARKER".into(), marker.display().to_string()));
    env.push(("APP_RECORD".into(), record.display().to_string()));
    let signal = stop_signal(dockerfile);

    let mut p = Pid1::start(&argv, &place.ctx, &env);
    // Started: the app has recorded itself (and the script has had time to
    // go on, e.g. to set a trap after `./app &`), or enough time has passed.
    let t0 = Instant::now();
    let mut seen: Option<Instant> = None;
    let early = loop {
        if let Some(st) = p.exited() {
            break Some(st);
        }
        if seen.is_none() && record.exists() {
            seen = Some(Instant::now());
        }
        let settled = seen.is_some_and(|s| s.elapsed() >= Duration::from_millis(300));
        if (settled && t0.elapsed() >= Duration::from_millis(400))
            || t0.elapsed() >= Duration::from_millis(1200)
        {
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let records = || -> Vec<String> {
        let text = std::fs::read_to_string(&record).unwrap_or_default();
        let set: BTreeSet<String> = text
            .split_inclusive("--\n")
            .filter(|b| !b.trim().is_empty())
            .map(str::to_string)
            .collect();
        set.into_iter().collect()
    };
    if let Some(st) = early {
        let recs = records();
        let outcome = if !recs.is_empty() {
            Outcome::ExitedAtStart
        } else if st.success() {
            Outcome::Finished
        } else {
            Outcome::FailedToStart
        };
        return Observed {
            outcome,
            records: recs,
            detail: format!("PID 1 {st} before the stop signal"),
        };
    }
    let pid = p.pid.expect("PID 1 seen while running");
    let t = Instant::now();
    kill(pid, &signal);
    let status = loop {
        if let Some(st) = p.exited() {
            break Some(st);
        }
        if t.elapsed() >= STOP_BOUND {
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = t.elapsed();
    drop(p);
    let ev = std::fs::read_to_string(&events).unwrap_or_default();
    let mut started = BTreeSet::new();
    let mut graceful = BTreeSet::new();
    for l in ev.lines() {
        let w: Vec<&str> = l.split_whitespace().collect();
        match w.as_slice() {
            ["start", pid] => {
                started.insert(pid.to_string());
            }
            ["graceful", pid, _] => {
                graceful.insert(pid.to_string());
            }
            _ => {}
        }
    }
    let outcome = match status {
        None => Outcome::Ignored,
        Some(_) if started.is_subset(&graceful) => Outcome::Stopped,
        Some(_) => Outcome::AppKilled,
    };
    let detail = match status {
        Some(st) => format!(
            "{signal}: PID 1 {st} in {:.2}s; apps started {}, graceful {}",
            took.as_secs_f64(),
            started.len(),
            graceful.len()
        ),
        None => format!("{signal}: PID 1 still running after {STOP_BOUND:?}"),
    };
    Observed {
        outcome,
        records: records(),
        detail,
    }
}

/// The result of one scenario × shell.
struct Row {
    scenario: String,
    shell: &'static str,
    verdict: String,
    dsig_graceful: bool,
    kernel: Outcome,
    after: String,
    problems: Vec<String>,
}

fn run_one(root: &Path, work: &Path, app: &Path, scenario: &str, shell: &'static str) -> Row {
    let base = work.join(format!("{scenario}--{shell}"));
    let place = Place {
        ctx: base.join("app"),
        bin: base.join("bin"),
        shell,
    };
    copy_dir(&root.join(scenario), &place.ctx);
    std::fs::copy(app, place.ctx.join("app")).unwrap();
    copy_dir(&root.join("_bin"), &place.bin);
    std::fs::copy(app, place.bin.join(".server")).unwrap();
    let sh_target = match place.shell {
        "dash" => host("dash"),
        "ash" => host("busybox"),
        _ => host("bash"),
    };
    std::os::unix::fs::symlink(&sh_target, place.bin.join("sh")).unwrap();
    // Programs that drop privileges write the marker and record as nobody.
    chmod(&base, 0o755);
    chmod(&place.ctx, 0o777);

    let df_path = place.ctx.join("Dockerfile");
    let original = std::fs::read_to_string(&df_path).unwrap();
    let text = rebase(&original, shell);
    std::fs::write(&df_path, &text).unwrap();
    let mut problems = Vec::new();

    // dsig reads the scripts as the image has them (`#!/bin/sh`).
    let opts = dsig::LintOptions::for_file(&df_path);
    let report = dsig::lint("Dockerfile", &text, &opts);
    let codes = says_not_graceful(&report);
    let dsig_graceful = codes.is_empty();
    let verdict = if dsig_graceful {
        "graceful".to_string()
    } else {
        format!("not ({})", codes.join(","))
    };
    let fixed = dsig::fix("Dockerfile", &text, &opts, true);

    rewrite_shebangs(&place.ctx, &place.sh());
    rewrite_shebangs(&place.bin, &place.sh());
    let before = observe(&place, &text);
    // `# dsig-known-miss: why`: a documented disagreement, listed in the
    // table; it must still disagree (else the line is to be removed).
    let known_miss = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix("# dsig-known-miss:"))
        .map(str::trim);
    match (before.outcome.graceful() != dsig_graceful, known_miss) {
        (true, None) => problems.push(format!(
            "{scenario} [{shell}]: dsig says {verdict}, kernel: {} ({})",
            before.outcome.label(),
            before.detail
        )),
        (false, Some(_)) => problems.push(format!(
            "{scenario} [{shell}]: marked `# dsig-known-miss` but dsig now agrees with the kernel: remove the line"
        )),
        _ => {}
    }

    let changed = fixed.applied > 0 || fixed.text != text || !fixed.others.is_empty();
    let after = if changed {
        std::fs::write(&df_path, &fixed.text).unwrap();
        for f in &fixed.others {
            std::fs::write(&f.disk, &f.text).unwrap();
        }
        rewrite_shebangs(&place.ctx, &place.sh());
        let again = observe(&place, &fixed.text);
        let mut what = again.outcome.label().to_string();
        if !again.outcome.graceful() {
            problems.push(format!(
                "{scenario} [{shell}]: after dsig --fix --unsafe-fixes: {} ({})",
                again.outcome.label(),
                again.detail
            ));
        }
        if !before.records.is_empty() && again.records != before.records {
            what.push_str(", app started differently");
            problems.push(format!(
                "{scenario} [{shell}]: after dsig --fix --unsafe-fixes the app is started differently:\n  before: {:?}\n  after:  {:?}",
                before.records, again.records
            ));
        }
        what
    } else {
        if dsig_graceful {
            "-".to_string()
        } else {
            "no automatic fix".to_string()
        }
    };
    Row {
        scenario: scenario.to_string(),
        shell,
        verdict,
        dsig_graceful,
        kernel: before.outcome,
        after,
        problems,
    }
}

fn can_run() -> bool {
    let mut missing: Vec<&str> = Vec::new();
    if !is_root() {
        missing.push("root");
    }
    for tool in [
        "unshare", "dash", "bash", "busybox", "tini", "gosu", "gcc", "setpriv", "chroot", "nohup",
        "setsid", "kill",
    ] {
        if which(tool).is_none() {
            missing.push(tool);
        }
    }
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI=true: the adversarial behaviour suite must run; missing: {}",
        missing.join(", ")
    );
    println!(
        "skipped: the adversarial behaviour suite needs {}",
        missing.join(", ")
    );
    false
}

/// The committed kernel outcomes: (scenario, shell) → outcome label.
fn read_kernel_table(path: &Path) -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((
                (f.next()?.to_string(), f.next()?.to_string()),
                f.next()?.to_string(),
            ))
        })
        .collect()
}

#[test]
fn adversarial_scenarios_stop_as_dsig_says() {
    if !can_run() {
        return;
    }
    let t0 = Instant::now();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/behaviour/adversarial");
    let work = std::env::temp_dir().join(format!("dsig-adversarial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    chmod(&work, 0o755);
    let app = build_app(&work);

    let mut scenarios: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("Dockerfile").is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    scenarios.sort();
    let jobs: Vec<(String, &'static str)> = scenarios
        .iter()
        .flat_map(|s| {
            let df = std::fs::read_to_string(root.join(s).join("Dockerfile")).unwrap();
            scenario_shells(&df)
                .into_iter()
                .map(move |sh| (s.clone(), sh))
        })
        .collect();

    let next = AtomicUsize::new(0);
    let rows: Mutex<Vec<Row>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((scenario, shell)) = jobs.get(i) else {
                    break;
                };
                let row = run_one(&root, &work, &app, scenario, shell);
                rows.lock().unwrap().push(row);
            });
        }
    });
    let _ = std::fs::remove_dir_all(&work);
    let mut rows = rows.into_inner().unwrap();
    rows.sort_by(|a, b| {
        (&a.scenario, shell_rank(a.shell)).cmp(&(&b.scenario, shell_rank(b.shell)))
    });

    // The table.
    let mut lines = vec![format!(
        "{:<40} {:<5} {:<24} {:<28} {:<5} after dsig --fix --unsafe-fixes",
        "scenario", "shell", "dsig", "kernel", "agree"
    )];
    for r in &rows {
        let agree = r.dsig_graceful == r.kernel.graceful();
        lines.push(format!(
            "{:<40} {:<5} {:<24} {:<28} {:<5} {}",
            r.scenario,
            r.shell,
            r.verdict,
            r.kernel.label(),
            if agree { "yes" } else { "NO" },
            r.after
        ));
    }
    let agreeing = rows
        .iter()
        .filter(|r| r.dsig_graceful == r.kernel.graceful())
        .count();
    lines.push(format!(
        "\n{} scenarios, {} runs; dsig agrees with the kernel on {agreeing}/{}; {:.1}s",
        scenarios.len(),
        rows.len(),
        rows.len(),
        t0.elapsed().as_secs_f64()
    ));
    let table = lines.join("\n");
    println!("{table}");
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    let _ = std::fs::create_dir_all(&target);
    let _ = std::fs::write(target.join("adversarial-table.txt"), &table);

    // The kernel's outcomes against the committed table.
    let tsv = root.join("KERNEL.tsv");
    let mut kernel_changes = Vec::new();
    if std::env::var_os("DSIG_ADVERSARIAL_WRITE").is_some() {
        let mut out = String::from(
            "# What the kernel does with each scenario's PID 1 on the stop signal, per /bin/sh.\n\
             # Generated by DSIG_ADVERSARIAL_WRITE=1 cargo test --test adversarial; checked by it.\n\
             # scenario\tshell\toutcome\n",
        );
        for r in &rows {
            let _ = writeln!(out, "{}\t{}\t{}", r.scenario, r.shell, r.kernel.label());
        }
        std::fs::write(&tsv, out).unwrap();
        println!("wrote {}", tsv.display());
    } else {
        let mut committed = read_kernel_table(&tsv);
        for r in &rows {
            match committed.remove(&(r.scenario.clone(), r.shell.to_string())) {
                Some(o) if o == r.kernel.label() => {}
                Some(o) => kernel_changes.push(format!(
                    "{} [{}]: KERNEL.tsv says {o}, the kernel did {}",
                    r.scenario,
                    r.shell,
                    r.kernel.label()
                )),
                None => kernel_changes.push(format!(
                    "{} [{}]: not in KERNEL.tsv (the kernel did {})",
                    r.scenario,
                    r.shell,
                    r.kernel.label()
                )),
            }
        }
        for ((s, sh), o) in committed {
            kernel_changes.push(format!("{s} [{sh}]: in KERNEL.tsv ({o}) but not run"));
        }
    }

    let problems: Vec<String> = rows.iter().flat_map(|r| r.problems.clone()).collect();
    let mut message = String::new();
    if !kernel_changes.is_empty() {
        let _ = write!(message,
            "the kernel's outcomes differ from testdata/behaviour/adversarial/KERNEL.tsv (a host shell or a scenario changed; regenerate with DSIG_ADVERSARIAL_WRITE=1 after checking):\n{}\n\n",
            kernel_changes.join("\n")
        );
    }
    if !problems.is_empty() {
        let _ = write!(
            message,
            "dsig disagrees with the kernel on {} of {} runs, or its fix does not work:\n{}",
            rows.len() - agreeing,
            rows.len(),
            problems.join("\n")
        );
    }
    assert!(message.is_empty(), "{message}");
}

fn shell_rank(shell: &str) -> usize {
    SHELLS.iter().position(|(s, _)| *s == shell).unwrap_or(9)
}
