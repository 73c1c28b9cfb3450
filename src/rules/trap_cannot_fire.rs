//! SIG011 trap-cannot-fire.

use super::{shared, Context};
use crate::diagnostic::{Diagnostic, FixAvailability, FixSafety, RuleMeta, Severity};
use crate::shell::script::{Ending, PRIVILEGE_DROPPERS};

pub const META: RuleMeta = RuleMeta {
    code: "SIG011",
    slug: "trap-cannot-fire",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes(FixSafety::Unsafe),
    summary: "A TERM trap that cannot run because the app runs in the foreground",
    doc: include_str!("../../rules/trap-cannot-fire.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in shared::pid1_scripts(ctx) {
        let Some(trap) = shared::term_trap(s) else {
            continue;
        };
        let trap_line = crate::diagnostic::line_col(&s.text, trap.span.start).line;
        for leaf in s.analysis.ending.leaves() {
            let (span, prog, cmd) = match leaf {
                Ending::Foreground { cmd, .. }
                    if cmd.name().is_some_and(|n| {
                        PRIVILEGE_DROPPERS.contains(&n.rsplit('/').next().unwrap_or(n))
                    }) =>
                {
                    continue; // SIG015
                }
                Ending::Foreground { cmd, last } => (
                    cmd.span.clone(),
                    shared::program_of(cmd),
                    last.then_some(cmd),
                ),
                // A loop runs short commands: the trap fires between them.
                Ending::ForegroundCompound { what, .. } if *what == "a loop" => continue,
                Ending::ForegroundCompound { span, what } => (span.clone(), what.to_string(), None),
                _ => continue,
            };
            let mut d = ctx.script_diagnostic(
                &META,
                s,
                span,
                format!(
                    "the TERM trap on line {trap_line} cannot run while `{prog}` runs in the foreground: the shell runs traps only between commands, so SIGTERM waits until the app exits and `docker stop` SIGKILLs it first"
                ),
            );
            d.label = Some("foreground: traps wait for it".into());
            d.help = Some(format!(
                "run it in the background and wait, so the trap can fire and forward: `{prog} & pid=$!; wait \"$pid\"` with `trap 'kill -TERM \"$pid\"; wait \"$pid\"' TERM`; or `exec` it (the trap then no longer runs)"
            ));
            if let Some(cmd) = cmd {
                // exec drops the trap's own clean-up: unsafe.
                if let Ok(mut fix) = shared::insert_exec_fix(ctx, s, cmd) {
                    fix.safety = FixSafety::Unsafe;
                    fix.message = format!("{} (the trap handler will no longer run)", fix.message);
                    d.fix = Some(fix);
                }
            }
            out.push(d);
        }
    }
}
