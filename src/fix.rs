//! Applying fixes: non-overlapping byte-range edits, repeated to a fixed point.
//!
//! Each round lints the current text, takes every applicable fix whose edits do
//! not overlap an edit already taken in that round, applies them, and lints
//! again. It stops when no fix applies or nothing changes (or after
//! [`MAX_ROUNDS`]). A fix whose result no longer parses is a bug, caught by
//! the tests; at run time that round is discarded.

use crate::diagnostic::{Edit, FixSafety, Report};

/// Upper bound on fix rounds; every rule's fix removes its own finding, so real
/// files settle in one or two.
pub const MAX_ROUNDS: usize = 10;

/// Another file (a script) that the fixes changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedFile {
    /// As findings name it.
    pub path: String,
    pub disk: std::path::PathBuf,
    pub original: String,
    pub text: String,
}

/// The result of fixing one Dockerfile and the files it leads to.
#[derive(Debug, Clone)]
pub struct FixOutcome {
    /// The fixed Dockerfile text (equal to the input when nothing applied).
    pub text: String,
    /// Other files whose text changed.
    pub others: Vec<FixedFile>,
    /// How many fixes were applied over all rounds.
    pub applied: usize,
    /// The findings that remain after fixing.
    pub report: Report,
}

/// Apply `edits` (all for the same text) to `text`. Edits must not overlap;
/// insertions at the same offset are applied in the given order.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for e in sorted {
        debug_assert!(e.range.start >= pos, "overlapping edits");
        let start = e.range.start.max(pos);
        out.push_str(&text[pos..start]);
        out.push_str(&e.replacement);
        pos = e.range.end.max(start);
    }
    out.push_str(&text[pos..]);
    out
}

/// Two edits of the same file conflict: their ranges overlap, or both insert
/// at the same point (their order would be arbitrary), or one inserts inside
/// the other's range.
pub fn overlaps(a: &Edit, b: &Edit) -> bool {
    if a.file != b.file {
        return false;
    }
    a.range.start < b.range.end && b.range.start < a.range.end
        || a.range.start == b.range.start
        || (a.range.is_empty() && b.range.contains(&a.range.start))
        || (b.range.is_empty() && a.range.contains(&b.range.start))
}

/// One round of fixing: the edits of each fix of `report`, in order, that is
/// allowed (safe, or `unsafe_fixes`), edits only the Dockerfile or files on
/// disk (not standard input), and conflicts with none taken before it. Also
/// returns how many fixes were taken.
pub fn take_round(report: &crate::Report, unsafe_fixes: bool) -> (Vec<Edit>, usize) {
    let mut taken: Vec<Edit> = Vec::new();
    let mut count = 0;
    for d in &report.diagnostics {
        let Some(fix) = &d.fix else { continue };
        if fix.safety == FixSafety::Unsafe && !unsafe_fixes {
            continue;
        }
        if fix
            .edits
            .iter()
            .any(|e| e.file != 0 && report.files.get(e.file).is_none_or(|f| f.disk.is_none()))
        {
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
        count += 1;
    }
    (taken, count)
}

/// Fix a Dockerfile given as text, reading nothing else (see [`fix`]).
pub fn fix_source(path: &str, text: &str, unsafe_fixes: bool) -> FixOutcome {
    fix(path, text, &crate::LintOptions::default(), unsafe_fixes)
}

/// Fix a Dockerfile and the scripts it leads to: apply safe fixes (and unsafe
/// ones when `unsafe_fixes`) until none applies. Nothing is written: changed
/// files are returned.
pub fn fix(path: &str, text: &str, opts: &crate::LintOptions, unsafe_fixes: bool) -> FixOutcome {
    let mut opts = opts.clone();
    let mut current = text.to_string();
    let mut originals: Vec<(String, std::path::PathBuf, String)> = Vec::new();
    let mut applied = 0;
    let mut report = crate::lint(path, &current, &opts);
    for _ in 0..MAX_ROUNDS {
        if !report.errors.is_empty() {
            break;
        }
        let (taken, count) = take_round(&report, unsafe_fixes);
        if count == 0 {
            break;
        }
        let mut next_opts = opts.clone();
        let mut next = current.clone();
        let mut files: Vec<usize> = taken.iter().map(|e| e.file).collect();
        files.sort_unstable();
        files.dedup();
        for f in files {
            let edits: Vec<Edit> = taken.iter().filter(|e| e.file == f).cloned().collect();
            if f == 0 {
                next = apply_edits(&current, &edits);
                continue;
            }
            let sf = &report.files[f];
            let Some(disk) = sf.disk.clone() else {
                continue;
            };
            if !originals.iter().any(|(_, d, _)| d == &disk) {
                originals.push((sf.path.clone(), disk.clone(), sf.text.clone()));
            }
            next_opts
                .overlay
                .insert(disk, apply_edits(&sf.text, &edits));
        }
        if next == current && next_opts.overlay == opts.overlay {
            break; // the edits changed nothing: settled
        }
        let next_report = crate::lint(path, &next, &next_opts);
        if !next_report.errors.is_empty() {
            // A fix that breaks parsing is a bug (tests/fix_invariants.rs
            // applies every fix on the corpus and fails on it); here the
            // round is discarded and the last good texts kept.
            break;
        }
        applied += count;
        current = next;
        opts = next_opts;
        report = next_report;
    }
    let others = originals
        .into_iter()
        .filter_map(|(path, disk, original)| {
            let text = opts.overlay.get(&disk)?.clone();
            (text != original).then_some(FixedFile {
                path,
                disk,
                original,
                text,
            })
        })
        .collect();
    FixOutcome {
        text: current,
        others,
        applied,
        report,
    }
}
