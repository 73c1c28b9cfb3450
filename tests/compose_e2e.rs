//! Compose end to end: the real `docker-compose` (Debian's 1.29.2) on the
//! machine's Docker Engine against `dsig lint compose.yaml`.
//!
//! The project is testdata/compose/e2e/compose.yaml: one service per way a
//! compose file changes what runs as PID 1 (`init: true`, `command:` in exec
//! and string form, `entrypoint:` as a string, `stop_signal:`), on images
//! built from scratch with static binaries (no registry here): busybox-static,
//! bash-static and the test app (testdata/behaviour/app.c, built with `gcc
//! -static`; it handles SIGTERM, SIGINT and SIGQUIT and logs its graceful
//! shutdown). The seed's v2 (testdata/e2e/seed/v2) is one of the build
//! contexts. The test copies both directories into a temporary directory laid
//! out as testdata/ is, puts the binaries into every build context, and runs
//! `docker-compose build`, `up -d`, then `docker-compose stop -t 3 SERVICE`
//! for each service in turn, timed, and reads the container's exit code.
//!
//! Observed graceful = exit code not 137 (137 = SIGKILLed when the 3 s ran
//! out) and the stop took less than 2.5 s (`docker-compose` itself takes about
//! 0.5 s to start); when the service runs the app, the app must also have
//! logged its graceful shutdown. Each service's observed outcome is checked
//! against the scenario's expectation written below (so the scenario itself is
//! checked against the kernel) and against dsig's verdict: the service's
//! entry in the `units` of `dsig lint --format json compose.yaml` (graceful
//! when its lint, the image's Dockerfile and scripts included, has no error
//! or warning); findings at the service's own lines (message
//! `service "NAME": ...`) must agree with it.
//!
//! Skipped with a reason when docker, a Docker daemon, docker-compose or a
//! static binary is missing; with CI set that is a failure. The project (a
//! unique name per run) is always taken down with `docker-compose down -v
//! --rmi local` by a Drop guard, also when a check fails.
//! `cargo test --test compose_e2e -- --nocapture` prints the table; it is
//! also written to target/compose-e2e-table.txt.

mod common;

use common::cli::run_in;
use common::host::{build_app, docker, docker_daemon, skip, which};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `docker-compose stop -t GRACE`.
const GRACE: &str = "3";
/// A stop at least this long waited for the grace period.
const GRACEFUL_BELOW: Duration = Duration::from_millis(2500);
/// SIGKILL's exit code.
const KILLED: i64 = 137;
const STARTED: &str = "app: started";
const GRACEFUL_LOG: &str = "app: graceful shutdown on signal";

/// What the scenario says each service does on `docker-compose stop`.
struct Expect {
    service: &'static str,
    graceful: bool,
    /// Runs the test app (which logs its start and its graceful shutdown).
    runs_app: bool,
}

const SCENARIO: &[Expect] = &[
    // busybox sleep as PID 1, no init: SIGTERM dropped.
    Expect {
        service: "sleep",
        graceful: false,
        runs_app: false,
    },
    // init: true: docker-init forwards SIGTERM, sleep dies of it.
    Expect {
        service: "sleep-init",
        graceful: true,
        runs_app: false,
    },
    // The seed's v2: bash runs startup.sh, which runs the app without exec.
    Expect {
        service: "seed-v2",
        graceful: false,
        runs_app: true,
    },
    // command: exec form, the app is PID 1.
    Expect {
        service: "seed-v2-exec",
        graceful: true,
        runs_app: true,
    },
    // command: `sh -c "exec app"` as a string.
    Expect {
        service: "seed-v2-sh-exec",
        graceful: true,
        runs_app: true,
    },
    // The good image as it is.
    Expect {
        service: "app",
        graceful: true,
        runs_app: true,
    },
    // command: `sh -c "app; echo done"`: sh stays PID 1.
    Expect {
        service: "app-sh-tail",
        graceful: false,
        runs_app: true,
    },
    // The same under `init: true`: the shell dies of the SIGTERM tini
    // passes on, the app is SIGKILLed without its shutdown.
    Expect {
        service: "app-sh-tail-init",
        graceful: false,
        runs_app: true,
    },
    // A script whose trap forwards SIGINT only, stopped with SIGTERM.
    Expect {
        service: "trap-int",
        graceful: false,
        runs_app: true,
    },
    // The same with stop_signal: SIGINT.
    Expect {
        service: "trap-int-stop-signal",
        graceful: true,
        runs_app: true,
    },
    // entrypoint: `/bin/app && echo never`, split into words.
    Expect {
        service: "entrypoint-words",
        graceful: true,
        runs_app: true,
    },
];

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The compose project of one run: its name, its file and the temporary
/// directory holding it. Dropping it takes the project down (containers,
/// networks, volumes, the images it built) and removes the directory.
struct Project {
    name: String,
    dir: PathBuf,
    root: PathBuf,
    /// The images `docker-compose build` printed (` ---> ID`): a failed
    /// build leaves its steps as untagged images that `down` does not know.
    ids: Mutex<Vec<String>>,
}

