//! SIG024 several-daemons-without-supervisor.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};
use crate::shell::flow::{End, Job, Lifetime};

pub const META: RuleMeta = RuleMeta {
    code: "SIG024",
    slug: "several-daemons-without-supervisor",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes(FixSafety::Safe),
    summary: "A script starts several long-running programs in the background with nothing forwarding SIGTERM to all",
    doc: include_str!("../../rules/several-daemons-without-supervisor.md"),
};

/// The background jobs of a path that keep running (not one-shots).
fn daemons(jobs: &[Job]) -> Vec<&Job> {
    jobs.iter()
        .filter(|j| j.prog.lifetime != Lifetime::OneShot)
        .collect()
}

/// How to name a background job: `./app &`, or a program that daemonises.
fn job_name(j: &Job) -> String {
    match j.daemon {
        Some(d) => format!(
            "`{}` (it daemonises: {})",
            shared::prog_short(&j.prog),
            d.why
        ),
        None => format!("`{}`", shared::prog_short(&j.prog)),
    }
}

fn words(prog: &crate::shell::flow::Prog) -> Vec<Option<&str>> {
    prog.argv.iter().map(|w| w.as_deref()).collect()
}

pub fn check(ctx: &Context) {
    let stop = shared::stop_signal(ctx);
    let has_init = ctx.chain.has_init();
    for s in &ctx.chain.scripts {
        let mut seen = Vec::new();
        for p in &s.flow.paths {
            let when = shared::when(p);
            // `exec nginx`, `exec apache2ctl -D FOREGROUND`.
            if let End::Exec { prog, .. } = &p.end {
                if let Some(d) = program_finding(ctx, &words(prog), &stop) {
                    if !seen.contains(&prog.at) {
                        seen.push(prog.at.clone());
                        ctx.report_flow(&META, s, &prog.at, format!("{when}{}", d.0))
                            .label(d.1)
                            .help(d.2);
                    }
                }
            }
            let bg = daemons(&p.jobs);
            if bg.is_empty() || seen.contains(&bg[0].prog.at) {
                continue;
            }
            let names: Vec<String> = bg.iter().map(|j| job_name(j)).collect();
            let they = if bg.len() == 1 { "it" } else { "they" };
            let daemonised = bg.iter().find_map(|j| j.daemon);
            let (message, label, help, fix) = match &p.end {
                End::Wait { .. } => {
                    if has_init || bg.len() < 2 || p.trap(&stop).is_some_and(|t| t.forwards) {
                        continue;
                    }
                    (
                        format!(
                            "{when}{} long-running programs ({}) run in the background of a shell that is PID 1 and forwards no signal: on `docker stop` none of them gets SIG{stop} and all are SIGKILLed after the grace period",
                            bg.len(),
                            names.join(", ")
                        ),
                        "started in the background",
                        format!("run one program per container, or forward SIG{stop} to every background program and wait for them (or use a supervisor: s6-overlay, supervisord)"),
                        shared::forward_trap_fix(ctx, s, p),
                    )
                }
                End::Foreground { prog, .. } | End::Exec { prog, .. } => {
                    if has_init && daemonised.is_none() {
                        continue;
                    }
                    // A keep-alive loop of short commands with a trap that
                    // forwards the signal to the background program.
                    if matches!(
                        &p.end,
                        End::Foreground {
                            how: crate::shell::flow::How::PollLoop,
                            ..
                        }
                    ) && p.trap(&stop).is_some_and(|t| t.forwards)
                    {
                        continue;
                    }
                    let fg = shared::prog_short(prog);
                    (
                        format!(
                            "{when}{} keeps running in the background next to `{fg}`: the stop signal goes to PID 1 only, so {they} never get{} SIG{stop} and {} SIGKILLed when the container stops",
                            names.join(", "),
                            if bg.len() == 1 { "s" } else { "" },
                            if bg.len() == 1 { "is" } else { "are" },
                        ),
                        "runs in the background",
                        help(daemonised),
                        None,
                    )
                }
                End::Exit { .. } => (
                    format!(
                        "{when}the script ends while {} keeps running in the background: PID 1 exits, so the container stops at once and {they} {} killed",
                        names.join(", "),
                        if bg.len() == 1 { "is" } else { "are" },
                    ),
                    "runs in the background",
                    help(daemonised),
                    None,
                ),
                _ => continue,
            };
            seen.push(bg[0].prog.at.clone());
            ctx.report_flow(&META, s, &bg[0].prog.at, message)
                .label(label)
                .help(help)
                .fix(fix);
        }
    }
    // A program that CMD/ENTRYPOINT starts directly.
    if ctx.chain.scripts.is_empty() {
        if let (Some((_, argv, false)), Some(at)) =
            (ctx.chain.final_program(), ctx.chain.started_by)
        {
            let w: Vec<Option<&str>> = argv.iter().map(|a| Some(a.as_str())).collect();
            if let Some(d) = program_finding(ctx, &w, &stop) {
                let ins = &ctx.dockerfile.instructions[at];
                ctx.report(&META, ins.span(), d.0)
                    .label(d.1)
                    .help(d.2);
            }
        }
    }
}

