//! Security suite (issue 12): dsig run on hostile repositories.
//!
//! One module per class of attack, each a reproducer that asserts the safe
//! behaviour. Inputs are generated here (no big files committed):
//! - `jail`: no byte of a file outside the linted tree or build context in
//!   any output (a canary string), `.git/` never read or written, config and
//!   non-regular files, unreadable scripts.
//! - `output`: no line that a GitHub runner would parse as a workflow command,
//!   no raw control characters, in every format, on stdout and stderr.
//! - `budgets`: pathological inputs within time and memory, no abort.
//! - `fixes`: fixes that never break what they touch.

#[path = "../common/mod.rs"]
mod common;

mod support;

mod budgets;
mod fixes;
mod jail;
mod output;
mod parse_budget;
