//! SIG010 script-missing-exec.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};
use crate::shell::flow::{End, How};

pub const META: RuleMeta = RuleMeta {
    code: "SIG010",
    slug: "script-missing-exec",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes(FixSafety::Safe),
    summary: "A startup script runs the app as a child without exec and without forwarding SIGTERM",
    doc: include_str!("../../rules/script-missing-exec.md"),
};

/// What happens to SIGTERM, said of the script's shell: the sentence's
/// subject, and the severity. Under an init the shell is not PID 1 and does
/// not ignore SIGTERM: it dies of it, the init exits with it, and the kernel
/// SIGKILLs what is left. With a group-signalling init the app hears SIGTERM
/// too, but its shutdown races that SIGKILL (the behaviour test saw it lose).
fn fate(ctx: &Context, shell: &str, victim: &str, stop: &str) -> (String, Severity) {
    match ctx.chain.pid1_init() {
        Some(init) if ctx.chain.init_signals_group() => (
            format!(
                "{init} sends SIG{stop} to the whole process group, but {shell} is not PID 1 and dies of it at once, {init} exits with it, and the kernel SIGKILLs {victim} before its shutdown can finish"
            ),
            Severity::Warning,
        ),
        Some(init) => (
            format!(
                "{init} forwards SIG{stop} only to {shell}, which dies of it without passing it on; {init} exits with it and the kernel SIGKILLs {victim}"
            ),
            Severity::Error,
        ),
        None => (
            format!(
                "{shell} is PID 1 and does not pass SIG{stop} on, so `docker stop` SIGKILLs {victim} after the grace period"
            ),
            Severity::Error,
        ),
    }
}

pub fn check(ctx: &Context) {
    let stop = shared::stop_signal(ctx);
    for s in shared::pid1_scripts(ctx) {
        let shell = shared::shell_name(s);
        for p in &s.flow.paths {
            // A handler on the stop signal: SIG011 / SIG012 judge it.
            if p.trap(&stop).is_some_and(|t| !t.ignores()) {
                continue;
            }
            let when = shared::when(p);
            match &p.end {
                End::Foreground {
                    prog,
                    how: How::Simple,
                    after,
                    only_exit_after,
                } => {
                    if shared::dropper(prog).is_some() {
                        continue; // SIG015
                    }
                    let name = shared::prog_name(prog);
                    let (what, severity) = fate(ctx, &shell, "the app", &stop);
                    let d = ctx.report_flow(
                        &META,
                        s,
                        &prog.at,
                        format!("{when}`{name}` runs as a child of {shell} without `exec`: {what}"),
                    )
                    .severity(severity)
                    .label(format!("runs as a child of {shell}"));
                    let last = after.is_empty() || *only_exit_after;
                    let exec_fix = last.then(|| shared::insert_exec_fix(ctx, s, p, prog));
                    if let Some(Ok(fix)) = exec_fix {
                        d.help(format!("put `exec` before `{name}` so that it replaces the shell and receives SIG{stop} itself"))
                            .fix(fix);
                    } else if let Some(Err(why)) = exec_fix {
                        d.help(format!(
                            "no automatic `exec`: {why}. Make the script end with `exec <program>` (the program itself, not a function, builtin or alias)"
                        ));
                    } else {
                        d.help(format!(
                            "commands run after `{name}`, so `exec` would change the script: move them before it and `exec` it"
                        ));
                    }
                }
                End::Foreground { prog, how, .. } if *how != How::ExecInChild => {
                    if *how == How::Negated && shared::dropper(prog).is_some() {
                        continue;
                    }
                    let what = match how {
                        How::Pipeline => "a pipeline",
                        How::Subshell => "a subshell",
                        How::RestartLoop => "a loop that restarts it",
                        How::PollLoop => "a loop that never ends",
                        _ => "a negated command",
                    };
                    let name = shared::prog_name(prog);
                    let (fate, severity) = fate(ctx, &shell, "it", &stop);
                    let subject = if *how == How::PollLoop {
                        format!("the script ends in {what}")
                    } else {
                        format!("`{name}` runs in {what}")
                    };
                    ctx.report_flow(
                        &META,
                        s,
                        &prog.at,
                        format!("{when}{subject}, as a child of {shell}: {fate}"),
                    )
                    .severity(severity)
                    .label(format!("{what} under {shell}"))
                    .help("`exec` cannot replace the shell with a pipeline, loop or subshell: end the script with `exec <app>` (log with Docker's own logging, not a pipe; keep restart loops out of the container: Docker's restart policy restarts it). No automatic fix: an init in front (tini -g) races the shell's death and the app is SIGKILLed mid-shutdown");
                }
                End::Wait { at, .. } => {
                    let (fate, severity) = fate(ctx, &shell, "the background programs", &stop);
                    ctx.report_flow(
                        &META,
                        s,
                        at,
                        format!(
                            "{when}{shell} waits for background children and has no SIG{stop} trap: {fate}"
                        ),
                    )
                    .severity(severity)
                    .label(format!("waits without a SIG{stop} trap"))
                    .help(format!("remember each background PID (`pids=\"$pids $!\"`) and add `trap 'kill -TERM $pids; wait' {stop}` before the `wait`, or exec a single app"))
                    .fix(shared::forward_trap_fix(ctx, s, p)
                        .or_else(|| shared::trap_signal_fix(ctx, s, p, &stop)));
                }
                _ => {}
            }
        }
    }
}
