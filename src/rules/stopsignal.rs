//! SIG023 stopsignal.

use super::Context;
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};
use crate::model::Setting;
use crate::syntax::{Args, Kind};

pub const META: RuleMeta = RuleMeta {
    code: "SIG023",
    slug: "stopsignal",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes(FixSafety::Unsafe),
    summary:
        "STOPSIGNAL that is invalid, cannot be handled, or is not the daemon's graceful signal",
    doc: include_str!("../../rules/stopsignal.md"),
};

const NAMES: &[&str] = &[
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL", "USR1", "SEGV",
    "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
    "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "POLL", "PWR", "SYS",
];

/// Normalise a STOPSIGNAL value to a name (`SIGTERM`, `15`, `term` → TERM).
/// `None` when Docker would reject it.
#[must_use] 
pub fn normalize(v: &str) -> Option<String> {
    let u = v.trim().to_ascii_uppercase();
    let u = u.strip_prefix("SIG").unwrap_or(&u).to_string();
    if let Ok(n) = u.parse::<u32>() {
        let by_number = [
            "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
            "USR2", "PIPE", "ALRM", "TERM",
        ];
        return match n {
            1..=15 => Some(by_number[n as usize].to_string()),
            16..=64 => Some(format!("{n}")),
            _ => None,
        };
    }
    if NAMES.contains(&u.as_str()) {
        return Some(u);
    }
    if let Some(r) = u.strip_prefix("RTMIN").or_else(|| u.strip_prefix("RTMAX")) {
        return (r.is_empty() || r.trim_start_matches(['+', '-']).parse::<u32>().is_ok())
            .then_some(u);
    }
    None
}

/// Daemons whose graceful stop is not SIGTERM, with their signal and source.
pub const DAEMONS: &[(&str, &str, &str)] = &[
    ("nginx", "QUIT", "nginx: SIGQUIT is graceful shutdown, SIGTERM is fast shutdown (nginx.org/en/docs/control.html)"),
    ("httpd", "WINCH", "Apache httpd: SIGWINCH is graceful-stop (httpd.apache.org/docs/2.4/stopping.html)"),
    ("httpd-foreground", "WINCH", "Apache httpd: SIGWINCH is graceful-stop (httpd.apache.org/docs/2.4/stopping.html)"),
    ("apache2", "WINCH", "Apache httpd: SIGWINCH is graceful-stop (httpd.apache.org/docs/2.4/stopping.html)"),
    ("apachectl", "WINCH", "Apache httpd: SIGWINCH is graceful-stop (httpd.apache.org/docs/2.4/stopping.html)"),
    ("php-fpm", "QUIT", "php-fpm: SIGQUIT is graceful shutdown, SIGTERM immediate termination (php.net/manual/en/install.fpm.php)"),
    ("haproxy", "USR1", "HAProxy: SIGUSR1 is soft stop, SIGTERM hard stop (docs.haproxy.org, management: stopping)"),
    ("systemd", "RTMIN+3", "systemd: SIGRTMIN+3 halts the system manager; SIGTERM makes it serialize its state and re-execute itself, so it never stops (man 1 systemd, SIGNALS)"),
    ("runsvdir", "HUP", "runit: on SIGHUP runsvdir sends SIGTERM to every runsv, which stops its service, then exits; on SIGTERM it exits at once and the services are SIGKILLed with the container (man 8 runsvdir)"),
    ("postgres", "INT", "PostgreSQL: SIGTERM is smart shutdown (waits for every client to disconnect), SIGINT fast shutdown (postgresql.org/docs/current/server-shutdown.html)"),
];

fn daemon(
    program: &str,
    shell: &crate::model::SystemShell,
) -> Option<&'static (&'static str, &'static str, &'static str)> {
    use crate::model::SystemShell;
    use crate::shell::ShellKind;
    let base = crate::shell::base_name(program);
    // `/sbin/init` is systemd on the Debian, Ubuntu and RHEL families (the
    // systemd-sysv package, systemd's own symlink); on Alpine it is busybox
    // init, and on an image dsig does not know it could be either.
    let base = match (program, shell) {
        (
            "/sbin/init" | "/usr/sbin/init",
            SystemShell::Known(ShellKind::Dash | ShellKind::Bash, _),
        ) => "systemd",
        // runit's packaged start script execs runsvdir (imeyer's runit RPM,
        // omnibus-gitlab's embedded runit).
        (_, _) if base == "runsvdir-start" => "runsvdir",
        _ => base,
    };
    DAEMONS
        .iter()
        .find(|(n, _, _)| base == *n || (*n == "php-fpm" && base.starts_with("php-fpm")))
}

