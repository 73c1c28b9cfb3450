//! SIG017 script-not-analysable.

use super::Context;
use crate::diagnostic::{FixAvailability, RuleMeta, Severity};
use crate::model::chain::Gap;
use crate::model::{Command, Setting};

pub const META: RuleMeta = RuleMeta {
    code: "SIG017",
    slug: "script-not-analysable",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "A startup script dsig cannot read (it does not come from the build context) or is too complex to analyse",
    doc: include_str!("../../rules/script-not-analysable.md"),
};

pub fn check(ctx: &Context) {
    command_strings(ctx);
    for s in &ctx.chain.scripts {
        if let Some(unparsed) = s.analysis.unparsed.or(s.flow.unparsed) {
            // The shebang stands for the whole script (a first line can be
            // all of it).
            let span = s.analysis.shebang.as_ref().map_or(0..0, |b| b.span.clone());
            let why = unparsed.describe();
            let label = unparsed.label();
            ctx.report_script(
                &META,
                s,
                span.clone(),
                format!("{} is {label}: {why}; dsig did not read it and cannot tell whether it hands PID 1 over or forwards SIGTERM", s.image_path),
            )
            .label(label)
            .help("keep the startup script small and simple, so that it visibly ends with `exec <app>`; move long data out of it");
            continue;
        }
        let Some((span, why)) = &s.flow.too_complex else {
            continue;
        };
        ctx.report_script(
            &META,
            s,
            span.clone(),
            format!("{} is too complex to analyse: {why}; dsig did not follow this part and cannot tell whether it hands PID 1 over or forwards SIGTERM", s.image_path),
        )
        .label("too complex to analyse")
        .help("make the startup flow simpler (fewer nested blocks and function calls), so that it visibly ends with `exec <app>`");
    }
    for gap in &ctx.chain.gaps {
        let Gap::NotAnalysable {
            image_path,
            why,
            at,
        } = gap
        else {
            continue;
        };
        let Some(ins) = ctx.dockerfile.instructions.get(*at) else {
            continue;
        };
        ctx.report(
            &META,
            ins.span(),
            format!("{image_path} is not analysable: {why}; dsig cannot tell whether it hands PID 1 over or forwards SIGTERM"),
        )
        .label("not in the build context")
        .help("check that the script ends with `exec \"$@\"` or `exec <app>`, or lint it directly with `dsig lint path/to/script.sh`");
    }
}

/// The command strings of the final stage's CMD and ENTRYPOINT (shell form,
/// or the string after `sh -c`) that are too large or too complex to parse:
/// the rules that read them see nothing there.
fn command_strings(ctx: &Context) {
    let Some(st) = ctx.image.final_stage() else {
        return;
    };
    for (setting, name) in [(&st.entrypoint, "ENTRYPOINT"), (&st.cmd, "CMD")] {
        let Setting::Set { value, at } = setting else {
            continue;
        };
        let (text, what) = match value {
            Command::Shell { text, .. } => (text.as_str(), format!("the shell-form {name}")),
            Command::Exec(argv) => {
                let Some(j) = super::shell_c_without_exec::command_string_index(argv) else {
                    continue;
                };
                (
                    argv[j].as_str(),
                    format!("the `{} -c` string of {name}", argv[0]),
                )
            }
        };
        let Err(unparsed) = crate::shell::script::parse_checked(text) else {
            continue;
        };
        let Some(ins) = ctx.dockerfile.instructions.get(*at) else {
            continue;
        };
        let label = unparsed.label();
        ctx.report(
            &META,
            ins.span(),
            format!(
                "{what} is {label}: {}; dsig did not read it and cannot tell whether it hands PID 1 over or forwards SIGTERM",
                unparsed.describe()
            ),
        )
        .label(label)
        .help("move the commands into a small startup script that ends with `exec <app>`, and run it in exec form");
    }
}
