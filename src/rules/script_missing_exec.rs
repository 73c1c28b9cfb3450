//! SIG010 script-missing-exec.

use super::{shared, Context};
use crate::diagnostic::{Diagnostic, FixAvailability, FixSafety, RuleMeta, Severity};
use crate::shell::script::{Ending, PRIVILEGE_DROPPERS};

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
fn fate(ctx: &Context, shell: &str, victim: &str) -> (String, Severity) {
    match ctx.chain.pid1_init() {
        Some(init) if ctx.chain.init_signals_group() => (
            format!(
                "{init} sends SIGTERM to the whole process group, but {shell} is not PID 1 and dies of it at once, {init} exits with it, and the kernel SIGKILLs {victim} before its shutdown can finish"
            ),
            Severity::Warning,
        ),
        Some(init) => (
            format!(
                "{init} forwards SIGTERM only to {shell}, which dies of it without passing it on; {init} exits with it and the kernel SIGKILLs {victim}"
            ),
            Severity::Error,
        ),
        None => (
            format!(
                "{shell} is PID 1 and ignores SIGTERM, so `docker stop` SIGKILLs {victim} after the grace period"
            ),
            Severity::Error,
        ),
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in shared::pid1_scripts(ctx) {
        if shared::term_trap(s).is_some() {
            continue; // SIG011 / SIG012 judge scripts with a TERM trap.
        }
        let shell = shared::shell_name(s);
        let under_init = ctx.chain.pid1_init().is_some();
        for leaf in s.analysis.ending.leaves() {
            match leaf {
                Ending::Foreground { cmd, last } => {
                    let prog = shared::program_of(cmd);
                    if cmd.name().is_some_and(|n| {
                        PRIVILEGE_DROPPERS.contains(&n.rsplit('/').next().unwrap_or(n))
                    }) {
                        continue; // SIG015
                    }
                    let (what, severity) = fate(ctx, &shell, "the app");
                    let mut d = ctx.script_diagnostic(
                        &META,
                        s,
                        cmd.span.clone(),
                        format!("`{prog}` runs as a child of {shell} without `exec`: {what}"),
                    );
                    d.severity = severity;
                    d.label = Some(format!("runs as a child of {shell}"));
                    let exec_fix = last.then(|| shared::insert_exec_fix(ctx, s, cmd));
                    if let Some(Ok(fix)) = exec_fix {
                        d.help = Some(format!("put `exec` before `{prog}` so that it replaces the shell and receives SIGTERM itself"));
                        d.fix = Some(fix);
                    } else if let Some(Err(why)) = exec_fix {
                        d.help = Some(format!(
                            "no automatic `exec`: {why}. Make the script end with `exec <program>` (the program itself, not a function, builtin or alias), or run an init that signals the process group (tini -g) as ENTRYPOINT"
                        ));
                        if !under_init {
                            d.fix = shared::init_fix(ctx, true).ok();
                        }
                    } else {
                        d.help = Some(format!(
                            "commands run after `{prog}`, so `exec` would change the script: move them before it and `exec` it, or run an init that signals the process group (tini -g) as ENTRYPOINT"
                        ));
                        if !under_init {
                            d.fix = shared::init_fix(ctx, true).ok();
                        }
                    }
                    out.push(d);
                }
                Ending::ForegroundCompound { span, what } => {
                    let (fate, severity) = fate(ctx, &shell, "it");
                    let mut d = ctx.script_diagnostic(
                        &META,
                        s,
                        span.clone(),
                        format!(
                            "the script ends in {what}, which runs as a child of {shell}: {fate}"
                        ),
                    );
                    d.severity = severity;
                    d.label = Some(format!("{what} under {shell}"));
                    d.help = Some("`exec` cannot replace the shell with a pipeline, loop or subshell: end the script with `exec <app>`, or run an init that signals the process group (tini -g) as ENTRYPOINT".into());
                    if !under_init {
                        d.fix = shared::init_fix(ctx, true).ok();
                    }
                    out.push(d);
                }
                Ending::Wait { span, forward } => {
                    let (fate, severity) = fate(ctx, &shell, "the background programs");
                    let mut d = ctx.script_diagnostic(
                        &META,
                        s,
                        span.clone(),
                        format!(
                            "{shell} waits for background children and has no TERM trap: {fate}"
                        ),
                    );
                    d.severity = severity;
                    d.label = Some("waits without a TERM trap".into());
                    d.help = Some("remember each background PID (`pids=\"$pids $!\"`) and add `trap 'kill -TERM $pids; wait' TERM INT` before the `wait`, or exec a single app".into());
                    d.fix = forward
                        .as_ref()
                        .and_then(|fw| shared::forward_trap_fix(ctx, s, fw))
                        .or_else(|| {
                            if under_init {
                                None
                            } else {
                                shared::init_fix(ctx, true).ok()
                            }
                        });
                    out.push(d);
                }
                _ => {}
            }
        }
    }
}
