//! Every real entrypoint script in ../shared/corpus/scripts/entrypoint, linted
//! as if it were the image's entrypoint (`dsig lint script.sh`): no crash,
//! fixes re-lint cleanly, and the counts per rule are printed. The
//! docker-library scripts that end in `exec "$@"` must come out clean.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.file_name().is_some_and(|n| n != "MANIFEST.json") {
            out.push(p);
        }
    }
}

#[test]
fn entrypoint_scripts_as_entrypoints() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/scripts");
    if !root.is_dir() {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true but ../shared/corpus is missing"
        );
        println!("skipped: ../shared/corpus/scripts not found");
        return;
    }
    for sub in ["entrypoint", "other"] {
        let mut files = Vec::new();
        walk(&root.join(sub), &mut files);
        assert!(!files.is_empty(), "no scripts under {sub}");
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut flagged = 0;
        let mut exec_args_dirty = Vec::new();
        let mut parse_errors = 0;
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            if dsig::shell::script::analyze(&text).has_errors {
                parse_errors += 1;
            }
            // Linted as a script whatever its name.
            let name = format!("{}.sh", f.display());
            let report = std::panic::catch_unwind(|| {
                dsig::lint(&name, &text, &dsig::LintOptions::default())
            })
            .unwrap_or_else(|_| panic!("panic on {}", f.display()));
            assert!(
                report.errors.is_empty(),
                "{}: {:?}",
                f.display(),
                report.errors
            );
            if !report.diagnostics.is_empty() {
                flagged += 1;
            }
            for d in &report.diagnostics {
                *counts.entry(d.code).or_default() += 1;
            }
            let ends_in_exec_args = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.trim() == "exec \"$@\"");
            if ends_in_exec_args && !report.diagnostics.is_empty() {
                exec_args_dirty.push(f.display().to_string());
            }
            // Fixing re-lints without errors and settles.
            let fixed = dsig::fix(&name, &text, &dsig::LintOptions::default(), true);
            assert!(fixed.report.errors.is_empty());
            let again = dsig::fix(&name, &fixed.text, &dsig::LintOptions::default(), true);
            assert_eq!(
                again.text,
                fixed.text,
                "{}: fix not idempotent",
                f.display()
            );
        }
        println!(
            "scripts/{sub}: {} scripts ({parse_errors} with tree-sitter syntax errors), {flagged} flagged; findings per rule: {counts:?}",
            files.len()
        );
        assert!(
            exec_args_dirty.is_empty(),
            "scripts ending in exec \"$@\" flagged: {exec_args_dirty:#?}"
        );
    }
}

/// The paths the script model finds in each corpus script, against
/// testdata/corpus-paths.tsv: for each script, the endings the earlier
/// backward reading found (frozen: computed by dsig 0.1 before issue 13)
/// and the paths the model finds now, by kind. The model's column is
/// recomputed here; `DSIG_CORPUS_PATHS_WRITE=1` writes it anew.
#[test]
fn corpus_paths_table() {
    use dsig::shell::flow::{self, End};
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/scripts");
    if !root.is_dir() {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true but ../shared/corpus is missing"
        );
        println!("skipped: ../shared/corpus/scripts not found");
        return;
    }
    let table = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus-paths.tsv");
    let old: BTreeMap<String, String> = std::fs::read_to_string(&table)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.splitn(3, '\t');
            Some((f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect();
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut rows = vec!["script\tendings_before\tpaths_after".to_string()];
    let mut mismatches = Vec::new();
    let start = std::time::Instant::now();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let rel = f.strip_prefix(&root).unwrap().display().to_string();
        let shell = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("#!"))
            .and_then(|l| l.split_whitespace().last())
            .and_then(dsig::shell::ShellKind::from_program);
        let env = flow::Env {
            shell,
            zero: rel.clone(),
            ..flow::Env::unknown()
        };
        let flow =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| flow::run(&text, &env)))
                .unwrap_or_else(|_| panic!("panic on {rel}"));
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &flow.paths {
            let k = match &p.end {
                End::Exec { .. } => "exec",
                End::Foreground { .. } => "foreground",
                End::Wait { .. } => "wait",
                End::Exit { .. } => "exit",
                End::Fails { .. } => "fails",
                End::Unknown { .. } => "unknown",
            };
            *kinds.entry(k).or_default() += 1;
        }
        let after = format!(
            "{} ({})",
            flow.paths.len(),
            kinds
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let before = old.get(&rel).cloned().unwrap_or_else(|| "-".into());
        rows.push(format!("{rel}\t{before}\t{after}"));
    }
    let took = start.elapsed();
    let text = rows.join("\n") + "\n";
    if std::env::var("DSIG_CORPUS_PATHS_WRITE").is_ok() {
        std::fs::write(&table, &text).unwrap();
    } else {
        let committed = std::fs::read_to_string(&table).unwrap_or_default();
        for (a, b) in committed.lines().zip(text.lines()) {
            if a != b {
                mismatches.push(format!("committed: {a}\n      now: {b}"));
            }
        }
        assert_eq!(committed.lines().count(), text.lines().count(), "row count");
    }
    println!("{} scripts run by the model in {took:?}", files.len());
    assert!(
        mismatches.is_empty(),
        "the model's paths differ from testdata/corpus-paths.tsv (DSIG_CORPUS_PATHS_WRITE=1 to accept):\n{}",
        mismatches.join("\n")
    );
}
