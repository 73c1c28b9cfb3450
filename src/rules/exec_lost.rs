//! SIG014 exec-lost.

use super::{shared, Context};
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::shell::script::Ending;

pub const META: RuleMeta = RuleMeta {
    code: "SIG014",
    slug: "exec-lost",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "An exec that cannot replace PID 1 (in a pipeline or subshell)",
    doc: include_str!("../../rules/exec-lost.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in shared::pid1_scripts(ctx) {
        for leaf in s.analysis.ending.leaves() {
            let Ending::ExecLost { span, why } = leaf else {
                continue;
            };
            let shell = shared::shell_name(s);
            let mut d = ctx.script_diagnostic(
                &META,
                s,
                span.clone(),
                format!("this `exec` does not replace PID 1 ({why}): {shell} stays PID 1, ignores SIGTERM, and `docker stop` SIGKILLs the app after the grace period"),
            );
            d.label = Some("exec here replaces a child, not PID 1".into());
            d.help = Some("`exec` must be a top-level command of the script; for logging to a file and stdout use `exec app > >(tee log) 2>&1` in bash, or let Docker collect stdout".into());
            out.push(d);
        }
    }
}
