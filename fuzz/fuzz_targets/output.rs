//! Every output format on hostile input (`name\x01Dockerfile\0name\ntext...`,
//! see `split_output_input`; a context file `dsig.toml` is also parsed as a
//! config): pretty with and without colour, concise, github, JSON, SARIF,
//! the `--diff` of the fixes and the stderr error lines hold no line that a
//! GitHub runner would take as a workflow command (but github's own
//! annotations, whose decoded data holds none either) and no raw control
//! character (but dsig's own colours); JSON and SARIF read back the same.
#![no_main]

#[path = "../../tests/common/invariants.rs"]
mod invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let problems = invariants::check_target("output", data);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
});
