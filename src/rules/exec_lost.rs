//! SIG014 exec-lost.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, RuleMeta, Severity};
use crate::shell::flow::{End, How};

pub const META: RuleMeta = RuleMeta {
    code: "SIG014",
    slug: "exec-lost",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "An exec that cannot replace PID 1 (in a pipeline or subshell)",
    doc: include_str!("../../rules/exec-lost.md"),
};

pub fn check(ctx: &Context) {
    let stop = shared::stop_signal(ctx);
    for s in shared::pid1_scripts(ctx) {
        let shell = shared::shell_name(s);
        for p in &s.flow.paths {
            let when = shared::when(p);
            match &p.end {
                End::Foreground {
                    prog,
                    how: How::ExecInChild,
                    ..
                } => {
                    ctx.report_flow(
                        &META,
                        s,
                        &prog.at,
                        format!("{when}this `exec` does not replace PID 1 (it runs in a pipeline, subshell or command substitution, a child of the shell): {shell} stays PID 1, does not pass SIG{stop} on, and `docker stop` SIGKILLs the app after the grace period"),
                    )
                    .label("exec here replaces a child, not PID 1")
                    .help("`exec` must be a top-level command of the script; for logging to a file and stdout use `exec app > >(tee log) 2>&1` in bash, or let Docker collect stdout");
                }
                End::Fails { at, why } => {
                    ctx.report_flow(
                        &META,
                        s,
                        at,
                        format!(
                            "{when}{why}: the container exits at once instead of running the app"
                        ),
                    )
                    .label(format!("{shell} cannot run this `exec`"))
                    .help("write `exec /path/to/program args` (a program file; for bash-only options such as `exec -a`, run the script with bash)");
                }
                _ => {}
            }
        }
    }
}
