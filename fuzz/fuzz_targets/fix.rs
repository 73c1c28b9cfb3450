//! A Dockerfile with its build context (`Dockerfile\0name\ntext\0...`, see
//! `split_context`), linted and fixed with the context in an overlay (no disk
//! access): edits are local and in bounds, one round of fixes and the fixed
//! point parse, and fixing is idempotent (Dockerfile and scripts).
#![no_main]

#[path = "../../tests/common/invariants.rs"]
mod invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let problems = invariants::check_target("fix", data);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
});
