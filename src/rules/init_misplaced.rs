//! SIG022 init-misplaced.

use super::Context;
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::model::chain::Step;

pub const META: RuleMeta = RuleMeta {
    code: "SIG022",
    slug: "init-misplaced",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "An init (tini, dumb-init) that is not PID 1, or tini without `--`",
    doc: include_str!("../../rules/init-misplaced.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(at) = ctx.chain.started_by else {
        return;
    };
    let ins = &ctx.dockerfile.instructions[at];
    for step in &ctx.chain.steps {
        let Step::Init {
            name,
            options,
            command,
            as_child,
        } = step
        else {
            continue;
        };
        if *as_child {
            let mut d = ctx.diagnostic(
                &META,
                ins.span.clone(),
                format!("`{name}` is not PID 1: a shell or script that stays PID 1 starts it as a child, so SIGTERM never reaches it and it reaps nothing"),
            );
            d.label = Some(format!("`{name}` runs as a child"));
            d.help = Some(format!("put `{name}` first: `ENTRYPOINT [\"{name}\", \"--\", ...]`, and `exec` anything that starts it"));
            out.push(d);
        } else if name.starts_with("tini")
            && !options.iter().any(|o| o == "--")
            && command.iter().skip(1).any(|w| w.starts_with('-'))
        {
            let mut d = ctx.diagnostic(
                &META,
                ins.span.clone(),
                format!("`{name}` without `--`: it reads the command's options that start with `-` as its own"),
            );
            d.label = Some("no `--` after tini".into());
            d.help = Some("write `tini --` before the command".into());
            out.push(d);
        }
    }
}
