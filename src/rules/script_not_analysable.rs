//! SIG017 script-not-analysable.

use super::Context;
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::model::chain::Gap;

pub const META: RuleMeta = RuleMeta {
    code: "SIG017",
    slug: "script-not-analysable",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "A startup script dsig cannot read (it does not come from the build context) or is too complex to analyse",
    doc: include_str!("../../rules/script-not-analysable.md"),
};

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &ctx.chain.scripts {
        let Some((span, why)) = &s.analysis.too_complex else {
            continue;
        };
        let mut d = ctx.script_diagnostic(
            &META,
            s,
            span.clone(),
            format!("{} is too complex to analyse: {why}; dsig did not follow this part and cannot tell whether it hands PID 1 over or forwards SIGTERM", s.image_path),
        );
        d.label = Some("too complex to analyse".into());
        d.help = Some("make the startup flow simpler (fewer nested blocks and function calls), so that it visibly ends with `exec <app>`".into());
        out.push(d);
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
        let mut d = ctx.diagnostic(
            &META,
            ins.span.clone(),
            format!("{image_path} is not analysable: {why}; dsig cannot tell whether it hands PID 1 over or forwards SIGTERM"),
        );
        d.label = Some("not in the build context".into());
        d.help = Some("check that the script ends with `exec \"$@\"` or `exec <app>`, or lint it directly with `dsig lint path/to/script.sh`".into());
        out.push(d);
    }
}
