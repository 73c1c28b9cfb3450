//! SIG012 trap-does-not-forward.

use super::{shared, Context};
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::shell::script::Ending;

pub const META: RuleMeta = RuleMeta {
    code: "SIG012",
    slug: "trap-does-not-forward",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A TERM trap that does not signal the app and wait for it",
    doc: include_str!("../../rules/trap-does-not-forward.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in shared::pid1_scripts(ctx) {
        let Some(trap) = shared::term_trap(s) else {
            continue;
        };
        let waits_for_children = s
            .analysis
            .ending
            .leaves()
            .iter()
            .any(|e| matches!(e, Ending::Wait { .. }));
        if !waits_for_children || (trap.forwards && trap.waits) {
            continue;
        }
        let message = if trap.forwards {
            "the TERM handler signals the app but does not wait for it: the shell exits at once and the app is killed in the middle of its shutdown".to_string()
        } else {
            "the TERM handler does not signal the app: when the shell exits, the app is SIGKILLed without a chance to shut down".to_string()
        };
        let mut d = ctx.script_diagnostic(&META, s, trap.span.clone(), message);
        d.label = Some(
            if trap.forwards {
                "no `wait` in the handler"
            } else {
                "no `kill` in the handler"
            }
            .into(),
        );
        d.help = Some("forward and wait: `trap 'kill -TERM \"$pid\" 2>/dev/null; wait \"$pid\"' TERM` with `pid=$!` after starting the app".into());
        out.push(d);
    }
}
