//! SIG013 entrypoint-drops-args.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};
use crate::shell::flow::End;
use crate::shell::script::{ArgsUse, ScriptWord};

pub const META: RuleMeta = RuleMeta {
    code: "SIG013",
    slug: "entrypoint-drops-args",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes(FixSafety::Unsafe),
    summary: "An ENTRYPOINT script ignores its CMD arguments, or re-splits them",
    doc: include_str!("../../rules/entrypoint-drops-args.md"),
};

pub fn check(ctx: &Context) {
    for s in ctx.chain.scripts.iter().filter(|s| s.entrypoint_with_cmd) {
        let workload = s.flow.paths.iter().find_map(|p| match &p.end {
            End::Exec { prog, .. } | End::Foreground { prog, .. } if prog.at.file == 0 => {
                Some(prog.cmd.clone())
            }
            _ => None,
        });
        // A file it sources that dsig cannot read (the base image's
        // docker-entrypoint.sh) sees the same "$@" and may pass it on.
        let unread_source = ctx.names(s).sources()
            && (s.sourced_files.is_empty() || s.sourced_files.iter().any(Option::is_none));
        let (message, fix) = match s.analysis.args {
            ArgsUse::None if unread_source => continue,
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
        let d = ctx.report_script(&META, s, span, message.to_string())
        .label("CMD arguments are not passed on");
        match (&workload, fix) {
            (Some(c), true) => {
                let target = match c.name() {
                    Some("exec") => c.exec_target(),
                    _ => &c.words[..],
                };
                let prog = target
                    .first()
                    .map_or_else(|| shared::program_of(c), |w| w.raw.clone());
                let cmd_args = s.args.as_deref().filter(|a| !a.is_empty());
                // A script with a syntax error is not edited.
                let edits = ctx.names(s).syntax_error().is_none();
                match plan(target, cmd_args) {
                    Plan::Replace(range) => {
                        let old = &s.text[range.clone()];
                        let help = format!(
                            "the CMD is the command itself (`{old}`): run it with `\"$@\"` in its place, so that CMD and `docker run IMAGE ARGS` choose what runs"
                        );
                        // Unsafe: with the image's CMD the same program
                        // runs, but `docker run IMAGE ARGS` now replaces it.
                        d.help(help).fix(edits.then(|| {
                            ctx.script_fix(
                                s,
                                FixSafety::Unsafe,
                                format!("Run the CMD: `\"$@\"` in place of `{old}`"),
                                vec![(range, "\"$@\"".into())],
                            )
                        }));
                    }
                    Plan::Append(end) => {
                        // What the app gets with this image's CMD, once fixed.
                        let then = match cmd_args {
                            Some(a) => format!(
                                " (with this CMD the app then also gets `{}`)",
                                a.join(" ")
                            ),
                            None => String::new(),
                        };
                        let help = format!(
                            "pass the arguments on to the app: `{prog} \"$@\"`{then}, or end the script with `exec \"$@\"` so that CMD is the command"
                        );
                        // Unsafe: the CMD's words are added to the app's, so
                        // what runs changes (and with every `docker run` ARGS).
                        d.help(help).fix(edits.then(|| {
                            ctx.script_fix(
                                s,
                                FixSafety::Unsafe,
                                "Pass \"$@\" on to the app".into(),
                                vec![(end..end, " \"$@\"".into())],
                            )
                        }));
                    }
                    Plan::No(why) => {
                        d.help(format!("no automatic fix: {why}"));
                    }
                }
            }
            _ => {
                d.help("use \"$@\" (quoted) where the arguments are passed on, e.g. `exec app \"$@\"` or `exec \"$@\"`");
            }
        }
    }
}

/// How the arguments can be passed on to the script's last command.
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    /// The CMD repeats the end of the command (`exec gosu app nginx -g ...`
    /// with `CMD ["nginx", "-g", ...]`): those words become `"$@"`, which the
    /// image's CMD fills with the same words.
    Replace(std::ops::Range<usize>),
    /// The CMD holds arguments for the command: `"$@"` goes after its last
    /// word (before any redirection), at this offset.
    Append(usize),
    /// Neither is right, and why.
    No(String),
}

