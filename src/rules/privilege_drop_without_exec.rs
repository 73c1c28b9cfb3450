//! SIG015 privilege-drop-without-exec.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};
use crate::shell::flow::How;

pub const META: RuleMeta = RuleMeta {
    code: "SIG015",
    slug: "privilege-drop-without-exec",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes(FixSafety::Safe),
    summary: "su, sudo, gosu, su-exec or setpriv starts the app without exec",
    doc: include_str!("../../rules/privilege-drop-without-exec.md"),
};

/// Tools that stay as the app's parent even when exec'd.
const FORKING: &[&str] = &["su", "sudo", "runuser"];

pub fn check(ctx: &Context) {
    let stop = shared::stop_signal(ctx);
    for s in shared::pid1_scripts(ctx) {
        let shell = shared::shell_name(s);
        for p in &s.flow.paths {
            let Some((prog, how, last)) = shared::foreground(p) else {
                continue;
            };
            if how == How::ExecInChild {
                continue;
            }
            let Some(tool) = shared::dropper(prog) else {
                continue;
            };
            let d = ctx
                .report_flow(
                    &META,
                    s,
                    &prog.at,
                    format!("{}`{tool}` starts the app without `exec`: {shell} stays PID 1 and does not pass SIG{stop} on, so `docker stop` SIGKILLs the app after the grace period", shared::when(p)),
                )
                .label(format!("`{tool}` runs as a child of PID 1"));
            if FORKING.contains(&tool.as_str()) {
                d.help(format!("`{tool}` forks and stays as the app's parent even with `exec`; use `exec gosu USER app`, `exec su-exec USER app` or `exec setpriv --reuid=USER --regid=GROUP --init-groups app`"));
            } else if how == How::Simple && last {
                match shared::insert_exec_fix(ctx, s, p, prog) {
                    Ok(fix) => {
                        d.help(format!("put `exec` before `{tool}`: it then replaces the shell, and itself execs the app, which becomes PID 1")).fix(fix);
                    }
                    Err(why) => {
                        d.help(format!(
                            "no automatic `exec`: {why}; end the script with `exec {tool} ...`"
                        ));
                    }
                }
            } else {
                d.help(format!(
                    "commands run after `{tool}`; move them before it and `exec` it"
                ));
            }
        }
    }
}
