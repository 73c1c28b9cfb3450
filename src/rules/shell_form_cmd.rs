//! SIG001 shell-form-cmd.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};
use crate::model::Command;

pub const META: RuleMeta = RuleMeta {
    code: "SIG001",
    slug: "shell-form-cmd",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes(FixSafety::Safe),
    summary: "Shell-form CMD makes /bin/sh PID 1, which may never pass SIGTERM on",
    doc: include_str!("../../rules/shell-form-cmd.md"),
};

/// The shell check SIG002 runs on ENTRYPOINT, unless an ENTRYPOINT makes
/// the CMD its arguments.
pub fn check(ctx: &Context) {
    let Some((st, ins, text, shell)) = shared::shell_form(ctx, |st| &st.cmd) else {
        return;
    };
    match st.entrypoint.get() {
        // After a shell-form ENTRYPOINT, CMD is never run (SIG002 covers it).
        Some((Command::Shell { .. }, _)) => {}
        Some((Command::Exec(ep), _))
            if !ep.is_empty()
                && !ctx.chain.steps.iter().any(|s| {
                    matches!(s, crate::model::chain::Step::Shell { program, .. } if shell.first() == Some(program))
                }) =>
        {
            arguments_of_entrypoint(ctx, ins, text, shell, ep);
        }
        _ => shared::report_shell_pid1(ctx, &META, (ins, text, shell), "", FixSafety::Safe),
    }
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
) {
    let cs = crate::shell::command_string(text);
    let d = ctx
        .report(
            &META,
            ins.span(),
            format!(
                "shell-form CMD after the exec-form ENTRYPOINT `{}`: Docker passes `{} {:?}` to it as arguments, not the words of the CMD",
                ep.join(" "),
                shell.join(" "),
                text.trim()
            ),
        )
        .severity(Severity::Warning)
        .label(format!("arguments of `{}`", ep[0]));
    match cs.literal_argv.as_ref() {
        Some(argv) => {
            d.help(format!(
                "use exec form, so that `{}` receives the words themselves: CMD {}",
                ep[0],
                crate::syntax::json_array(argv)
            ))
            .fix(shared::shell_form_fix(ctx, ins, &cs, FixSafety::Unsafe, true).0);
        }
        None => {
            d.help(format!(
                "write CMD in exec form, a JSON array of the arguments `{}` should receive",
                ep[0]
            ));
        }
    }
}
