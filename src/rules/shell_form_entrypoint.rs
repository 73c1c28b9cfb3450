//! SIG002 shell-form-entrypoint.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    code: "SIG002",
    slug: "shell-form-entrypoint",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes(FixSafety::Unsafe),
    summary: "Shell-form ENTRYPOINT makes /bin/sh PID 1 and ignores CMD and run arguments",
    doc: include_str!("../../rules/shell-form-entrypoint.md"),
};

/// The shell check SIG001 runs on CMD. Exec form changes how CMD and run
/// arguments are passed (appended to the argv instead of ignored): unsafe.
pub fn check(ctx: &Context) {
    let Some((_, ins, text, shell)) = shared::shell_form(ctx, |st| &st.entrypoint) else {
        return;
    };
    shared::report_shell_pid1(
        ctx,
        &META,
        (ins, text, shell),
        "; it also ignores CMD and `docker run` arguments",
        FixSafety::Unsafe,
    );
}
