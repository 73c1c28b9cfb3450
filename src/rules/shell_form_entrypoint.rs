//! SIG002 shell-form-entrypoint.

use super::{shared, Context};
use crate::diagnostic::{Diagnostic, FixAvailability, FixSafety, RuleMeta, Severity};
use crate::model::Command;

pub const META: RuleMeta = RuleMeta {
    code: "SIG002",
    slug: "shell-form-entrypoint",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes(FixSafety::Unsafe),
    summary: "Shell-form ENTRYPOINT makes /bin/sh PID 1 and ignores CMD and run arguments",
    doc: include_str!("../../rules/shell-form-entrypoint.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(st) = ctx.image.final_stage() else {
        return;
    };
    let Some((Command::Shell { text, shell }, at)) = st.entrypoint.get() else {
        return;
    };
    let ins = &ctx.dockerfile.instructions[at];
    if shared::is_invalid_json(ins) {
        return;
    }
    let Some(runner) = shell.first().and_then(|p| shared::runner(p, ctx.image)) else {
        return;
    };
    let Some(v) = shared::judge("shell-form ENTRYPOINT", text, &runner) else {
        return;
    };
    let message = format!(
        "{}; it also ignores CMD and `docker run` arguments",
        v.message
    );
    let mut d = ctx.diagnostic(&META, ins.span.clone(), message);
    d.severity = v.severity;
    d.label = Some(format!("PID 1 is `{} ...`", shell.join(" ")));
    // Exec form changes how CMD and run arguments are passed (appended to the
    // argv instead of ignored): unsafe.
    let (fix, help) = shared::shell_form_fix(
        ctx,
        ins,
        &v.analysis,
        FixSafety::Unsafe,
        !matches!(runner, shared::Runner::Missing(_)),
    );
    d.fix = fix;
    d.help = Some(help);
    out.push(d);
}
