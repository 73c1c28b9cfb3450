//! SIG000 unused-suppression. Its findings are made by [`crate::suppress`],
//! after every other rule has run: the rule has no check.

use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    code: "SIG000",
    slug: "unused-suppression",
    severity: Severity::Warning,
    fix: FixAvailability::Always(FixSafety::Safe),
    summary: "A suppression comment that suppresses nothing",
    doc: include_str!("../../rules/unused-suppression.md"),
};
