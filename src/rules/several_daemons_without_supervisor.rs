//! SIG024 several-daemons-without-supervisor.

use super::{shared, Context};
use crate::diagnostic::{Diagnostic, FixAvailability, FixSafety, RuleMeta, Severity};
use crate::shell::script::{is_one_shot, Ending};

pub const META: RuleMeta = RuleMeta {
    code: "SIG024",
    slug: "several-daemons-without-supervisor",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes(FixSafety::Safe),
    summary: "A script starts several long-running programs in the background with nothing forwarding SIGTERM to all",
    doc: include_str!("../../rules/several-daemons-without-supervisor.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if ctx.chain.has_init() {
        return;
    }
    for s in &ctx.chain.scripts {
        if !s
            .analysis
            .ending
            .leaves()
            .iter()
            .any(|e| matches!(e, Ending::Wait { .. }))
        {
            continue;
        }
        // Two instances of one program are two daemons too.
        let daemons: Vec<String> = s
            .analysis
            .background
            .iter()
            .filter_map(|c| c.name().map(str::to_string))
            .filter(|n| {
                !is_one_shot(n)
                    && !matches!(n.rsplit('/').next().unwrap_or(n), "tail" | "sleep" | "exec")
            })
            .collect();
        if daemons.len() < 2 || shared::term_trap(s).is_some_and(|t| t.forwards) {
            continue;
        }
        let span = s.analysis.background[0].span.clone();
        let mut d = ctx.script_diagnostic(
            &META,
            s,
            span,
            format!(
                "{} long-running programs ({}) run in the background of a shell that is PID 1 and forwards no signal: on `docker stop` none of them hears SIGTERM and all are SIGKILLed after the grace period",
                daemons.len(),
                daemons.join(", ")
            ),
        );
        d.label = Some("started in the background".into());
        let forward = s
            .analysis
            .ending
            .leaves()
            .into_iter()
            .find_map(|e| match e {
                Ending::Wait {
                    forward: Some(fw), ..
                } => shared::forward_trap_fix(ctx, s, fw),
                _ => None,
            });
        if let Some(fix) = forward {
            d.help = Some("run one program per container, or forward SIGTERM to every background program and wait for them (or use a supervisor: s6-overlay, supervisord)".into());
            d.fix = Some(fix);
            out.push(d);
            continue;
        }
        match shared::init_fix(ctx, true) {
            Ok(fix) => {
                d.help = Some(format!(
                    "run one program per container, or put an init that signals the whole process group in front ({} `-g`), or a supervisor (s6-overlay, supervisord)",
                    ctx.init.name()
                ));
                d.fix = Some(fix);
            }
            Err(why) => d.help = Some(format!("run one program per container, or use a supervisor (s6-overlay, supervisord): {why}")),
        }
        out.push(d);
    }
}
