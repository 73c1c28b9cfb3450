//! Arbitrary text as a `sh -c` command string (`shell::command_string`, `lex`,
//! `handover`) and as a script (`shell::script::analyze`, then linted and
//! fixed as an entrypoint script `entrypoint.sh`). Nothing panics; every
//! offset returned lies in the text on char boundaries; the fix invariants of
//! `check_fix` hold.
#![no_main]

#[path = "../../tests/common/invariants.rs"]
mod invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let problems = invariants::check_target("shell", data);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
});