impl Project {
    fn compose(&self, args: &[&str]) -> Output {
        Command::new("docker-compose")
            .arg("-p")
            .arg(&self.name)
            .arg("-f")
            .arg(self.dir.join("compose.yaml"))
            .args(args)
            .current_dir(&self.dir)
            // The legacy builder (docker-py's build API call), whatever the
            // environment says, and no settings of another project.
            .env("COMPOSE_DOCKER_CLI_BUILD", "0")
            .env("DOCKER_BUILDKIT", "0")
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_PROFILES")
            .stdin(Stdio::null())
            .output()
            .expect("run docker-compose")
    }

    fn compose_ok(&self, args: &[&str]) -> String {
        let out = self.compose(args);
        assert!(
            out.status.success(),
            "docker-compose {args:?} failed:\n{}",
            text(&out)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "-v", "--rmi", "local", "--remove-orphans"]);
        let ids = self.ids.lock().map(|v| v.clone()).unwrap_or_default();
        if !ids.is_empty() {
            // Children before parents; most are gone with `down` already.
            let mut args = vec!["rmi"];
            args.extend(ids.iter().rev().map(String::as_str));
            let _ = docker(&args);
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Copy the files of `from` (recursively) into `to`, keeping their modes.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let path = e.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(e.file_name()));
        } else {
            std::fs::copy(&path, to.join(e.file_name())).unwrap();
        }
    }
}

/// Every directory below `dir` that holds a Dockerfile.
fn build_contexts(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.join("Dockerfile").is_file() {
        out.push(dir.to_path_buf());
    }
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            build_contexts(&e.path(), out);
        }
    }
}

/// The static programs every build context gets, under these names.
fn binaries(work: &Path) -> Option<Vec<(PathBuf, &'static str)>> {
    let mut found = Vec::new();
    for (candidates, pkg, name) in [
        (
            &["/bin/busybox", "busybox"][..],
            "busybox-static",
            "busybox",
        ),
        (
            &["/bin/bash-static", "bash-static"][..],
            "bash-static",
            "bash-static",
        ),
    ] {
        let Some(p) = candidates.iter().find_map(|c| which(c)) else {
            skip(&format!(
                "{pkg} is not installed ({}; bash .ci/install-deps installs it)",
                candidates[0]
            ));
            return None;
        };
        let dynamic = Command::new("file")
            .arg(&p)
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("dynamically linked"));
        assert!(!dynamic, "{} must be a static binary", p.display());
        found.push((p, name));
    }
    if which("gcc").is_none() {
        skip("gcc is not installed (bash .ci/install-deps installs it)");
        return None;
    }
    found.push((build_app(work), "app"));
    Some(found)
}

/// One finding of `dsig lint --format json`.
struct Finding {
    code: String,
    severity: String,
    message: String,
}

/// dsig's verdict on one service (the JSON `units` entry): graceful
/// (`None`: not judged) and the codes of the findings that say it is not.
struct Unit {
    label: String,
    graceful: Option<bool>,
    codes: Vec<String>,
}

