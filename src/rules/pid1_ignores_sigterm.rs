//! SIG020 pid1-ignores-sigterm.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    code: "SIG020",
    slug: "pid1-ignores-sigterm",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes(FixSafety::Unsafe),
    summary: "PID 1 is a program that has no SIGTERM handler by default, and no init is in front",
    doc: include_str!("../../rules/pid1-ignores-sigterm.md"),
};

/// A program's SIGTERM behaviour as PID 1 of a PID namespace, and how that
/// was checked: measured (tests/runtimes.rs runs `probe`) or, for programs
/// that cannot be installed here, read in their documentation (`source`).
pub struct Runtime {
    /// Program names (basename) it covers.
    pub names: &'static [&'static str],
    /// True: SIGTERM to it as PID 1 does not stop it (no handler, so the
    /// kernel drops it; or, for uWSGI, its handler reloads).
    pub ignores: bool,
    /// argv of a long-running instance, for the measurement; `{dir}` is a
    /// directory holding the small apps and configuration files the test
    /// writes (wsgi.py, asgi.py, tasks.py, nginx.conf, ...). Empty: not
    /// measured here.
    pub probe: &'static [&'static str],
    /// Where the behaviour is documented, for entries that are not measured.
    pub source: &'static str,
}

const fn measured(
    names: &'static [&'static str],
    ignores: bool,
    probe: &'static [&'static str],
) -> Runtime {
    Runtime {
        names,
        ignores,
        probe,
        source: "",
    }
}

const fn documented(
    names: &'static [&'static str],
    ignores: bool,
    source: &'static str,
) -> Runtime {
    Runtime {
        names,
        ignores,
        probe: &[],
        source,
    }
}

