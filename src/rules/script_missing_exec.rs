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

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in shared::pid1_scripts(ctx) {
        if shared::term_trap(s).is_some() {
            continue; // SIG011 / SIG012 judge scripts with a TERM trap.
        }
        let shell = shared::shell_name(s);
        for leaf in s.analysis.ending.leaves() {
            match leaf {
                Ending::Foreground { cmd, last } => {
                    let prog = shared::program_of(cmd);
                    if cmd.name().is_some_and(|n| {
                        PRIVILEGE_DROPPERS.contains(&n.rsplit('/').next().unwrap_or(n))
                    }) {
                        continue; // SIG015
                    }
                    let mut d = ctx.script_diagnostic(
                        &META,
                        s,
                        cmd.span.clone(),
                        format!(
                            "{shell} is PID 1 and ignores SIGTERM: `{prog}` runs as its child without `exec`, so `docker stop` will SIGKILL the app after the grace period"
                        ),
                    );
                    d.label = Some("runs as a child of PID 1".into());
                    if !*last && ctx.chain.init_signals_group() {
                        continue; // the init signals the app too
                    }
                    if *last {
                        d.help = Some(format!("put `exec` before `{prog}` so that it replaces the shell as PID 1 and receives SIGTERM itself"));
                        d.fix = Some(shared::insert_exec_fix(ctx, s, cmd));
                    } else {
                        d.help = Some(format!(
                            "commands run after `{prog}`, so `exec` would change the script: move them before it and `exec` it, or run an init that signals the process group (tini -g) as ENTRYPOINT"
                        ));
                        d.fix = shared::init_fix(ctx, true).ok();
                    }
                    out.push(d);
                }
                Ending::ForegroundCompound { .. } | Ending::Wait { .. }
                    if ctx.chain.init_signals_group() => {}
                Ending::ForegroundCompound { span, what } => {
                    let mut d = ctx.script_diagnostic(
                        &META,
                        s,
                        span.clone(),
                        format!(
                            "{shell} is PID 1 and ignores SIGTERM: the script ends in {what}, which runs as its child, so `docker stop` will SIGKILL it after the grace period"
                        ),
                    );
                    d.label = Some(format!("{what} under PID 1"));
                    d.help = Some("`exec` cannot replace the shell with a pipeline, loop or subshell: end the script with `exec <app>`, or run an init that signals the process group (tini -g) as ENTRYPOINT".into());
                    d.fix = shared::init_fix(ctx, true).ok();
                    out.push(d);
                }
                Ending::Wait { span, forward } => {
                    let mut d = ctx.script_diagnostic(
                        &META,
                        s,
                        span.clone(),
                        format!(
                            "{shell} is PID 1, waits for background children and has no TERM trap: it ignores SIGTERM, the children never hear of it, and `docker stop` SIGKILLs them after the grace period"
                        ),
                    );
                    d.label = Some("waits without a TERM trap".into());
                    d.help = Some("remember each background PID (`pids=\"$pids $!\"`) and add `trap 'kill -TERM $pids; wait' TERM INT` before the `wait`, or exec a single app".into());
                    d.fix = forward
                        .as_ref()
                        .and_then(|fw| shared::forward_trap_fix(ctx, s, fw))
                        .or_else(|| shared::init_fix(ctx, true).ok());
                    out.push(d);
                }
                _ => {}
            }
        }
    }
}