/// The `units` of dsig's JSON report.
fn dsig_units(dir: &Path) -> Result<Vec<Unit>, String> {
    let out = run_in(
        dir,
        &["lint", "--isolated", "--format", "json", "compose.yaml"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("dsig lint compose.yaml printed no JSON: {e}"))?;
    let units = v["units"]
        .as_array()
        .ok_or("dsig's JSON has no units array")?;
    Ok(units
        .iter()
        .map(|u| Unit {
            label: u["label"].as_str().unwrap_or("").to_string(),
            graceful: u["graceful"].as_bool(),
            codes: u["codes"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect())
}

/// `dsig lint --format json compose.yaml` in `dir`; Err says why there is no
/// report.
fn dsig_findings(dir: &Path) -> Result<Vec<Finding>, String> {
    let out = run_in(
        dir,
        &["lint", "--isolated", "--format", "json", "compose.yaml"],
    );
    if !matches!(out.status.code(), Some(0 | 1)) {
        return Err(format!(
            "dsig lint compose.yaml exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("dsig lint compose.yaml printed no JSON: {e}"))?;
    let diagnostics = v["diagnostics"]
        .as_array()
        .ok_or("dsig's JSON has no diagnostics array")?;
    Ok(diagnostics
        .iter()
        .map(|d| Finding {
            code: d["code"].as_str().unwrap_or("?").to_string(),
            severity: d["severity"].as_str().unwrap_or("?").to_string(),
            message: d["message"].as_str().unwrap_or("").to_string(),
        })
        .collect())
}

/// The findings about one service (their message starts with its prefix).
fn about<'a>(findings: &'a [Finding], service: &str) -> Vec<&'a Finding> {
    let prefix = format!("service \"{service}\": ");
    findings
        .iter()
        .filter(|f| f.message.starts_with(&prefix))
        .collect()
}

/// The contract: graceful when no error or warning is about the service.
fn dsig_says_graceful(findings: &[&Finding]) -> bool {
    !findings
        .iter()
        .any(|f| matches!(f.severity.as_str(), "error" | "warning"))
}

/// What `docker-compose stop` did to one service.
struct Observed {
    seconds: f64,
    exit: i64,
    /// The app logged its graceful shutdown.
    app_graceful: bool,
    log: String,
}

impl Observed {
    fn graceful(&self) -> bool {
        self.exit != KILLED && self.seconds < GRACEFUL_BELOW.as_secs_f64()
    }
}

fn container(project: &Project, service: &str) -> String {
    let id = project.compose_ok(&["ps", "-q", service]);
    assert!(!id.is_empty(), "no container for service {service}");
    id
}

fn logs(id: &str) -> String {
    text(&docker(&["logs", id]))
}

/// Wait until every service's container runs (and its app has started:
/// the app installs its handlers before it logs its start).
fn wait_ready(project: &Project) {
    let deadline = Instant::now() + Duration::from_secs(30);
    for e in SCENARIO {
        let id = container(project, e.service);
        loop {
            let running = text(&docker(&["inspect", "-f", "{{.State.Running}}", &id]));
            let ready = running.trim() == "true" && (!e.runs_app || logs(&id).contains(STARTED));
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "service {} did not start within 30 s (running: {}):\n{}",
                e.service,
                running.trim(),
                logs(&id)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // The scripts install their traps after starting the app.
    std::thread::sleep(Duration::from_millis(500));
}

fn stop(project: &Project, service: &str) -> Observed {
    let id = container(project, service);
    let start = Instant::now();
    project.compose_ok(&["stop", "-t", GRACE, service]);
    let seconds = start.elapsed().as_secs_f64();
    let exit = text(&docker(&["inspect", "-f", "{{.State.ExitCode}}", &id]));
    let exit = exit
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("exit code of {service}: {exit}"));
    let log = logs(&id);
    Observed {
        seconds,
        exit,
        app_graceful: log.contains(GRACEFUL_LOG),
        log,
    }
}

#[test]
fn compose_stop_agrees_with_dsig() {
    let total = Instant::now();
    if let Err(why) = docker_daemon() {
        return skip(&why);
    }
    if which("docker-compose").is_none() {
        return skip("no docker-compose command (Debian's docker-compose package)");
    }
    let version = Command::new("docker-compose")
        .arg("version")
        .arg("--short")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();

    let name = format!("dsig-compose-e2e-{}", std::process::id());
    let root = std::env::temp_dir().join(&name);
    let _ = std::fs::remove_dir_all(&root);
    let project = Project {
        name: name.clone(),
        dir: root.join("compose/e2e"),
        root: root.clone(),
        ids: Mutex::default(),
    };
    // testdata/'s layout: compose.yaml builds ../../e2e/seed/v2.
    let testdata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata");
    copy_tree(&testdata.join("compose/e2e"), &project.dir);
    copy_tree(&testdata.join("e2e/seed/v2"), &root.join("e2e/seed/v2"));
    // A repository, as a project is: dsig reads build contexts inside the
    // repository root only (`../../e2e/seed/v2` leaves the compose
    // directory).
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&root)
        .status();
    assert!(
        git.is_ok_and(|s| s.success()),
        "git init in {}",
        root.display()
    );
    let work = root.join("bin");
    std::fs::create_dir_all(&work).unwrap();
    let Some(bins) = binaries(&work) else {
        return;
    };
    let mut contexts = Vec::new();
    build_contexts(&root, &mut contexts);
    for ctx in &contexts {
        for (from, name) in &bins {
            std::fs::copy(from, ctx.join(name)).expect("copy a static binary");
        }
    }

    // The scenario names every service of the file, once.
    let services = project.compose_ok(&["config", "--services"]);
    let mut in_file: Vec<&str> = services.lines().collect();
    let mut in_scenario: Vec<&str> = SCENARIO.iter().map(|e| e.service).collect();
    in_file.sort_unstable();
    in_scenario.sort_unstable();
    assert_eq!(
        in_file, in_scenario,
        "compose.yaml's services and the scenario differ"
    );

    // dsig first: it reads the same files docker-compose builds.
    let findings = dsig_findings(&project.dir);
    let units = dsig_units(&project.dir);

    // Without --no-cache, so that services of one context share its layers;
    // a layer cached from another project's image only delays that image's
    // removal until this project's images are gone.
    let build_start = Instant::now();
    let out = project.compose(&["build", "--force-rm"]);
    project
        .ids
        .lock()
        .unwrap()
        .extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| {
                    let id = l.strip_prefix(" ---> ")?;
                    (id.len() >= 12 && id.bytes().all(|b| b.is_ascii_hexdigit()))
                        .then(|| id.to_string())
                }),
        );
    assert!(
        out.status.success(),
        "docker-compose build failed:\n{}",
        text(&out)
    );
    let build_secs = build_start.elapsed().as_secs_f64();
    project.compose_ok(&["up", "-d"]);
    wait_ready(&project);

    let mut problems: Vec<String> = Vec::new();
    let mut table = String::new();
    let _ = writeln!(
        table,
        "docker-compose {version} on Docker {}: `docker-compose stop -t {GRACE} SERVICE`",
        String::from_utf8_lossy(&docker(&["info", "--format", "{{.ServerVersion}}"]).stdout).trim()
    );
    let _ = writeln!(
        table,
        "{:<22} {:>7} {:>5} {:<8} {:<9} {:<9} dsig findings about the service",
        "service", "stop s", "exit", "app log", "observed", "expected"
    );
    for e in SCENARIO {
        let o = stop(&project, e.service);
        // Graceful: stopped in time, not SIGKILLed, and the app (when the
        // service runs it) ran its shutdown.
        let seen = o.graceful() && (!e.runs_app || o.app_graceful);
        let mine = findings.as_ref().map(|f| about(f, e.service));
        let label = format!("service \"{}\"", e.service);
        let unit = units
            .as_ref()
            .ok()
            .and_then(|u| u.iter().find(|u| u.label == label));
        let dsig = match (&mine, unit) {
            (Ok(f), Some(u)) => format!(
                "{}; {}",
                match u.graceful {
                    Some(true) => "graceful".to_string(),
                    Some(false) => format!("not graceful ({})", u.codes.join(", ")),
                    None => "not judged".to_string(),
                },
                if f.is_empty() {
                    "no finding at the service".to_string()
                } else {
                    f.iter()
                        .map(|f| format!("{} {}", f.code, f.severity))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            _ => "(no report)".to_string(),
        };
        let verdict = |g: bool| if g { "graceful" } else { "not" };
        let _ = writeln!(
            table,
            "{:<22} {:>7.2} {:>5} {:<8} {:<9} {:<9} {dsig}",
            e.service,
            o.seconds,
            o.exit,
            if !e.runs_app {
                "-"
            } else if o.app_graceful {
                "graceful"
            } else {
                "none"
            },
            verdict(seen),
            verdict(e.graceful),
        );
        if seen != e.graceful {
            problems.push(format!(
                "scenario: {} was expected to {} but {} (exit {}, {:.2} s); log:\n{}",
                e.service,
                if e.graceful {
                    "stop gracefully"
                } else {
                    "not stop gracefully"
                },
                verdict(seen),
                o.exit,
                o.seconds,
                o.log
            ));
        }
        if let (Ok(mine), Some(unit)) = (&mine, unit) {
            // Findings at the service's own lines agree with its verdict.
            if !dsig_says_graceful(mine) && unit.graceful == Some(true) {
                problems.push(format!(
                    "dsig: {} has findings but its verdict is graceful ({dsig})",
                    e.service
                ));
            }
            let says = unit.graceful.unwrap_or(true);
            if says != seen || unit.graceful.is_none() {
                problems.push(format!(
                    "dsig: {} {} but dsig says it {} ({dsig})",
                    e.service,
                    verdict(seen),
                    verdict(says)
                ));
            }
        }
    }
    if let Err(why) = &findings {
        problems.push(format!("dsig: {why}"));
    }
    match &units {
        Err(why) => problems.push(format!("dsig: {why}")),
        Ok(u) if u.len() != SCENARIO.len() => problems.push(format!(
            "dsig judged {} services, the scenario has {}",
            u.len(),
            SCENARIO.len()
        )),
        Ok(_) => {}
    }
    let _ = writeln!(
        table,
        "build {build_secs:.1} s, whole test {:.1} s",
        total.elapsed().as_secs_f64()
    );
    println!("{table}");
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("compose-e2e-table.txt"), &table);
    drop(project);
    assert!(
        problems.is_empty(),
        "docker-compose and the scenario or dsig disagree:\n{}",
        problems.join("\n")
    );
}
