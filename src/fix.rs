//! Applying fixes: non-overlapping byte-range edits, repeated to a fixed point.
//!
//! Each round lints the current text, takes every applicable fix whose edits do
//! not overlap an edit already taken in that round, applies them, and lints
//! again. It stops when no fix applies or nothing changes (or after
//! [`MAX_ROUNDS`]).
//!
//! Every round is checked before it is kept ([`dockerfile_kept`]): the
//! fixed Dockerfile is parsed again and must hold the same instructions
//! (kind, order, text, heredoc bodies) except where the edits touched them,
//! plus exactly the instructions the inserted lines spell; a script that
//! parsed must still parse. A fix that breaks this (a bug, or an input built
//! to trip the fixer) is dropped: the round keeps the fixes that pass on
//! their own, and a file is never written broken.

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
#[must_use]
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
#[must_use]
pub fn overlaps(a: &Edit, b: &Edit) -> bool {
    if a.file != b.file {
        return false;
    }
    a.range.start < b.range.end && b.range.start < a.range.end
        || a.range.start == b.range.start
        || (a.range.is_empty() && b.range.contains(&a.range.start))
        || (b.range.is_empty() && a.range.contains(&b.range.start))
}

/// The fixes of `report`, in order, that one round takes: each allowed
/// (safe, or `unsafe_fixes`), editing only the Dockerfile or files on disk
/// (not standard input), and conflicting with none taken before it.
fn select(report: &crate::Report, unsafe_fixes: bool) -> Vec<&crate::diagnostic::Fix> {
    let mut taken: Vec<&crate::diagnostic::Fix> = Vec::new();
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
            .any(|e| taken.iter().any(|t| t.edits.iter().any(|t| overlaps(e, t))))
        {
            continue;
        }
        taken.push(fix);
    }
    taken
}

/// One round of fixing: the edits of each fix of `report`, in order, that is
/// allowed (safe, or `unsafe_fixes`), edits only the Dockerfile or files on
/// disk (not standard input), and conflicts with none taken before it. Also
/// returns how many fixes were taken.
#[must_use]
pub fn take_round(report: &crate::Report, unsafe_fixes: bool) -> (Vec<Edit>, usize) {
    let fixes = select(report, unsafe_fixes);
    let edits = fixes.iter().flat_map(|f| f.edits.iter().cloned()).collect();
    (edits, fixes.len())
}

/// Fix a Dockerfile given as text, reading nothing else (see [`fix`]).
#[must_use]
pub fn fix_source(path: &str, text: &str, unsafe_fixes: bool) -> FixOutcome {
    fix(path, text, &crate::LintOptions::default(), unsafe_fixes)
}

/// When a round's fixes together break a file, at most this many are tried
/// one by one (each try re-parses the file).
const MAX_SALVAGE: usize = 32;

/// The texts after applying `fixes`: the Dockerfile (or script linted on its
/// own) and the overlay of scripts; `Err` when a file would break.
fn build(
    path: &str,
    current: &str,
    opts: &crate::LintOptions,
    report: &crate::Report,
    fixes: &[&crate::diagnostic::Fix],
) -> Result<(String, crate::LintOptions), String> {
    let taken: Vec<Edit> = fixes.iter().flat_map(|f| f.edits.iter().cloned()).collect();
    let mut next_opts = opts.clone();
    let mut next = current.to_string();
    let mut files: Vec<usize> = taken.iter().map(|e| e.file).collect();
    files.sort_unstable();
    files.dedup();
    for f in files {
        let edits: Vec<Edit> = taken.iter().filter(|e| e.file == f).cloned().collect();
        if f == 0 {
            next = apply_edits(current, &edits);
            if crate::is_yaml(path, current) {
                yaml_kept(current, &next)?;
            } else if crate::is_script(path, current) {
                script_kept(current, &next)?;
            } else {
                dockerfile_kept(current, &edits, &next)?;
            }
            continue;
        }
        let sf = &report.files[f];
        let Some(disk) = sf.disk.clone() else {
            continue;
        };
        let changed = apply_edits(&sf.text, &edits);
        if crate::is_yaml(&sf.path, &sf.text) {
            yaml_kept(&sf.text, &changed)
        } else {
            script_kept(&sf.text, &changed)
        }
        .map_err(|e| format!("{}: {e}", sf.path))?;
        next_opts.overlay.insert(disk, changed);
    }
    Ok((next, next_opts))
}

/// A YAML file that parsed must still parse, with as many documents and
/// the same top-level keys in each.
fn yaml_kept(old: &str, new: &str) -> Result<(), String> {
    let Ok(before) = crate::project::yaml::parse(old) else {
        return Ok(());
    };
    let after = crate::project::yaml::parse(new)
        .map_err(|e| format!("the fixed file is not valid YAML: {}", e.message))?;
    let keys = |docs: &[crate::project::yaml::Node]| -> Vec<Vec<String>> {
        docs.iter()
            .map(|d| {
                d.entries()
                    .iter()
                    .filter_map(|(k, _)| k.as_str().map(str::to_string))
                    .collect()
            })
            .collect()
    };
    if keys(&before) != keys(&after) {
        return Err("the fixed file's documents or top-level keys changed".to_string());
    }
    Ok(())
}

