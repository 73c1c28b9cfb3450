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
    if let Some((Command::Exec(ep), _)) = st.entrypoint.get() {
        let reaches_shell = ctx.chain.steps.iter().any(|s| {
            matches!(s, crate::model::chain::Step::Shell { program, .. } if shell.first() == Some(program))
        });
        if !ep.is_empty() && !reaches_shell {
            arguments_of_entrypoint(ctx, ins, text, shell, ep, out);
            return;
        }
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

/// A shell-form CMD after an exec-form ENTRYPOINT that does not run it as a
/// command (`ENTRYPOINT ["node"]`, `CMD app.js`): the shell is not PID 1, but
/// the entrypoint receives `/bin/sh -c "..."` as its arguments.
fn arguments_of_entrypoint(
    ctx: &Context,
    ins: &crate::syntax::Instruction,
    text: &str,
    shell: &[String],
    ep: &[String],
    out: &mut Vec<Diagnostic>,
) {
    let cs = crate::shell::command_string(text);
    let mut d = ctx.diagnostic(
        &META,
        ins.span.clone(),
        format!(
            "shell-form CMD after the exec-form ENTRYPOINT `{}`: Docker passes `{} {:?}` to it as arguments, not the words of the CMD",
            ep.join(" "),
            shell.join(" "),
            text.trim()
        ),
    );
    d.severity = Severity::Warning;
    d.label = Some(format!("arguments of `{}`", ep[0]));
    match cs.literal_argv.as_ref() {
        Some(argv) => {
            d.help = Some(format!(
                "use exec form, so that `{}` receives the words themselves: CMD {}",
                ep[0],
                crate::syntax::json_array(argv)
            ));
            d.fix = shared::shell_form_fix(ctx, ins, &cs, FixSafety::Unsafe, true).0;
        }
        None => {
            d.help = Some(format!(
                "write CMD in exec form, a JSON array of the arguments `{}` should receive",
                ep[0]
            ))
        }
    }
    out.push(d);
}
