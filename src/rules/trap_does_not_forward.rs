//! SIG012 trap-does-not-forward.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, RuleMeta, Severity};
use crate::shell::flow::End;

pub const META: RuleMeta = RuleMeta {
    code: "SIG012",
    slug: "trap-does-not-forward",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A TERM trap that does not signal the app and wait for it",
    doc: include_str!("../../rules/trap-does-not-forward.md"),
};

pub fn check(ctx: &Context) {
    let stop = shared::stop_signal(ctx);
    for s in shared::pid1_scripts(ctx) {
        let mut seen = Vec::new();
        for p in &s.flow.paths {
            let Some(trap) = p.trap(&stop).filter(|t| !t.ignores()) else {
                continue;
            };
            let End::Wait { waits_again, .. } = &p.end else {
                continue;
            };
            if trap.forwards && (trap.waits || *waits_again) {
                continue;
            }
            if seen.contains(&trap.at) {
                continue;
            }
            seen.push(trap.at.clone());
            let message = if trap.forwards {
                format!("{}the SIG{stop} handler signals the app but does not wait for it: the shell exits at once and the app is killed in the middle of its shutdown", shared::when(p))
            } else {
                format!("{}the SIG{stop} handler does not signal the app: when the shell exits, the app is SIGKILLed without a chance to shut down", shared::when(p))
            };
            ctx.report_flow(&META, s, &trap.at, message)
                .label(if trap.forwards {
                    "no `wait` in the handler"
                } else {
                    "no `kill` in the handler"
                })
                .help(format!("forward and wait: `trap 'kill -TERM \"$pid\" 2>/dev/null; wait \"$pid\"' {stop}` with `pid=$!` after starting the app"));
        }
    }
}