/// The runtime table of rules/pid1-ignores-sigterm.md.
pub const RUNTIMES: &[Runtime] = &[
    measured(&["node", "nodejs"], true, &["node", "-e", "setTimeout(()=>{},100000)"]),
    measured(&["python", "python3"], true, &["python3", "-c", "import time; time.sleep(100)"]),
    measured(&["perl"], true, &["perl", "-e", "sleep(100)"]),
    measured(&["sleep"], true, &["sleep", "100"]),
    measured(&["tail"], true, &["tail", "-f", "/dev/null"]),
    measured(&["cat"], true, &["cat"]),
    measured(&["bash", "sh", "dash", "ash"], true, &["bash", "-c", "sleep 100; true"]),
    measured(&["cron"], true, &["cron", "-f"]),
    measured(&["uwsgi"], true, &["uwsgi", "--master", "--http-socket", "127.0.0.1:0", "--plugin", "python3", "--wsgi-file", "{dir}/wsgi.py"]),
    measured(&["ruby"], false, &["ruby", "-e", "sleep(100)"]),
    measured(&["java"], false, &["java", "-XX:+UseSerialGC", "-e"]),
    measured(&["gunicorn"], false, &["gunicorn", "-b", "127.0.0.1:0", "wsgi:app"]),
    measured(&["uvicorn"], false, &["/usr/bin/python3", "-m", "uvicorn", "--port", "0", "asgi:app"]),
    measured(&["hypercorn"], false, &["hypercorn", "-b", "127.0.0.1:0", "asgi:app"]),
    measured(&["daphne"], false, &["daphne", "-b", "127.0.0.1", "-p", "0", "asgi:app"]),
    measured(&["celery"], false, &["/usr/bin/python3", "-m", "celery", "-A", "tasks", "worker", "-P", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle"]),
    measured(&["nginx"], false, &["nginx", "-c", "{dir}/nginx.conf"]),
    measured(&["httpd", "apache2"], false, &["apache2", "-f", "{dir}/httpd.conf", "-DFOREGROUND"]),
    measured(&["php-fpm"], false, &["php-fpm8.2", "-F", "-y", "{dir}/php-fpm.conf"]),
    measured(&["redis-server"], false, &["redis-server", "{dir}/redis.conf"]),
    measured(&["supervisord"], false, &["supervisord", "-n", "-c", "{dir}/supervisord.conf"]),
    measured(&["caddy"], false, &["caddy", "run", "--config", "{dir}/Caddyfile", "--adapter", "caddyfile"]),
    measured(&["prometheus"], false, &["prometheus", "--config.file={dir}/prometheus.yml", "--storage.tsdb.path={dir}/prometheus", "--web.listen-address=127.0.0.1:18485"]),
    documented(&["postgres"], false, "https://www.postgresql.org/docs/current/server-shutdown.html"),
    documented(&["mysqld", "mariadbd"], false, "https://dev.mysql.com/doc/refman/8.0/en/unix-signal-response.html"),
    documented(&["mongod"], false, "https://www.mongodb.com/docs/manual/tutorial/manage-mongodb-processes/"),
    documented(&["traefik", "grafana-server", "grafana"], false, "https://pkg.go.dev/os/signal#hdr-Default_behavior_of_signals_in_Go_programs"),
    documented(&["pm2-runtime"], false, "https://github.com/Unitech/pm2/blob/f30b7b719807783f9ab3d8aa77ad97459228a947/lib/binaries/Runtime4Docker.js"),
];

/// Programs of [`RUNTIMES`] that ignore SIGTERM as PID 1 but have a default
/// handler for another stop signal (`STOPSIGNAL SIGINT`): Python raises
/// `KeyboardInterrupt` on SIGINT. Measured as PID 1 by tests/runtimes.rs
/// (`other_stop_signals`, which also finds Node.js deaf to SIGINT and both
/// deaf to SIGQUIT).
pub const DEFAULT_HANDLERS: &[(&str, &str)] = &[("python", "INT")];

/// The runtime entry for a program, by basename (`python3.12` → python3).
#[must_use] 
pub fn runtime(program: &str) -> Option<&'static Runtime> {
    let base = crate::shell::base_name(program);
    let trimmed = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    RUNTIMES
        .iter()
        .find(|r| r.names.contains(&base) || r.names.contains(&trimmed))
}

/// uWSGI is told to shut down on SIGTERM (`--die-on-term`, its
/// environment variable, or `die-on-term` in the ini file it is given, which
/// the app reader reads).
fn uwsgi_dies_on_term(ctx: &Context, argv: &[String]) -> bool {
    argv.iter()
        .any(|a| a == "--die-on-term" || a.starts_with("--die-on-term="))
        || crate::model::app::find(&ctx.chain.apps, argv)
            .is_some_and(|a| a.handler("TERM").is_some())
        || ctx
            .image
            .final_stage()
            .is_some_and(|st| st.env.iter().any(|(k, _)| k == "UWSGI_DIE_ON_TERM"))
}

/// Why making `argv` PID 1 (with no init in front) would leave the
/// container deaf to SIGTERM, if it would: the program is in the runtime
/// table as ignoring it and, for an interpreter, dsig read its app and
/// found no handler there. `None` when it handles SIGTERM or dsig cannot
/// tell (an app it could not read, a STOPSIGNAL other than SIGTERM). Shells
/// are not judged (the script they run is).
pub fn would_ignore_as_pid1(ctx: &Context, argv: &[String]) -> Option<String> {
    if shared::stop_signal(ctx) != "TERM" {
        return None; // the table is about SIGTERM; STOPSIGNAL says otherwise
    }
    let argv = crate::model::app::unwrap(argv);
    let prog = argv.first()?;
    if crate::shell::is_shell_program(prog) {
        return None;
    }
    let app = crate::model::app::find(&ctx.chain.apps, argv);
    let judged = app
        .and_then(|a| a.module_program.as_deref())
        .unwrap_or(prog);
    let rt = runtime(judged).filter(|r| r.ignores)?;
    let name = crate::shell::base_name(judged);
    if rt.names[0] == "uwsgi" {
        return (!uwsgi_dies_on_term(ctx, argv)).then(|| {
            "`uwsgi` would become PID 1, and it reloads on SIGTERM unless `--die-on-term` is set".to_string()
        });
    }
    match app {
        Some(a) if a.handler("TERM").is_some() => None,
        Some(a) if a.unread.is_none() => Some(format!(
            "`{name}` would become PID 1, and dsig found no SIGTERM handler in {}: as PID 1 it would ignore SIGTERM",
            a.looked_in()
        )),
        // An app dsig could not read may have a handler: the `exec` stays
        // (this rule then warns about the program as PID 1).
        _ if crate::model::app::Lang::of(name).is_some() => None,
        _ => Some(format!(
            "`{name}` would become PID 1, and it has no SIGTERM handler: as PID 1 it ignores SIGTERM (measured)"
        )),
    }
}

pub fn check(ctx: &Context) {
    let Some(at) = ctx.chain.started_by else {
        return;
    };
    if ctx.chain.has_init() {
        return;
    }
    let Some((prog, argv, as_child)) = ctx.chain.final_program() else {
        return;
    };
    if as_child {
        return; // a shell or script is PID 1: SIG001/SIG010 say so
    }
    if crate::shell::is_shell_program(prog) && !ctx.chain.scripts.is_empty() {
        return; // a script's shell: the script rules judge it
    }
    let app = crate::model::app::find(&ctx.chain.apps, argv);
    // `python -m gunicorn` is gunicorn.
    let judged = app
        .and_then(|a| a.module_program.as_deref())
        .unwrap_or(prog);
    let Some(rt) = runtime(judged).filter(|r| r.ignores) else {
        return;
    };
    let name = crate::shell::base_name(prog);
    let ins = &ctx.dockerfile.instructions[at];
    let stop = shared::stop_signal(ctx);
    if stop != "TERM" {
        // The table is measured with SIGTERM: another stop signal is judged
        // by the program's default handlers and the app's own.
        if rt.names[0] == "uwsgi"
            || DEFAULT_HANDLERS
                .iter()
                .any(|(n, s)| rt.names[0] == *n && *s == stop)
            || app.is_some_and(|a| a.handler(&stop).is_some())
        {
            return;
        }
    }
    if rt.names[0] == "uwsgi" {
        if uwsgi_dies_on_term(ctx, argv) {
            return;
        }
        ctx.report(
            &META,
            ins.span(),
            format!(
                "`{name}` is PID 1 and, unless its configuration sets `die-on-term`, reloads on SIGTERM (uWSGI 2.0's default, measured): `docker stop` waits the grace period and SIGKILLs it"
            ),
        )
        .label(format!("PID 1 is `{name}`"))
        .help("add `--die-on-term` (ini: `die-on-term = true`) so that SIGTERM shuts uWSGI down; an init in front does not help, it forwards SIGTERM, which still reloads");
        return;
    }
    if app.is_some_and(|a| a.handler(&stop).is_some()) {
        return; // the app handles the stop signal itself (see the rule doc)
    }
    let lang = crate::model::app::Lang::of(name);
    let what = match (app, lang) {
        (Some(a), Some(l)) if a.unread.is_none() => format!(
            "`{name}` is PID 1 with no init in front, and dsig found no SIG{stop} handler in the app: it looked for {} in {}",
            l.looked_for().replace("SIGTERM", &format!("SIG{stop}")),
            a.looked_in()
        ),
        (Some(a), Some(_)) => format!(
            "`{name}` is PID 1 and, unless the app installs its own handler, has none for SIG{stop} (dsig could not read the app: {})",
            a.unread.as_deref().unwrap_or("")
        ),
        (None, Some(_)) => format!(
            "`{name}` is PID 1 and, unless the app installs its own handler, has none for SIG{stop}"
        ),
        (_, None) => format!("`{name}` is PID 1 and has no SIG{stop} handler"),
    };
    let d = ctx.report(
        &META,
        ins.span(),
        format!(
            "{what}: the kernel drops SIG{stop} sent to PID 1 without a handler, so `docker stop` SIGKILLs it after the grace period; nothing reaps zombies either"
        ),
    )
    .label(format!("PID 1 is `{name}`"));
    let hint = match lang {
        Some(l) => format!(
            ", or make sure the app handles SIG{stop} ({})",
            l.example().replace("SIGTERM", &format!("SIG{stop}"))
        ),
        None => String::new(),
    };
    // Programs a script left in the background before it exec'd this one:
    // an init in front signals only its child, and they are SIGKILLed when
    // it exits (adversarial scenario h-tail-devnull-keepalive).
    let left_behind = ctx.chain.scripts.iter().any(|s| {
        s.flow.paths.iter().any(|p| {
            matches!(p.end, crate::shell::flow::End::Exec { .. })
                && p.jobs
                    .iter()
                    .any(|j| j.prog.lifetime != crate::shell::flow::Lifetime::OneShot)
        })
    });
    let fix = if left_behind {
        Err("a script leaves programs in the background before it execs this one, and an init in front would signal only its own child".to_string())
    } else {
        shared::init_fix(ctx, false)
    };
    match fix {
        Ok(fix) => {
            d.help(format!(
                "run an init in front that forwards signals and reaps zombies ({}, or `docker run --init`){hint}",
                ctx.init.name()
            ))
            .fix(fix);
        }
        Err(why) => {
            d.help(match lang {
                Some(l) => format!(
                    "make sure the app handles SIG{stop} ({}), or add an init: {why}",
                    l.example().replace("SIGTERM", &format!("SIG{stop}"))
                ),
                None => format!("add an init: {why}"),
            });}
    }
}
