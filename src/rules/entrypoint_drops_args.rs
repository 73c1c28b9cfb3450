//! SIG013 entrypoint-drops-args.

use super::{shared, Context};
use crate::diagnostic::{Diagnostic, FixAvailability, FixSafety, RuleMeta, Severity};
use crate::shell::flow::End;
use crate::shell::script::ArgsUse;

pub const META: RuleMeta = RuleMeta {
    code: "SIG013",
    slug: "entrypoint-drops-args",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes(FixSafety::Unsafe),
    summary: "An ENTRYPOINT script ignores its CMD arguments, or re-splits them",
    doc: include_str!("../../rules/entrypoint-drops-args.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in ctx.chain.scripts.iter().filter(|s| s.entrypoint_with_cmd) {
        let workload = s.flow.paths.iter().find_map(|p| match &p.end {
            End::Exec { prog, .. } | End::Foreground { prog, .. } if prog.at.file == 0 => {
                Some(prog.cmd.clone())
            }
            _ => None,
        });
        let (message, fix) = match s.analysis.args {
            ArgsUse::None => (
                "this ENTRYPOINT script never uses its arguments (\"$@\"): the image's CMD and `docker run IMAGE ARGS` are silently ignored",
                true,
            ),
            ArgsUse::Unquoted => (
                "this ENTRYPOINT script uses $@ unquoted: arguments from CMD and `docker run` are split again on spaces and globbed; write \"$@\"",
                false,
            ),
            ArgsUse::Star => (
                "this ENTRYPOINT script passes its arguments with $*, which joins and re-splits them; write \"$@\"",
                false,
            ),
            ArgsUse::Positional | ArgsUse::Quoted => continue,
        };
        let span = workload
            .as_ref()
            .map_or(0..s.text.lines().next().map_or(0, str::len), |c| {
                c.span.clone()
            });
        let mut d = ctx.script_diagnostic(&META, s, span, message.to_string());
        d.label = Some("CMD arguments are not passed on".into());
        match (&workload, fix) {
            (Some(c), true) => {
                let end = c.words.last().map_or(c.span.end, |w| w.span.end);
                let prog = match c.name() {
                    Some("exec") => c.exec_target().first().map_or("app".to_string(), |w| w.raw.clone()),
                    _ => shared::program_of(c),
                };
                d.help = Some(format!(
                    "pass the arguments on to the app: `{prog} \"$@\"`, or end the script with `exec \"$@\"` so that CMD is the command"
                ));
                // Unsafe: what runs changes whenever arguments are given.
                // A script with a syntax error is not edited.
                if ctx.names(s).syntax_error().is_none() {
                    d.fix = Some(ctx.script_fix(s, FixSafety::Unsafe, "Pass \"$@\" on to the app".into(), vec![(end..end, " \"$@\"".into())]));
                }
            }
            _ => d.help = Some("use \"$@\" (quoted) where the arguments are passed on, e.g. `exec app \"$@\"` or `exec \"$@\"`".into()),
        }
        out.push(d);
    }
}
