//! SIG024 several-daemons-without-supervisor.

use super::{shared, Context};
use crate::diagnostic::{Diagnostic, FixAvailability, FixSafety, RuleMeta, Severity};
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

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if ctx.chain.has_init() {
        return;
    }
    let stop = shared::stop_signal(ctx);
    for s in &ctx.chain.scripts {
        let mut seen = Vec::new();
        for p in &s.flow.paths {
            let bg = daemons(&p.jobs);
            if bg.is_empty() || seen.contains(&bg[0].prog.at) {
                continue;
            }
            let names: Vec<String> = bg.iter().map(|j| shared::prog_name(&j.prog)).collect();
            let when = shared::when(p);
            match &p.end {
                End::Wait { .. } => {
                    if bg.len() < 2 || p.trap(&stop).is_some_and(|t| t.forwards) {
                        continue;
                    }
                    seen.push(bg[0].prog.at.clone());
                    let mut d = ctx.flow_diagnostic(
                        &META,
                        s,
                        &bg[0].prog.at,
                        format!(
                            "{when}{} long-running programs ({}) run in the background of a shell that is PID 1 and forwards no signal: on `docker stop` none of them gets SIG{stop} and all are SIGKILLed after the grace period",
                            bg.len(),
                            names.join(", ")
                        ),
                    );
                    d.label = Some("started in the background".into());
                    if let Some(fix) = shared::forward_trap_fix(ctx, s, p) {
                        d.help = Some(format!("run one program per container, or forward SIG{stop} to every background program and wait for them (or use a supervisor: s6-overlay, supervisord)"));
                        d.fix = Some(fix);
                        out.push(d);
                        continue;
                    }
                    init_help(ctx, &mut d);
                    out.push(d);
                }
                End::Foreground { prog, .. } | End::Exec { prog, .. } => {
                    seen.push(bg[0].prog.at.clone());
                    let fg = shared::prog_name(prog);
                    let mut d = ctx.flow_diagnostic(
                        &META,
                        s,
                        &bg[0].prog.at,
                        format!(
                            "{when}{} runs in the background next to `{fg}`, which the script runs in the foreground: the stop signal goes to PID 1 only, so {} never gets SIG{stop} and is SIGKILLed when the container stops",
                            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                            if bg.len() == 1 { "it" } else { "they" }
                        ),
                    );
                    d.label = Some("started in the background".into());
                    init_help(ctx, &mut d);
                    out.push(d);
                }
                _ => {}
            }
        }
    }
}

fn init_help(ctx: &Context, d: &mut Diagnostic) {
    match shared::init_fix(ctx, true) {
        Ok(fix) => {
            d.help = Some(format!(
                "run one program per container, or put an init that signals the whole process group in front ({} `-g`), or a supervisor (s6-overlay, supervisord)",
                ctx.init.name()
            ));
            d.fix = Some(fix);
        }
        Err(why) => {
            d.help = Some(format!(
            "run one program per container, or use a supervisor (s6-overlay, supervisord): {why}"
        ))
        }
    }
}
