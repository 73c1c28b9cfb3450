//! Saved fuzz inputs: testdata/fuzz/regressions/<target>/* (inputs that once
//! crashed or broke an invariant) and testdata/fuzz/seeds/<target>/* (the
//! minimized seed corpus), where <target> is a cargo fuzz target of fuzz/
//! (`parse`, `shell`, `fix`, `output`). Each file goes through exactly the checks its
//! fuzz target makes (tests/common/invariants.rs, `check_target`).
//!
//! testdata/fuzz/open/<target>/* holds findings not fixed yet: they must
//! still fail, so that a fix is noticed and the input moved to regressions/.

mod common;

use common::invariants::{check_target, panic_message};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

const TARGETS: [&str; 4] = ["parse", "shell", "fix", "output"];

/// The saved inputs under `dir` (`dir/<target>/<file>`), as (target, file),
/// sorted; `None` when `dir` does not exist. Every subfolder must be named
/// after a fuzz target.
fn saved_inputs(dir: &Path) -> Option<Vec<(String, PathBuf)>> {
    let dirs = std::fs::read_dir(dir).ok()?;
    let mut inputs = Vec::new();
    for sub in dirs {
        let sub = sub.unwrap().path();
        let target = sub.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            TARGETS.contains(&target.as_str()),
            "{}: not a fuzz target",
            sub.display()
        );
        for file in std::fs::read_dir(&sub).unwrap() {
            let file = file.unwrap().path();
            if file.is_file() {
                inputs.push((target.clone(), file));
            }
        }
    }
    inputs.sort();
    Some(inputs)
}

/// What the checks of `target` find wrong with the input in `file` (a panic
/// is one problem).
fn problems(target: &str, file: &Path) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap();
    catch_unwind(AssertUnwindSafe(|| check_target(target, &bytes)))
        .unwrap_or_else(|p| vec![format!("panicked: {}", panic_message(&*p))])
}

fn file_name(file: &Path) -> String {
    file.file_name().unwrap().to_string_lossy().to_string()
}

#[test]
fn saved_fuzz_inputs_hold_the_invariants() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz");
    let mut failures = Vec::new();
    let mut seen = 0;
    for kind in ["regressions", "seeds"] {
        let Some(inputs) = saved_inputs(&root.join(kind)) else {
            panic!("{}/{kind} is missing", root.display())
        };
        for (target, file) in inputs {
            let name = format!("{kind}/{target}/{}", file_name(&file));
            failures.extend(
                problems(&target, &file)
                    .into_iter()
                    .map(|p| format!("{name}: {p}")),
            );
            seen += 1;
        }
    }
    assert!(seen > 0, "no saved fuzz inputs under {}", root.display());
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn open_fuzz_findings_still_fail() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz/open");
    let Some(inputs) = saved_inputs(&root) else {
        return; // nothing open
    };
    for (target, file) in inputs {
        assert!(
            !problems(&target, &file).is_empty(),
            "open/{target}/{} passes now: move it to testdata/fuzz/regressions/{target}/",
            file_name(&file)
        );
    }
}

/// The fix target's input format round-trips, and reads nothing from disk.
#[test]
fn context_inputs_split() {
    use common::invariants::{join_context, split_context, FUZZ_CONTEXT};
    let bytes = join_context(
        "FROM alpine\nENTRYPOINT [\"/e.sh\"]\n",
        &[("e.sh", "#!/bin/sh\napp\n"), ("", "x")],
    );
    let (df, opts) = split_context(&bytes).unwrap();
    assert_eq!(df, "FROM alpine\nENTRYPOINT [\"/e.sh\"]\n");
    let root = PathBuf::from(FUZZ_CONTEXT);
    assert!(!root.exists());
    assert_eq!(opts.context_dir(), Some(root.clone()));
    assert_eq!(opts.overlay[&root.join("e.sh")], "#!/bin/sh\napp\n");
    assert_eq!(opts.overlay[&root.join("entrypoint.sh")], "x");
    assert!(split_context(b"FROM a\0x\n\xff").is_none());
}
