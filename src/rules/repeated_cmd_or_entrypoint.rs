//! SIG004 repeated-cmd-or-entrypoint.

use super::Context;
use crate::diagnostic::{FixAvailability, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    code: "SIG004",
    slug: "repeated-cmd-or-entrypoint",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "More than one CMD or ENTRYPOINT in a stage: only the last one takes effect",
    doc: include_str!("../../rules/repeated-cmd-or-entrypoint.md"),
};

pub fn check(ctx: &Context) {
    for st in &ctx.image.stages {
        for (list, name) in [
            (&st.cmd_instructions, "CMD"),
            (&st.entrypoint_instructions, "ENTRYPOINT"),
        ] {
            let Some((&last, earlier)) = list.split_last() else {
                continue;
            };
            let last_line = ctx.dockerfile.instructions[last].start_line();
            for &at in earlier {
                let ins = &ctx.dockerfile.instructions[at];
                ctx.report(
                    &META,
                    ins.span(),
                    format!(
                        "this {name} never takes effect: the {name} on line {last_line} replaces it (only the last {name} of a stage counts)"
                    ),
                )
                .label(format!("overridden on line {last_line}"))
                .help(format!(
                    "delete this {name}, or merge what it should run into the last one; to run several programs use a script that ends with `exec`"
                ));
            }
        }
    }
}