/// `target`: the command's words (after `exec` and its options); `args`:
/// the script's arguments (ENTRYPOINT's extra words and CMD), when known.
fn plan(target: &[ScriptWord], args: Option<&[String]>) -> Plan {
    let Some(last) = target.last() else {
        return Plan::No("the command has no words".into());
    };
    if let Some(a) = args {
        if a.len() <= target.len() {
            let k = target.len() - a.len();
            if target[k..]
                .iter()
                .zip(a)
                .all(|(w, x)| w.value.as_deref() == Some(x.as_str()))
            {
                return Plan::Replace(target[k].span.start..last.span.end);
            }
        }
    }
    let argv: Vec<String> = target.iter().map_while(|w| w.value.clone()).collect();
    if super::shell_c_without_exec::command_string_index(&argv).is_some() {
        return Plan::No(format!(
            "the app runs from a `{0} -c` string, and `\"$@\"` after it would become `$0`, `$1`... of the string, not words of the app. Pass them into the string (`{0} -c '... \"$@\"' {0} \"$@\"`), or end the script with `exec \"$@\"` and make CMD the whole command",
            argv[0]
        ));
    }
    if let Some(first) = args.and_then(|a| a.first()) {
        let base = |p: &str| crate::shell::base_name(p).to_string();
        let names_program = target
            .iter()
            .filter_map(|w| w.value.as_deref())
            .any(|v| !v.starts_with('-') && base(v) == base(first));
        if first.starts_with('/')
            || first.starts_with("./")
            || crate::shell::is_shell_program(first)
            || names_program
        {
            return Plan::No(format!(
                "the CMD starts with `{first}`, a command of its own, which appended to `{0}` would become its argument. Pass the arguments on where the app is started (`{0} ... \"$@\"`) and make CMD its arguments, or end the script with `exec \"$@\"` and make CMD the whole command",
                target[0].raw
            ));
        }
    }
    Plan::Append(last.span.end)
}

#[cfg(test)]
mod tests {
    use crate::{fix, lint, LintOptions};
    use std::path::PathBuf;

    /// The unsafe fix applied, the result linted again: no SIG013, nothing
    /// new, and with the image's CMD the same program (with the CMD's
    /// arguments added, for a CMD of options) runs as PID 1.
    #[test]
    fn fixed_scripts_analysed_again() {
        for (dir, want) in [
            ("cmd-repeats-command", vec!["nginx", "-g", "daemon off;"]),
            (
                "cmd-adds-options",
                vec!["/usr/local/bin/app", "--port", "80", "--debug"],
            ),
            ("ignores-cmd", vec!["/usr/local/bin/app", "--port", "8080"]),
        ] {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/rules/SIG013")
                .join(dir)
                .join("Dockerfile");
            let text = std::fs::read_to_string(&path).unwrap();
            let opts = LintOptions::for_file(&path);
            let before = lint("Dockerfile", &text, &opts);
            let out = fix("Dockerfile", &text, &opts, true);
            let mut again = opts.clone();
            for f in &out.others {
                again.overlay.insert(f.disk.clone(), f.text.clone());
            }
            assert_eq!(out.others.len(), 1, "{dir}: the script is edited");
            let after = lint("Dockerfile", &out.text, &again);
            let codes =
                |r: &crate::Report| r.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
            assert!(
                !codes(&after).contains(&"SIG013"),
                "{dir}: {:?}",
                codes(&after)
            );
            for c in codes(&after) {
                assert!(codes(&before).contains(&c), "{dir}: new finding {c}");
            }
            let df = crate::syntax::parse(&out.text).expect("the fixed Dockerfile parses");
            let image = crate::model::Image::from_dockerfile(&df);
            let fs = crate::model::context::ContextFs::new(again.context_dir(), &again.overlay);
            let chain = crate::model::chain::build(&image, &df, &fs, &mut Vec::new());
            let argv = chain.steps.iter().rev().find_map(|s| match s {
                crate::model::chain::Step::Program {
                    argv,
                    as_child: false,
                    ..
                } => Some(argv.clone()),
                _ => None,
            });
            assert_eq!(
                argv,
                Some(want.iter().map(std::string::ToString::to_string).collect()),
                "{dir}"
            );
        }
    }
}
