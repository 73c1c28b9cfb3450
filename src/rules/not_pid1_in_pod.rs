//! SIG027 not-pid1-in-pod.

use super::{pid1_ignores_sigterm, Context};
use crate::diagnostic::{FixAvailability, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    code: "SIG027",
    slug: "not-pid1-in-pod",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "With shareProcessNamespace the app is not PID 1: a program without a SIGTERM handler dies at once",
    doc: include_str!("../../rules/not-pid1-in-pod.md"),
};

pub fn check(ctx: &Context) {
    let Some(span) = ctx.run.and_then(|r| r.share_pid.clone()) else {
        return;
    };
    let Some((prog, argv, _)) = ctx.chain.final_program() else {
        return;
    };
    let app = crate::model::app::find(&ctx.chain.apps, argv);
    let judged = app
        .and_then(|a| a.module_program.as_deref())
        .unwrap_or(prog);
    if pid1_ignores_sigterm::runtime(judged).is_none_or(|r| !r.ignores)
        || app.is_some_and(|a| a.handler("TERM").is_some())
    {
        return;
    }
    let name = crate::shell::base_name(prog);
    ctx.report(
        &META,
        span,
        format!(
            "`{name}` is not PID 1 of the pod (the pause container is): SIGTERM is not dropped but takes its default action, so `{name}`, which has no handler for it, ends at once without shutting down (no hang until the grace period either)"
        ),
    )
    .label("the pause container is PID 1")
    .help(format!(
        "if `{name}` must drain or close connections, handle SIGTERM in the app; otherwise nothing to do"
    ));
}