/// The daemon's verdict is its package's default configuration: not when
/// the image has its own. For nginx: `-c` names another file, the
/// Dockerfile copies a file or directory onto the configuration, or a
/// startup script names the configuration file (it writes it from a
/// template at run time: openzipkin's start-nginx). What that file says
/// (`daemon off;`) is not read: the verdict is then unknown.
fn custom_config(
    ctx: &Context,
    d: &crate::shell::programs::Daemonises,
    words: &[Option<&str>],
) -> bool {
    const DEFAULT: &str = "/etc/nginx/nginx.conf";
    if d.config.is_none() || !matches!(d.program, "nginx" | "openresty") {
        return false;
    }
    let mut conf = DEFAULT.to_string();
    let mut it = words.iter().skip(1);
    while let Some(w) = it.next() {
        match w {
            Some("-c") => match it.next() {
                Some(Some(v)) => conf = (*v).to_string(),
                _ => return true,
            },
            Some(v) if v.starts_with("-c") && v.len() > 2 => conf = v[2..].to_string(),
            _ => {}
        }
    }
    if conf != DEFAULT {
        return true;
    }
    let copied = ctx.image.final_stage().is_some_and(|st| {
        st.copies.iter().any(|c| {
            let dest = crate::model::context::absolute(&c.dest, c.workdir.as_deref());
            c.unknown || dest == DEFAULT || dest == "/etc/nginx"
        })
    });
    copied || ctx.chain.scripts.iter().any(|s| s.text.contains(DEFAULT))
}

fn help(d: Option<&crate::shell::programs::Daemonises>) -> String {
    match d {
        Some(d) => format!(
            "keep it in the foreground (`{}`) and run one program per container, or use a supervisor that keeps its programs in the foreground (s6-overlay, supervisord -n)",
            d.instead
        ),
        None => "run one program per container, or use a supervisor (s6-overlay, supervisord)".into(),
    }
}

/// A program that is PID 1 but daemonises, or is a package's wrapper
/// script that keeps a shell as PID 1: (message, label, help).
fn program_finding(
    ctx: &Context,
    words: &[Option<&str>],
    stop: &str,
) -> Option<(String, String, String)> {
    use crate::shell::programs::{daemonises, wrapper_script};
    let name = words.first().copied().flatten()?;
    if let Some(d) = daemonises(words).filter(|d| !custom_config(ctx, d, words)) {
        let cfg = d
            .config
            .map(|c| format!(" (unless its configuration sets `{c}`)"))
            .unwrap_or_default();
        return Some((
            format!("`{name}` puts itself in the background{cfg}: {}; the process that was PID 1 exits at once, so the container stops (or, behind an init, the daemon never gets SIG{stop})", d.why),
            "daemonises".into(),
            format!("keep it in the foreground: `{}` ({})", d.instead, d.reference),
        ));
    }
    if let Some(w) = wrapper_script(words) {
        if !w.execs && !w.forwards {
            return Some((
                format!("`{name}` is a shell script that runs {} as its child without `exec` ({}): the shell stays PID 1 and does not pass SIG{stop} on, so `docker stop` SIGKILLs it after the grace period", w.runs, w.source),
                "a shell stays PID 1".into(),
                format!("run the program itself: `{}`", w.instead),
            ));
        }
    }
    None
}
