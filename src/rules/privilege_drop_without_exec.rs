//! SIG015 privilege-drop-without-exec.

use super::{shared, Context};
use crate::diagnostic::{Diagnostic, FixAvailability, FixSafety, RuleMeta, Severity};
use crate::shell::flow::{End, How};

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

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let stop = shared::stop_signal(ctx);
    for s in shared::pid1_scripts(ctx) {
        let shell = shared::shell_name(s);
        for p in &s.flow.paths {
            let End::Foreground {
                prog,
                how,
                after,
                only_exit_after,
            } = &p.end
            else {
                continue;
            };
            if matches!(how, How::ExecInChild) {
                continue;
            }
            let Some(tool) = shared::dropper(prog) else {
                continue;
            };
            let mut d = ctx.flow_diagnostic(
                &META,
                s,
                &prog.at,
                format!("{}`{tool}` starts the app without `exec`: {shell} stays PID 1 and does not pass SIG{stop} on, so `docker stop` SIGKILLs the app after the grace period", shared::when(p)),
            );
            d.label = Some(format!("`{tool}` runs as a child of PID 1"));
            if FORKING.contains(&tool.as_str()) {
                d.help = Some(format!("`{tool}` forks and stays as the app's parent even with `exec`; use `exec gosu USER app`, `exec su-exec USER app` or `exec setpriv --reuid=USER --regid=GROUP --init-groups app`"));
            } else if *how == How::Simple && (after.is_empty() || *only_exit_after) {
                match shared::insert_exec_fix(ctx, s, p, prog) {
                    Ok(fix) => {
                        d.help = Some(format!("put `exec` before `{tool}`: it then replaces the shell, and itself execs the app, which becomes PID 1"));
                        d.fix = Some(fix);
                    }
                    Err(why) => {
                        d.help = Some(format!(
                            "no automatic `exec`: {why}; end the script with `exec {tool} ...`"
                        ))
                    }
                }
            } else {
                d.help = Some(format!(
                    "commands run after `{tool}`; move them before it and `exec` it"
                ));
            }
            out.push(d);
        }
    }
}
