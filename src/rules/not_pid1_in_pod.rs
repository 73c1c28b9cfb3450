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
    let Some(run) = ctx.run.filter(|r| r.share_pid.is_some()) else {
        return;
    };
    // At the container (each one of the pod its own finding).
    let span = run.name.clone();
    let Some((prog, argv, _)) = ctx.chain.final_program() else {
        return;
    };
    // A shell or script that stays between gets SIGTERM and dies of it
    // (it is not PID 1 and has no handler); the program, its child, is not
    // signalled and runs until the runtime SIGKILLs what is left.
    let shell = ctx.chain.steps.iter().find_map(|s| match s {
        crate::model::chain::Step::Shell {
            program,
            hands_over: false,
        } => Some(program.clone()),
        crate::model::chain::Step::Script {
            path,
            as_child: true,
        } => Some(path.clone()),
        _ => None,
    });
    if let Some(shell) = shell {
        let name = crate::shell::base_name(prog);
        ctx.report(
            &META,
            span,
            format!(
                "`{shell}` is not PID 1 of the pod (the pause container is): SIGTERM ends it at once, and `{name}`, its child, gets no signal: it runs until the runtime SIGKILLs what is left of the container"
            ),
        )
        .label("the pause container is PID 1")
        .help(format!("`exec` `{name}` so that it is the process the stop signal reaches"));
        return;
    }
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
