//! SIG005 shell-c-without-exec.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};
use crate::model::{Command, Setting};
use crate::shell::is_shell_program;
use crate::syntax::{json_quote, Args};

pub const META: RuleMeta = RuleMeta {
    code: "SIG005",
    slug: "shell-c-without-exec",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes(FixSafety::Safe),
    summary: "Exec form that runs `sh -c \"...\"` without `exec` before the last command",
    doc: include_str!("../../rules/shell-c-without-exec.md"),
};

/// Index of the command string in `sh [-opts] -c STRING ...`, if argv is that
/// (options read as the shell reads them: [`crate::model::chain::shell_run`]).
#[must_use] 
pub fn command_string_index(argv: &[String]) -> Option<usize> {
    if !is_shell_program(argv.first()?) {
        return None;
    }
    match crate::model::chain::shell_run(argv, crate::shell::ShellKind::from_program(&argv[0])) {
        crate::model::chain::ShellRun::CommandString(j) => Some(j),
        _ => None,
    }
}

/// `exec sh -c "..."` at the end of a startup script: the new shell is PID 1.
fn in_scripts(ctx: &Context) {
    for s in &ctx.chain.scripts {
        let mut seen = Vec::new();
        for p in &s.flow.paths {
            let crate::shell::flow::End::Exec { prog, .. } = &p.end else {
                continue;
            };
            let Some(argv) = prog.argv.iter().cloned().collect::<Option<Vec<String>>>() else {
                continue;
            };
            let Some(j) = command_string_index(&argv) else {
                continue;
            };
            if seen.contains(&prog.at) {
                continue;
            }
            seen.push(prog.at.clone());
            let Some(runner) = shared::runner(&argv[0], ctx.image) else {
                continue;
            };
            let what = format!("`exec {} -c` in a startup script", argv[0]);
            let Some(v) = shared::judge(&what, &argv[j], &runner) else {
                continue;
            };
            ctx.report_flow(
                &META,
                s,
                &prog.at,
                format!("{}{}", shared::when(p), v.message),
            )
            .severity(v.severity)
            .label(format!("`{}` becomes PID 1", argv[0]))
            .help("put `exec` before the last command inside the string too (`exec sh -c 'exec app'`), or exec the program directly");
        }
    }
}

pub fn check(ctx: &Context) {
    in_scripts(ctx);
    let Some(st) = ctx.image.final_stage() else {
        return;
    };
    let entry_is_shell = matches!(st.entrypoint.get(), Some((Command::Shell { .. }, _)));
    for (setting, name) in [(&st.entrypoint, "ENTRYPOINT"), (&st.cmd, "CMD")] {
        if name == "CMD" && entry_is_shell {
            continue;
        }
        let Setting::Set {
            value: Command::Exec(argv),
            at,
        } = setting
        else {
            continue;
        };
        let Some(j) = command_string_index(argv) else {
            continue;
        };
        let ins = &ctx.dockerfile.instructions[*at];
        let Args::Exec(words) = &ins.args else {
            continue;
        };
        let Some(runner) = shared::runner(&argv[0], ctx.image) else {
            continue;
        };
        let what = format!("`{} -c` in exec-form {name}", argv[0]);
        let Some(v) = shared::judge(&what, &argv[j], &runner) else {
            continue;
        };
        let elem = &words[j];
        // An init the runtime adds (compose `init: true`) is PID 1: the
        // shell is its child and dies of the signal it passes on.
        let (message, label) = if ctx.image.run_init {
            (
                shared::under_init(&v.message),
                format!("run by `{}` under the init", argv[0]),
            )
        } else {
            (v.message.clone(), format!("run by `{}` as PID 1", argv[0]))
        };
        let d = ctx
            .report(&META, elem.span(), message)
            .severity(v.severity)
            .label(label);
        let checked = v
            .analysis
            .exec_insertion()
            .filter(|_| !matches!(runner, shared::Runner::Missing(_)))
            .and_then(|off| Some((off, shared::c_exec_fix(&argv[j], off)?)));
        let insertion = checked.map(|(off, _)| off);
        let exit_trap = checked.is_some_and(|(_, t)| t);
        // A string the shell rejects, or a last command `exec` cannot run
        // (a function, builtin, alias or keyword), is not fixed.
        let blocked = insertion.and_then(|off| {
            let names = crate::shell::names::Script::new(&argv[j]);
            if let Some(e) = names.syntax_error() {
                return Some(format!("the command string has {e}, so the shell fails to run it; fix the quoting first"));
            }
            match names.exec_before(off) {
                crate::shell::names::ExecFit::Safe if exit_trap => {
                    Some("the EXIT trap would no longer run".to_string())
                }
                crate::shell::names::ExecFit::Safe => None,
                crate::shell::names::ExecFit::Unsafe(why)
                | crate::shell::names::ExecFit::No(why) => Some(why),
            }
        });
        if let Some(why) = blocked {
            d.help(shared::blocked_help(&why, name));
            continue;
        }
        match insertion {
            Some(off) => {
                let raw = &ctx.text[elem.span()];
                let edit = if raw.len() >= 2 && raw[1..raw.len() - 1] == elem.value[..] {
                    let p = elem.span().start + 1 + off;
                    (p..p, "exec ".to_string())
                } else {
                    let mut s = elem.value.to_string();
                    s.insert_str(off, "exec ");
                    (elem.span(), json_quote(&s))
                };
                d.fix(ctx.fix(
                    FixSafety::Safe,
                    "Insert `exec` before the last command".into(),
                    vec![edit],
                ))
                .help("put `exec` before the last command of the string, so that the shell hands PID 1 to it");
            }
            None => {
                d.help(shared::no_fix_help(&v.analysis, name));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::command_string_index;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(std::string::ToString::to_string).collect()
    }

    #[test]
    fn finds_the_string() {
        assert_eq!(command_string_index(&v(&["sh", "-c", "x"])), Some(2));
        assert_eq!(
            command_string_index(&v(&["/bin/bash", "-o", "pipefail", "-ec", "x"])),
            Some(4)
        );
        assert_eq!(
            command_string_index(&v(&["/bin/ash", "-eo", "pipefail", "-c", "x"])),
            Some(4)
        );
        assert_eq!(
            command_string_index(&v(&["bash", "-O", "extglob", "-c", "x"])),
            Some(4)
        );
        assert_eq!(command_string_index(&v(&["bash", "script.sh"])), None);
        assert_eq!(command_string_index(&v(&["node", "-c", "x"])), None);
    }
}
