//! Fixture snapshots per rule: testdata/rules/<CODE>/*.Dockerfile, and
//! scenario folders testdata/rules/<CODE>/<name>/ holding a Dockerfile and
//! the scripts of its build context.
//!
//! Each fixture must trigger its directory's rule, except `clean-*` fixtures,
//! which must not. The snapshot records every finding (position, severity,
//! code, message, label, help, fix) and the diff of `--fix` and of
//! `--fix --unsafe-fixes`, so a reviewer sees exactly what a user would get.
//! The seed scenarios (testdata/seed) are snapshotted the same way.

use dsig::{fix, lint, LintOptions, Report};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn render(report: &Report) -> String {
    let mut out = String::new();
    for e in &report.errors {
        writeln!(out, "error: {e}").unwrap();
    }
    for d in &report.diagnostics {
        let f = &report.files[d.file];
        let lc = f.line_col(d.span.start);
        let end = f.line_col(d.span.end);
        writeln!(
            out,
            "{}:{}-{}:{} {}[{} {}] {}",
            lc.line, lc.col, end.line, end.col, d.severity, d.code, d.slug, d.message
        )
        .unwrap();
        if let Some(l) = &d.label {
            writeln!(out, "    label: {l}").unwrap();
        }
        if let Some(h) = &d.help {
            writeln!(out, "    help: {h}").unwrap();
        }
        if let Some(fix) = &d.fix {
            writeln!(out, "    fix ({}): {}", fix.safety.as_str(), fix.message).unwrap();
        }
    }
    if out.is_empty() {
        out.push_str("(no findings)\n");
    }
    out
}

fn diff(a: &str, b: &str) -> String {
    if a == b {
        return "(no change)\n".into();
    }
    similar::TextDiff::from_lines(a, b)
        .unified_diff()
        .context_radius(2)
        .to_string()
}

/// Lint and fix (safe, then unsafe) a Dockerfile with `opts`; the snapshot
/// shows findings and the diff of every changed file.
fn snapshot_with(name: &str, text: &str, opts: &LintOptions) -> String {
    let report = lint(name, text, opts);
    let safe = fix(name, text, opts, false);
    let unsafe_ = fix(name, text, opts, true);
    for (o, unsafe_fixes) in [(&safe, false), (&unsafe_, true)] {
        // Fixes re-parse and are idempotent, scripts included.
        assert!(
            o.report.errors.is_empty(),
            "{name}: fix broke parsing:\n{}",
            o.text
        );
        let mut again = opts.clone();
        for f in &o.others {
            again.overlay.insert(f.disk.clone(), f.text.clone());
        }
        let second = fix(name, &o.text, &again, unsafe_fixes);
        assert_eq!(second.text, o.text, "{name}: fix not idempotent");
        assert!(
            second.others.is_empty(),
            "{name}: script fix not idempotent"
        );
    }
    let mut s = render(&report);
    let changes = |o: &dsig::FixOutcome| {
        let mut out = diff(text, &o.text);
        for f in &o.others {
            let name = std::path::Path::new(&f.path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            write!(out, "+++ {name}\n{}", diff(&f.original, &f.text)).unwrap();
        }
        out
    };
    write!(
        s,
        "--- fix (safe): {} applied\n{}",
        safe.applied,
        changes(&safe)
    )
    .unwrap();
    if unsafe_.text != safe.text || unsafe_.others != safe.others {
        write!(
            s,
            "--- fix (unsafe): {} applied\n{}",
            unsafe_.applied,
            changes(&unsafe_)
        )
        .unwrap();
    }
    s
}

fn snapshot_of(name: &str, text: &str) -> String {
    snapshot_with(name, text, &LintOptions::default())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn rule_fixtures() {
    let mut seen = 0;
    for dir in sorted(&root().join("rules"))
        .into_iter()
        .filter(|d| d.is_dir())
    {
        let code = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            dsig::rules::find(&code).is_some(),
            "testdata/rules/{code}: no such rule"
        );
        let mut fired = 0;
        for entry in sorted(&dir) {
            let (file, opts) = if entry.is_dir() {
                let f = entry.join("Dockerfile");
                (f.clone(), LintOptions::for_file(f))
            } else {
                (entry.clone(), LintOptions::default())
            };
            if entry
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            let stem = entry.file_stem().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&file).unwrap();
            let report = lint("Dockerfile", &text, &opts);
            let hits = report.diagnostics.iter().filter(|d| d.code == code).count();
            if stem.starts_with("clean-") {
                assert_eq!(
                    hits,
                    0,
                    "{code}/{stem}: must not fire:\n{}",
                    render(&report)
                );
            } else {
                assert!(hits > 0, "{code}/{stem}: must fire:\n{}", render(&report));
                fired += 1;
            }
            insta::assert_snapshot!(
                format!("{code}__{stem}"),
                snapshot_with("Dockerfile", &text, &opts)
            );
            seen += 1;
        }
        assert!(fired > 0, "{code}: no fixture that fires");
    }
    assert!(seen >= dsig::rules::all().len(), "too few fixtures: {seen}");
}

/// The seed scenarios with their build context: v2's script runs the app
/// without exec (SIG010, fixed by inserting exec); v3's trap forwards and
/// waits (clean).
#[test]
fn seed_scenarios_with_context() {
    for (v, want) in [
        ("v1", vec!["SIG001"]),
        ("v2", vec!["SIG001", "SIG010"]),
        ("v3", vec!["SIG001"]),
    ] {
        let path = root().join("seed").join(v).join("Dockerfile");
        let text = std::fs::read_to_string(&path).unwrap();
        let opts = LintOptions::for_file(&path);
        let report = lint("Dockerfile", &text, &opts);
        let codes: Vec<_> = report.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, want, "{v}");
        insta::assert_snapshot!(
            format!("seed_{v}_with_context"),
            snapshot_with("Dockerfile", &text, &opts)
        );
    }
}

#[test]
fn seed_scenarios() {
    for v in ["v1", "v2", "v3"] {
        let text = std::fs::read_to_string(root().join("seed").join(v).join("Dockerfile")).unwrap();
        let report = dsig::lint_source("Dockerfile", &text);
        // The seed's base image is unknown to dsig: SIG001 warning with the
        // exec-form fix (script analysis is a later stage).
        let codes: Vec<_> = report
            .diagnostics
            .iter()
            .map(|d| (d.code, d.severity))
            .collect();
        assert_eq!(codes, [("SIG001", dsig::Severity::Warning)], "{v}");
        insta::assert_snapshot!(format!("seed_{v}"), snapshot_of("Dockerfile", &text));
    }
}