pub fn check(ctx: &Context) {
    let Some(st) = ctx.image.final_stage() else {
        return;
    };
    // Validity of every STOPSIGNAL instruction in the final stage.
    for i in st.from_at + 1..st.end {
        let ins = &ctx.dockerfile.instructions[i];
        let (Kind::StopSignal, Args::Text(t)) = (ins.kind, &ins.args) else {
            continue;
        };
        if t.value.contains('$') {
            continue; // build arg: known only at build time
        }
        match normalize(&t.value).as_deref() {
            None => {
                ctx.report(
                    &META,
                    t.span(),
                    format!(
                        "`{}` is not a signal: Docker rejects the image configuration",
                        t.value
                    ),
                )
                .severity(Severity::Error)
                .label("unknown signal")
                .help("use a signal name such as SIGTERM, SIGINT or SIGQUIT");
            }
            Some(s @ ("KILL" | "STOP")) => {
                ctx.report(
                    &META,
                    t.span(),
                    format!(
                        "STOPSIGNAL SIG{s} cannot be handled: {}",
                        if s == "KILL" {
                            "the app is killed without any shutdown"
                        } else {
                            "the app is frozen, then SIGKILLed after the grace period"
                        }
                    ),
                )
                .severity(Severity::Error)
                .label(format!("SIG{s} cannot be caught"))
                .help("use the signal the app shuts down on (SIGTERM by default)");
            }
            _ => {}
        }
    }
    // The daemon's graceful signal.
    let Some(at) = ctx.chain.started_by else {
        return;
    };
    // The program that ends up running, or a supervisor that is PID 1
    // (runsvdir: what it runs is in its service directory).
    let prog = match ctx.chain.final_program() {
        Some((prog, argv, _)) => {
            // A program that daemonises gets no stop signal at all (SIG024
            // says so).
            let words: Vec<Option<&str>> = argv.iter().map(|a| Some(a.as_str())).collect();
            if crate::shell::programs::daemonises(&words).is_some() {
                return;
            }
            prog
        }
        None => match ctx.chain.pid1_init() {
            Some(init) => init,
            None => return,
        },
    };
    let Some((name, want, why)) = daemon(prog, &ctx.image.system_shell()) else {
        return;
    };
    let (current, stop_at) = match &st.stopsignal {
        Setting::Set { value, at } => (normalize(value), Some(*at)),
        Setting::Unset => (Some("TERM".to_string()), None),
        Setting::Unknown => return, // the base image (e.g. nginx's) may set it
    };
    if current.as_deref() == Some(*want) || current.is_none() {
        return;
    }
    let span = stop_at.map_or_else(
        || ctx.dockerfile.instructions[at].span(),
        |i| ctx.dockerfile.instructions[i].span(),
    );
    let d = ctx.report(
        &META,
        span,
        format!("PID 1 is {name}, whose graceful stop is SIG{want}, but `docker stop` sends SIG{}: {why}", current.unwrap_or_default()),
    )
    .label(format!("{name} stops gracefully on SIG{want}"))
    .help(format!("add `STOPSIGNAL SIG{want}`"));
    let nl = if ctx.text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let edit = if let Some(i) = stop_at.filter(|i| *i > st.from_at) {
        let args = ctx.dockerfile.instructions[i].args_span();
        (args, format!("SIG{want}"))
    } else {
        let p = crate::diagnostic::line_start(ctx.text, ctx.dockerfile.instructions[at].span().start);
        (p..p, format!("STOPSIGNAL SIG{want}{nl}"))
    };
    // Unsafe: it changes how the container stops (graceful waits longer).
    d.fix(ctx.fix(
        FixSafety::Unsafe,
        format!("Set STOPSIGNAL SIG{want}"),
        vec![edit],
    ));
}
