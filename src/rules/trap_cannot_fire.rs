//! SIG011 trap-cannot-fire.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};
use crate::shell::flow::How;

pub const META: RuleMeta = RuleMeta {
    code: "SIG011",
    slug: "trap-cannot-fire",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes(FixSafety::Unsafe),
    summary: "A TERM trap that cannot run because the app runs in the foreground",
    doc: include_str!("../../rules/trap-cannot-fire.md"),
};

pub fn check(ctx: &Context) {
    let stop = shared::stop_signal(ctx);
    for s in shared::pid1_scripts(ctx) {
        for p in &s.flow.paths {
            let Some(trap) = p.trap(&stop).filter(|t| !t.ignores()) else {
                continue;
            };
            let Some((prog, how, last)) = shared::foreground(p) else {
                continue;
            };
            // A loop of short commands: the trap fires between them.
            if matches!(how, How::PollLoop | How::ExecInChild) || shared::dropper(prog).is_some() {
                continue; // graceful / SIG014 / SIG015
            }
            let (tf, tspan) = shared::flow_span(s, &trap.at);
            let trap_line = ctx_line(ctx, s, tf, tspan.start);
            let name = shared::prog_name(prog);
            let when = shared::when(p);
            // exec drops the trap's own clean-up: unsafe.
            let fix = (how == How::Simple && last)
                .then(|| shared::insert_exec_fix(ctx, s, p, prog).ok())
                .flatten()
                .map(|mut fix| {
                    fix.safety = FixSafety::Unsafe;
                    fix.message = format!("{} (the trap handler will no longer run)", fix.message);
                    fix
                });
            ctx.report_flow(
                &META,
                s,
                &prog.at,
                format!(
                    "{when}the SIG{stop} trap on line {trap_line} cannot run while `{name}` runs in the foreground: the shell runs traps only between commands, so the signal waits until the app exits and `docker stop` SIGKILLs it first"
                ),
            )
            .label("foreground: traps wait for it")
            .help(format!(
                "run it in the background and wait, so the trap can fire and forward: `{name} & pid=$!; wait \"$pid\"` with `trap 'kill -TERM \"$pid\"; wait \"$pid\"' {stop}`; or `exec` it (the trap then no longer runs)"
            ))
            .fix(fix);
        }
    }
}

/// The 1-based line of byte `at` of report file `file`.
fn ctx_line(
    _ctx: &Context,
    s: &crate::model::chain::LoadedScript,
    file: usize,
    at: usize,
) -> usize {
    if file == s.file {
        let rel = at.saturating_sub(s.base).min(s.text.len());
        return crate::diagnostic::line_col(&s.text, rel).line;
    }
    // A sourced file: count in its text.
    s.flow
        .sourced
        .iter()
        .zip(&s.sourced_files)
        .find(|(_, w)| w.is_some_and(|(f, _)| f == file))
        .map_or(1, |(f, _)| {
            crate::diagnostic::line_col(&f.text, at.min(f.text.len())).line
        })
}