/// A script that the shell accepted must still be accepted.
fn script_kept(old: &str, new: &str) -> Result<(), String> {
    if crate::shell::names::syntax_error(old).is_none() {
        if let Some(e) = crate::shell::names::syntax_error(new) {
            return Err(format!("the fixed script has {e}"));
        }
    }
    Ok(())
}

/// Whether `new` (the Dockerfile `old` with `edits` applied) holds the same
/// instructions as `old` plus the intended edits: every instruction the
/// edits do not touch is there, at its shifted place, with the same text
/// (heredoc bodies included) and nothing joined to it; one they touch keeps
/// its kind; and the only other instructions are those that the inserted
/// whole lines spell, as many as they spell (an inserted `ENTRYPOINT` that
/// a line continuation swallows is no instruction).
///
/// # Errors
/// What was lost, changed or added, naming the instruction.
pub fn dockerfile_kept(old: &str, edits: &[Edit], new: &str) -> Result<(), String> {
    let Ok(before) = crate::syntax::parse(old) else {
        return Ok(()); // not ours to judge: the fixer never edits such a file
    };
    let after =
        crate::syntax::parse(new).map_err(|e| format!("the fixed file does not parse: {e}"))?;
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    // Where each edit's replacement lands in `new`.
    let mut landed: Vec<std::ops::Range<usize>> = Vec::with_capacity(sorted.len());
    let mut delta: isize = 0;
    for e in &sorted {
        let start = (e.range.start as isize + delta) as usize;
        landed.push(start..start + e.replacement.len());
        delta += e.replacement.len() as isize - e.range.len() as isize;
    }
    // Offsets after the edits that end at or before them move by the sum
    // of those edits' growth: prefix sums over the edits sorted by end.
    let mut by_end: Vec<(usize, isize)> = sorted
        .iter()
        .map(|e| {
            (
                e.range.end,
                e.replacement.len() as isize - e.range.len() as isize,
            )
        })
        .collect();
    by_end.sort_by_key(|&(end, _)| end);
    let mut growth = Vec::with_capacity(by_end.len() + 1);
    growth.push(0isize);
    for &(_, d) in &by_end {
        growth.push(growth[growth.len() - 1] + d);
    }
    let shift = |p: usize| -> usize {
        let n = by_end.partition_point(|&(end, _)| end <= p);
        (p as isize + growth[n]) as usize
    };
    let by_start: std::collections::HashMap<usize, usize> = after
        .instructions
        .iter()
        .enumerate()
        .map(|(i, ins)| (ins.span().start, i))
        .collect();
    let mut matched = vec![false; after.instructions.len()];
    let mut replaced = 0;
    for ins in &before.instructions {
        let span = ins.span();
        let line = ins.start_line();
        let touched = sorted.iter().any(|e| {
            (e.range.start < span.end && e.range.end > span.start)
                || (e.range.is_empty() && span.start < e.range.start && e.range.start < span.end)
        });
        let keyword_edited = sorted
            .iter()
            .any(|e| e.range.start <= span.start && span.start < e.range.end);
        if keyword_edited {
            replaced += 1;
            continue;
        }
        let Some(&j) = by_start.get(&shift(span.start)) else {
            return Err(format!("the `{}` on line {line} is gone", ins.keyword()));
        };
        let now = &after.instructions[j];
        matched[j] = true;
        if touched {
            if now.kind != ins.kind || now.heredocs().len() != ins.heredocs().len() {
                return Err(format!(
                    "the `{}` on line {line} changed kind",
                    ins.keyword()
                ));
            }
        } else if new.get(now.span()) != old.get(span) {
            return Err(format!(
                "the `{}` on line {line} changed (a neighbour joined it?)",
                ins.keyword()
            ));
        }
    }
    // The instructions that inserted whole lines spell.
    let mut added = 0;
    for e in &sorted {
        let at_line_start =
            e.range.start == 0 || old.as_bytes().get(e.range.start - 1) == Some(&b'\n');
        let at_end = e.range.start == old.len() && e.replacement.starts_with(['\n', '\r']);
        // Inside an instruction (a heredoc line, a continuation line) a line
        // is not an instruction of its own.
        let ins = &before.instructions;
        let k = ins.partition_point(|i| i.span().start < e.range.start);
        let inside = k > 0 && e.range.start < ins[k - 1].span().end;
        if e.replacement.is_empty() || inside || !(at_line_start || at_end) {
            continue;
        }
        match crate::syntax::parse(e.replacement.trim_start_matches(['\r', '\n'])) {
            Ok(df) => added += df.instructions.len(),
            Err(err) => return Err(format!("an inserted line does not parse: {err}")),
        }
    }
    let extra: Vec<&crate::syntax::Instruction> = after
        .instructions
        .iter()
        .zip(&matched)
        .filter(|(_, m)| !**m)
        .map(|(i, _)| i)
        .collect();
    if let Some(i) = extra.iter().find(|i| {
        !landed
            .iter()
            .any(|r| r.start <= i.span().start && i.span().start < r.end)
    }) {
        return Err(format!(
            "an instruction `{}` appeared outside the edits on line {}",
            i.keyword(),
            i.start_line()
        ));
    }
    if extra.len() != added + replaced {
        return Err(format!(
            "the edits should add {} instruction(s), the fixed file has {} new",
            added + replaced,
            extra.len()
        ));
    }
    Ok(())
}

