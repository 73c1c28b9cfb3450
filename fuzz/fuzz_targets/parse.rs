//! Arbitrary bytes as a Dockerfile: `files::decode` then `syntax::parse` and
//! `lint_source`. Nothing panics; the pieces of a parsed file tile it byte for
//! byte; a parse error points into the text; findings and fix edits lie in
//! their file on char boundaries.
#![no_main]

#[path = "../../tests/common/invariants.rs"]
mod invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let problems = invariants::check_target("parse", data);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
});
