//! Fix invariants over the real-world corpus (../shared/corpus).
//!
//! Every Dockerfile under `dockerfiles/` and `buildkit-parser-tests/testfiles/`
//! is linted (a panic is reported with the file name). For each file that
//! parses:
//!
//! - every fix's edits (from linting the original) lie inside the text, on
//!   char boundaries, and do not overlap each other;
//! - applying one round of fixes with `dsig::fix::apply_edits` (each fix taken
//!   unless it conflicts with one already taken, safe ones only, then safe and
//!   unsafe) keeps every byte outside the edited ranges, and the result parses;
//! - `fix_source`, without and with unsafe fixes, gives text that parses and
//!   is a fixed point: fixing it again changes nothing and applies nothing;
//! - every file also parses losslessly: its pieces tile it byte for byte.
//!
//! Run with `cargo test --test fix_invariants -- --nocapture` for the counts.
//!
//! The checks themselves are in tests/common/invariants.rs, shared with the
//! property tests, the fuzz regressions and the fuzz targets.

mod common;

use common::invariants::{
    check_file, check_outside_unchanged, check_text, overlaps, panic_message, FileResult,
};
use dsig::diagnostic::Edit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if root.join("dockerfiles").is_dir() {
        return Some(root);
    }
    let ci = std::env::var("CI").unwrap_or_default();
    assert!(
        ci.is_empty() || ci == "false" || ci == "0",
        "CI={ci} but the corpus {} is missing",
        root.display()
    );
    println!(
        "fix invariants skipped: corpus {} not found beside the repository",
        root.display()
    );
    None
}

/// Corpus-relative paths and their files, sorted.
fn inputs(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for dir in [
        root.join("dockerfiles"),
        root.join("buildkit-parser-tests/testfiles"),
    ] {
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.file_name().is_some_and(|n| n != "MANIFEST.json") {
                    let rel = path
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    // BuildKit's test dirs also hold `result` (the AST dump).
                    if rel.starts_with("buildkit-parser-tests/") && !rel.ends_with("/Dockerfile") {
                        continue;
                    }
                    out.push((rel, path));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fixes_keep_files_parseable_idempotent_and_local() {
    let Some(root) = corpus() else { return };
    let files = inputs(&root);
    assert!(
        files.len() > 100,
        "expected the corpus Dockerfiles under {}, found {}",
        root.display(),
        files.len()
    );

    // Files are independent: check them on all cores.
    let threads = std::thread::available_parallelism().map_or(4, std::num::NonZero::get);
    let chunk = files.len().div_ceil(threads);
    let results: Vec<(String, Option<FileResult>)> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(rel, path)| {
                            let bytes = std::fs::read(path).unwrap();
                            let result = String::from_utf8(bytes).ok().map(|text| {
                                let mut r = catch_unwind(AssertUnwindSafe(|| check_file(&text)))
                                    .unwrap_or_else(|p| FileResult {
                                        problems: vec![format!("panicked: {}", panic_message(&*p))],
                                        ..FileResult::default()
                                    });
                                if let Err(e) = check_text(&text) {
                                    r.problems.push(e);
                                }
                                r
                            });
                            (rel.clone(), result)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    let mut failures = Vec::new();
    let (mut not_utf8, mut parsed, mut findings, mut offered) = (0, 0, 0, 0);
    let (mut with_fixes, mut safe_files, mut unsafe_files) = (0, 0, 0);
    let (mut safe_applied, mut unsafe_applied) = (0, 0);
    for (rel, result) in &results {
        let Some(r) = result else {
            not_utf8 += 1;
            continue;
        };
        for p in &r.problems {
            failures.push(format!("{rel}: {p}"));
        }
        parsed += usize::from(r.parsed);
        findings += r.findings;
        offered += r.fixes_offered;
        with_fixes += usize::from(r.fixes_offered > 0);
        safe_files += usize::from(r.safe_applied > 0);
        unsafe_files += usize::from(r.unsafe_applied > 0);
        safe_applied += r.safe_applied;
        unsafe_applied += r.unsafe_applied;
    }
    println!(
        "fix invariants: {} files ({parsed} parse, {} rejected by dsig, {not_utf8} not UTF-8)",
        results.len(),
        results.len() - parsed - not_utf8
    );
    println!("fix invariants: {findings} findings, {offered} fixes offered in {with_fixes} files");
    println!(
        "fix invariants: safe: {safe_applied} fixes applied in {safe_files} files; \
         safe+unsafe: {unsafe_applied} fixes applied in {unsafe_files} files"
    );
    let panics: Vec<&String> = failures.iter().filter(|f| f.contains("panicked")).collect();
    assert!(
        panics.is_empty(),
        "{} file(s) panicked:\n{}",
        panics.len(),
        panics
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        failures.is_empty(),
        "{} fix invariant violation(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    if !dsig::rules::all().is_empty() {
        assert!(
            unsafe_applied > 0,
            "rules exist but no corpus file got a fix: the fixer or the corpus walk is broken"
        );
    }
}

#[test]
fn outside_check_catches_changes() {
    let edit = |r: std::ops::Range<usize>, s: &str| Edit {
        file: 0,
        range: r,
        replacement: s.into(),
    };
    let text = "CMD app --x\n";
    let edits = [edit(4..7, "[\"app\""), edit(11..11, "]")];
    let out = dsig::fix::apply_edits(text, &edits);
    assert_eq!(check_outside_unchanged(text, &edits, &out), Ok(()));
    assert!(check_outside_unchanged(text, &edits, "CMD [\"app\" --y]\n").is_err());
    assert!(check_outside_unchanged(text, &edits, &format!("{out} ")).is_err());
    assert!(check_outside_unchanged(text, &edits[..1], &out).is_err());
    assert!(overlaps(&edit(1..3, ""), &edit(2..2, "x")));
    assert!(overlaps(&edit(2..2, ""), &edit(2..2, "x")));
    assert!(!overlaps(&edit(1..2, ""), &edit(2..3, "x")));
}