/// Fix a Dockerfile and the scripts it leads to: apply safe fixes (and unsafe
/// ones when `unsafe_fixes`) until none applies. Nothing is written: changed
/// files are returned.
#[must_use]
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
        let fixes = select(&report, unsafe_fixes);
        if fixes.is_empty() {
            break;
        }
        let mut chosen = fixes.clone();
        let mut built = build(path, &current, &opts, &report, &chosen);
        if built.is_err() {
            // Together they break a file: keep those that pass one by one.
            chosen.clear();
            for f in fixes.iter().take(MAX_SALVAGE) {
                let mut trial = chosen.clone();
                trial.push(f);
                if build(path, &current, &opts, &report, &trial).is_ok() {
                    chosen = trial;
                }
            }
            if chosen.is_empty() {
                break;
            }
            built = build(path, &current, &opts, &report, &chosen);
        }
        let Ok((next, next_opts)) = built else {
            break;
        };
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
        for e in chosen.iter().flat_map(|f| &f.edits).filter(|e| e.file != 0) {
            let sf = &report.files[e.file];
            if let Some(disk) = &sf.disk {
                if !originals.iter().any(|(_, d, _)| d == disk) {
                    originals.push((sf.path.clone(), disk.clone(), sf.text.clone()));
                }
            }
        }
        applied += chosen.len();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(range: std::ops::Range<usize>, replacement: &str) -> Edit {
        Edit {
            file: 0,
            range,
            replacement: replacement.to_string(),
        }
    }

    fn kept(old: &str, edits: &[Edit]) -> Result<(), String> {
        dockerfile_kept(old, edits, &apply_edits(old, edits))
    }

    #[test]
    fn an_instruction_swallowed_by_a_continuation_is_caught() {
        let old = "FROM a\nCMD x \\\n";
        let tail = edit(old.len()..old.len(), "ENTRYPOINT [\"/tini\", \"--\"]\n");
        assert!(kept(old, &[tail]).is_err());
        // Closing the continuation first keeps both.
        let open = old.rfind('\\').unwrap();
        let tail = edit(old.len()..old.len(), "ENTRYPOINT [\"/tini\", \"--\"]\n");
        assert_eq!(kept(old, &[edit(open..open + 1, ""), tail]), Ok(()));
    }

    #[test]
    fn intended_edits_pass() {
        let old = "FROM a\n# c\nCMD x y\n";
        let args = old.find("x y").unwrap();
        assert_eq!(kept(old, &[edit(args..args + 3, "[\"x\", \"y\"]")]), Ok(()));
        let cmd = old.find("CMD").unwrap();
        assert_eq!(kept(old, &[edit(cmd..cmd, "RUN apk add tini\n")]), Ok(()));
        let c = old.find("# c\n").unwrap();
        assert_eq!(kept(old, &[edit(c..c + 4, "")]), Ok(()));
        let end = old.len();
        assert_eq!(kept(old, &[edit(end..end, "ENTRYPOINT [\"t\"]\n")]), Ok(()));
    }

    #[test]
    fn untouched_instructions_and_heredocs_must_stay() {
        let old = "FROM a\nCOPY <<EOF /x\nbody\nEOF\nCMD x\n";
        // An edit that turns the next line into a continuation of the COPY.
        let end = old.find("\nCMD").unwrap();
        assert!(kept(old, &[edit(end..end, "\nRUN y \\")]).is_err());
        // An instruction that appears from text inside an edit that is not
        // a whole line (JSON text glued to the previous line) is caught.
        let x = old.rfind('x').unwrap();
        assert!(kept(old, &[edit(x..x + 1, "x\nRUN evil")]).is_err());
        // A line inserted into a heredoc body is content, not an instruction.
        let body = old.find("body").unwrap();
        assert_eq!(kept(old, &[edit(body..body, "exec ")]), Ok(()));
        assert_eq!(kept(old, &[edit(body..body, "RUN x\n")]), Ok(()));
    }
}
