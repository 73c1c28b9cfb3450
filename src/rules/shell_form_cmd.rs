//! SIG001 shell-form-cmd.

use super::{shared, Context};
use crate::diagnostic::{Diagnostic, FixAvailability, FixSafety, RuleMeta, Severity};
use crate::model::Command;

pub const META: RuleMeta = RuleMeta {
    code: "SIG001",
    slug: "shell-form-cmd",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes(FixSafety::Safe),
    summary: "Shell-form CMD makes /bin/sh PID 1, which may never pass SIGTERM on",
    doc: include_str!("../../rules/shell-form-cmd.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(st) = ctx.image.final_stage() else {
        return;
    };
    let Some((Command::Shell { text, shell }, at)) = st.cmd.get() else {
        return;
    };
    // After a shell-form ENTRYPOINT, CMD is never run (SIG002 covers it).
    if matches!(st.entrypoint.get(), Some((Command::Shell { .. }, _))) {
        return;
    }
    let ins = &ctx.dockerfile.instructions[at];
    if shared::is_invalid_json(ins) {
        return; // SIG003 says it better.
    }
    let Some(runner) = shell.first().and_then(|p| shared::runner(p, ctx.image)) else {
        return;
    };
    let Some(v) = shared::judge("shell-form CMD", text, &runner) else {
        return;
    };
    let mut d = ctx.diagnostic(&META, ins.span.clone(), v.message);
    d.severity = v.severity;
    d.label = Some(format!("PID 1 is `{} ...`", shell.join(" ")));
    let (fix, help) = shared::shell_form_fix(
        ctx,
        ins,
        &v.analysis,
        FixSafety::Safe,
        !matches!(runner, shared::Runner::Missing(_)),
    );
    d.fix = fix;
    d.help = Some(help);
    out.push(d);
}
