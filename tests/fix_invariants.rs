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
//!   is a fixed point: fixing it again changes nothing and applies nothing.
//!
//! Run with `cargo test --test fix_invariants -- --nocapture` for the counts.

use dsig::diagnostic::{Edit, Fix, FixSafety};
use dsig::{fix_source, lint_source, Report};
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

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic)".into())
}

fn errors(report: &Report) -> String {
    report
        .errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Same rule as the fixer: overlapping ranges, or two edits at the same start
/// (their order would be arbitrary), or an insertion inside another edit.
fn overlaps(a: &Edit, b: &Edit) -> bool {
    a.file == b.file
        && (a.range.start < b.range.end && b.range.start < a.range.end
            || a.range.start == b.range.start
            || (a.range.is_empty() && b.range.contains(&a.range.start))
            || (b.range.is_empty() && a.range.contains(&b.range.start)))
}

/// `out[*pos..]` must start with `seg`; advances `pos` past it.
fn expect_at(out: &str, pos: &mut usize, seg: &str, what: String) -> Result<(), String> {
    if out.as_bytes()[*pos..].starts_with(seg.as_bytes()) {
        *pos += seg.len();
        return Ok(());
    }
    let end = (*pos + seg.len().max(1)).min(out.len());
    Err(format!(
        "{what} differs at output byte {}: want {:?}, got {:?}",
        *pos,
        seg,
        String::from_utf8_lossy(&out.as_bytes()[*pos..end])
    ))
}

/// `text` with `edits` applied must be the original outside the edited ranges
/// and each replacement inside them. Returns the first difference.
fn check_outside_unchanged(text: &str, edits: &[Edit], out: &str) -> Result<(), String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let (mut pos_in, mut pos_out) = (0, 0);
    for e in sorted {
        expect_at(
            out,
            &mut pos_out,
            &text[pos_in..e.range.start],
            format!("unedited text {}..{}", pos_in, e.range.start),
        )?;
        expect_at(
            out,
            &mut pos_out,
            &e.replacement,
            format!("replacement of {:?}", e.range),
        )?;
        pos_in = e.range.end;
    }
    expect_at(
        out,
        &mut pos_out,
        &text[pos_in..],
        format!("unedited tail {}..{}", pos_in, text.len()),
    )?;
    if pos_out != out.len() {
        return Err(format!(
            "output has {} extra bytes at the end",
            out.len() - pos_out
        ));
    }
    Ok(())
}

#[derive(Default)]
struct FileResult {
    problems: Vec<String>,
    parsed: bool,
    findings: usize,
    fixes_offered: usize,
    safe_applied: usize,
    unsafe_applied: usize,
}

fn check_file(text: &str) -> FileResult {
    let mut r = FileResult::default();
    let report = match catch_unwind(|| lint_source("Dockerfile", text)) {
        Ok(report) => report,
        Err(p) => {
            r.problems
                .push(format!("lint_source panicked: {}", panic_message(&*p)));
            return r;
        }
    };
    if !report.errors.is_empty() {
        return r;
    }
    r.parsed = true;
    r.findings = report.diagnostics.len();

    // The edits of every fix offered for the original text.
    let fixes: Vec<(&str, &Fix)> = report
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref().map(|f| (d.code, f)))
        .collect();
    r.fixes_offered = fixes.len();
    let mut edits_ok = true;
    for (code, fix) in &fixes {
        for (i, e) in fix.edits.iter().enumerate() {
            let Some(file) = report.files.get(e.file) else {
                r.problems
                    .push(format!("{code} fix: edit into unknown file {}", e.file));
                edits_ok = false;
                continue;
            };
            let t = &file.text;
            if e.range.start > e.range.end || e.range.end > t.len() {
                r.problems.push(format!(
                    "{code} fix: edit {:?} outside the text ({} bytes)",
                    e.range,
                    t.len()
                ));
                edits_ok = false;
            } else if !t.is_char_boundary(e.range.start) || !t.is_char_boundary(e.range.end) {
                r.problems.push(format!(
                    "{code} fix: edit {:?} not on char boundaries",
                    e.range
                ));
                edits_ok = false;
            }
            for other in &fix.edits[..i] {
                if overlaps(e, other) {
                    r.problems.push(format!(
                        "{code} fix {:?}: edits {:?} and {:?} overlap",
                        fix.message, other.range, e.range
                    ));
                    edits_ok = false;
                }
            }
        }
    }

    for unsafe_fixes in [false, true] {
        let mode = if unsafe_fixes { "unsafe" } else { "safe" };
        // One round, as the fixer takes it: each applicable fix that does not
        // conflict with the ones already taken.
        if edits_ok {
            let mut taken: Vec<Edit> = Vec::new();
            for (_, fix) in &fixes {
                if fix.safety == FixSafety::Unsafe && !unsafe_fixes {
                    continue;
                }
                if fix.edits.iter().any(|e| e.file != 0) {
                    continue;
                }
                if fix
                    .edits
                    .iter()
                    .any(|e| taken.iter().any(|t| overlaps(e, t)))
                {
                    continue;
                }
                taken.extend(fix.edits.iter().cloned());
            }
            if !taken.is_empty() {
                let out = dsig::fix::apply_edits(text, &taken);
                if let Err(e) = check_outside_unchanged(text, &taken, &out) {
                    r.problems
                        .push(format!("{mode}: one round of apply_edits: {e}"));
                }
                let again = lint_source("Dockerfile", &out);
                if !again.errors.is_empty() {
                    r.problems.push(format!(
                        "{mode}: one round of fixes does not parse: {}",
                        errors(&again)
                    ));
                }
            }
        }

        // The fixer to its fixed point.
        let fixed = match catch_unwind(|| fix_source("Dockerfile", text, unsafe_fixes)) {
            Ok(f) => f,
            Err(p) => {
                r.problems.push(format!(
                    "{mode}: fix_source panicked: {}",
                    panic_message(&*p)
                ));
                continue;
            }
        };
        if unsafe_fixes {
            r.unsafe_applied = fixed.applied;
        } else {
            r.safe_applied = fixed.applied;
        }
        if fixed.applied == 0 && fixed.text != text {
            r.problems
                .push(format!("{mode}: text changed but no fix counted"));
        }
        let reparsed = lint_source("Dockerfile", &fixed.text);
        if !reparsed.errors.is_empty() {
            r.problems.push(format!(
                "{mode}: fixed text does not parse: {}",
                errors(&reparsed)
            ));
            continue;
        }
        let twice = fix_source("Dockerfile", &fixed.text, unsafe_fixes);
        if twice.text != fixed.text || twice.applied != 0 {
            let diff = similar::TextDiff::from_lines(fixed.text.as_str(), twice.text.as_str())
                .unified_diff()
                .context_radius(1)
                .to_string();
            r.problems.push(format!(
                "{mode}: not idempotent: fixing the fixed text applied {} more fix(es):\n{diff}",
                twice.applied
            ));
        }
    }
    r
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
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get());
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
                                catch_unwind(AssertUnwindSafe(|| check_file(&text))).unwrap_or_else(
                                    |p| FileResult {
                                        problems: vec![format!("panicked: {}", panic_message(&*p))],
                                        ..FileResult::default()
                                    },
                                )
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
