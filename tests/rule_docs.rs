//! Rule docs cannot drift from the code.
//!
//! Every rule in `dsig::rules::all()` has `rules/<slug>.md`, embedded verbatim
//! as `RuleMeta::doc`, and every `rules/*.md` belongs to a rule. Each doc starts
//! with `# CODE slug` and has exactly the sections `## What it does`,
//! `## Why it matters`, `## Example`, `## Fix`, `## Exceptions`,
//! `## References`, in that order, none empty.
//!
//! Its Dockerfile examples are fenced code blocks whose info string says what
//! they must do when linted as `Dockerfile`:
//!
//! - ```` ```dockerfile bad ````: parses, and has at least one finding of the rule;
//! - ```` ```dockerfile good ````: parses, and has no finding of the rule;
//! - ```` ```dockerfile good fix ````: a good block that is exactly what
//!   `fix_source(bad, unsafe_fixes = false)` makes of the nearest preceding bad
//!   block;
//! - ```` ```dockerfile good unsafe-fix ````: the same with `unsafe_fixes = true`,
//!   and the safe fixes alone must not already give it (else it is a `fix`).
//!
//! Blocks whose info string starts with `yaml` instead are compose files or
//! Kubernetes manifests, linted as `example.yaml`, with the same kinds.
//!
//! Any other info string starting with `dockerfile` is an error (a typo would
//! silently skip the check); blocks in other languages are not checked. Each
//! doc needs at least one bad and one good block (`good fix` counts as good).

use dsig::diagnostic::RuleMeta;
use dsig::{fix_source, lint_source, Report};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

const SECTIONS: [&str; 6] = [
    "What it does",
    "Why it matters",
    "Example",
    "Fix",
    "Exceptions",
    "References",
];

fn rules_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules")
}

/// The `*.md` files in rules/, by file name (empty when the directory is missing).
fn doc_files() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(rules_dir()) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    names
}

fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} {what} problem(s):\n\n{}\n",
        failures.len(),
        failures.join("\n\n")
    );
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bad,
    Good,
    GoodFix,
    GoodUnsafeFix,
}

#[derive(Debug)]
struct Block {
    /// 1-based index among the doc's Dockerfile blocks.
    index: usize,
    /// 1-based line of the opening fence.
    line: usize,
    info: String,
    kind: Kind,
    /// The name it is linted as.
    file: &'static str,
    text: String,
}

/// A parsed rule doc: its first line, its `## ` headings (outside code
/// blocks) with whether anything but blank lines follows them, and its
/// Dockerfile blocks.
#[derive(Debug, Default)]
struct Doc {
    title: String,
    sections: Vec<(String, bool)>,
    blocks: Vec<Block>,
    problems: Vec<String>,
}

fn parse_doc(text: &str) -> Doc {
    let mut doc = Doc {
        title: text.lines().next().unwrap_or("").to_string(),
        ..Doc::default()
    };
    // (fence, info, line, body) of the code block being read.
    let mut open: Option<(String, String, usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        if let Some((fence, info, start, body)) = &mut open {
            let t = line.trim();
            if t.starts_with(fence.as_str()) && t.trim_start_matches('`').is_empty() {
                let (info, start, body) = (std::mem::take(info), *start, std::mem::take(body));
                open = None;
                let words: Vec<&str> = info.split_whitespace().collect();
                // YAML examples are compose files or manifests (linted as
                // `example.yaml`).
                let file = match words.first() {
                    Some(&"dockerfile") => "Dockerfile",
                    Some(&"yaml") => "example.yaml",
                    _ => continue,
                };
                let kind = match &words[1..] {
                    ["bad"] => Kind::Bad,
                    ["good"] => Kind::Good,
                    ["good", "fix"] => Kind::GoodFix,
                    ["good", "unsafe-fix"] => Kind::GoodUnsafeFix,
                    _ => {
                        doc.problems.push(format!(
                            "line {start}: unknown Dockerfile block info string {info:?} \
                             (use `dockerfile bad`, `dockerfile good`, `dockerfile good fix` \
                             or `dockerfile good unsafe-fix`)"
                        ));
                        continue;
                    }
                };
                doc.blocks.push(Block {
                    index: doc.blocks.len() + 1,
                    line: start,
                    info,
                    kind,
                    file,
                    text: body,
                });
            } else {
                body.push_str(line);
                body.push('\n');
            }
            continue;
        }
        let t = line.trim_start();
        if t.starts_with("```") && line.len() - t.len() <= 3 {
            let fence: String = t.chars().take_while(|&c| c == '`').collect();
            let info = t[fence.len()..].trim().to_string();
            open = Some((fence, info, lineno, String::new()));
            if let Some((_, content)) = doc.sections.last_mut() {
                *content = true;
            }
        } else if let Some(h) = line.strip_prefix("## ") {
            doc.sections.push((h.trim().to_string(), false));
        } else if let Some((_, content)) = doc.sections.last_mut() {
            *content |= !line.trim().is_empty();
        }
    }
    if let Some((_, info, start, _)) = open {
        doc.problems.push(format!(
            "line {start}: code block ```{info} is never closed"
        ));
    }
    doc
}

/// Findings and errors of a report, one per line, for failure messages.
fn findings(report: &Report) -> String {
    let mut out = String::new();
    for e in &report.errors {
        let _ = write!(out, "\n      error: {e}");
    }
    for d in &report.diagnostics {
        let lc = report.files[d.file].line_col(d.span.start);
        let _ = write!(
            out,
            "\n      {}:{} {} {} {}",
            lc.line, lc.col, d.severity, d.code, d.message
        );
    }
    if out.is_empty() {
        out.push_str("\n      (no findings)");
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("      | {l}\n"))
        .collect::<String>()
}

fn check_examples(meta: &RuleMeta, doc_name: &str, doc: &Doc, failures: &mut Vec<String>) {
    let at = |b: &Block| {
        format!(
            "{doc_name}: block #{} (```{}, line {})",
            b.index, b.info, b.line
        )
    };
    let bad = doc.blocks.iter().filter(|b| b.kind == Kind::Bad).count();
    let good = doc.blocks.len() - bad;
    if bad == 0 {
        failures.push(format!(
            "{doc_name}: no ```dockerfile bad block (needs at least one)"
        ));
    }
    if good == 0 {
        failures.push(format!(
            "{doc_name}: no ```dockerfile good block (needs at least one; `good fix` counts)"
        ));
    }
    let mut last_bad: Option<&Block> = None;
    for b in &doc.blocks {
        let report = lint_source(b.file, &b.text);
        let hits = report
            .diagnostics
            .iter()
            .filter(|d| d.code == meta.code)
            .count();
        if !report.errors.is_empty() {
            failures.push(format!(
                "{}: does not parse:{}\n{}",
                at(b),
                findings(&report),
                indent(&b.text)
            ));
            if b.kind == Kind::Bad {
                last_bad = Some(b);
            }
            continue;
        }
        match b.kind {
            Kind::Bad => {
                if hits == 0 {
                    failures.push(format!(
                        "{}: a bad example must have a {} finding, got:{}\n{}",
                        at(b),
                        meta.code,
                        findings(&report),
                        indent(&b.text)
                    ));
                }
                last_bad = Some(b);
            }
            Kind::Good | Kind::GoodFix | Kind::GoodUnsafeFix => {
                if hits != 0 {
                    failures.push(format!(
                        "{}: a good example must have no {} finding, got:{}\n{}",
                        at(b),
                        meta.code,
                        findings(&report),
                        indent(&b.text)
                    ));
                }
            }
        }
        if matches!(b.kind, Kind::GoodFix | Kind::GoodUnsafeFix) {
            let Some(source) = last_bad else {
                failures.push(format!(
                    "{}: a fix block needs a ```dockerfile bad block before it",
                    at(b)
                ));
                continue;
            };
            let unsafe_fixes = b.kind == Kind::GoodUnsafeFix;
            let fixed = fix_source(source.file, &source.text, unsafe_fixes);
            if fixed.text != b.text {
                failures.push(format!(
                    "{}: is not what {} fixes of bad block #{} (line {}) give \
                     ({} fix(es) applied).\n    documented:\n{}    fix_source gives:\n{}",
                    at(b),
                    if unsafe_fixes { "safe+unsafe" } else { "safe" },
                    source.index,
                    source.line,
                    fixed.applied,
                    indent(&b.text),
                    indent(&fixed.text)
                ));
            } else if unsafe_fixes {
                let safe = fix_source(source.file, &source.text, false);
                if safe.text == b.text {
                    failures.push(format!(
                        "{}: the safe fixes alone give this; label it ```dockerfile good fix",
                        at(b)
                    ));
                }
            }
        }
    }
}

#[test]
fn every_rule_has_its_doc_and_every_doc_a_rule() {
    let rules = dsig::rules::all();
    let files = doc_files();
    let mut failures = Vec::new();
    let mut slugs = BTreeSet::new();
    let mut codes = BTreeSet::new();
    for meta in rules {
        if !codes.insert(meta.code) {
            failures.push(format!("rule code {} is used twice", meta.code));
        }
        if !slugs.insert(meta.slug) {
            failures.push(format!("rule slug {} is used twice", meta.slug));
        }
        if meta.summary.trim().is_empty() || meta.summary.ends_with('.') {
            failures.push(format!(
                "{} {}: summary must be one non-empty line without a trailing period: {:?}",
                meta.code, meta.slug, meta.summary
            ));
        }
        let name = format!("{}.md", meta.slug);
        let path = rules_dir().join(&name);
        match std::fs::read_to_string(&path) {
            Err(e) => failures.push(format!(
                "{} {}: missing doc rules/{name}: {e}",
                meta.code, meta.slug
            )),
            Ok(text) if text != meta.doc => failures.push(format!(
                "{} {}: RuleMeta::doc is not the content of rules/{name} \
                 (embed it with include_str!(\"../../rules/{name}\"))",
                meta.code, meta.slug
            )),
            Ok(_) => {}
        }
    }
    for name in &files {
        let slug = name.trim_end_matches(".md");
        if !rules.iter().any(|m| m.slug == slug) {
            failures.push(format!(
                "rules/{name}: no rule in dsig::rules::all() has slug {slug:?} \
                 ({} rules known)",
                rules.len()
            ));
        }
    }
    println!("rule docs: {} rules, {} docs", rules.len(), files.len());
    assert_no_failures("rule/doc", &failures);
}

#[test]
fn docs_have_the_standard_sections() {
    let mut failures = Vec::new();
    for meta in dsig::rules::all() {
        let name = format!("rules/{}.md", meta.slug);
        let doc = parse_doc(meta.doc);
        let title = format!("# {} {}", meta.code, meta.slug);
        if doc.title != title {
            failures.push(format!(
                "{name}: first line must be {title:?}, found {:?}",
                doc.title
            ));
        }
        let found: Vec<&str> = doc.sections.iter().map(|(h, _)| h.as_str()).collect();
        if found != SECTIONS {
            failures.push(format!(
                "{name}: `## ` headings must be exactly, in order:\n      {}\n    found:\n      {}",
                SECTIONS.join(" | "),
                if found.is_empty() {
                    "(none)".to_string()
                } else {
                    found.join(" | ")
                }
            ));
        }
        for (heading, content) in &doc.sections {
            if !content {
                failures.push(format!("{name}: section `## {heading}` is empty"));
            }
        }
        for p in &doc.problems {
            failures.push(format!("{name}: {p}"));
        }
    }
    assert_no_failures("doc structure", &failures);
}

#[test]
fn doc_examples_do_what_they_say() {
    let mut failures = Vec::new();
    let mut blocks = 0;
    for meta in dsig::rules::all() {
        let name = format!("rules/{}.md", meta.slug);
        let doc = parse_doc(meta.doc);
        blocks += doc.blocks.len();
        check_examples(meta, &name, &doc, &mut failures);
    }
    println!(
        "rule docs: {blocks} Dockerfile examples in {} docs",
        dsig::rules::all().len()
    );
    assert_no_failures("doc example", &failures);
}

/// The block parser itself, so a broken parser cannot make the checks vacuous.
#[test]
fn block_parser_reads_fences() {
    let doc = parse_doc(
        "# X000 x\n\n## Example\n```dockerfile bad\nFROM a\n# not a heading\n## nor this\nCMD x\n```\n\n\
         ```sh\necho\n```\n\n```dockerfile good fix\nFROM a\n```\n```dockerfile good unsafe-fix\n```\n\
         ```dockerfile goood\nX\n```\n## Fix\ntext\n```dockerfile good\nFROM b\n",
    );
    assert_eq!(doc.title, "# X000 x");
    let heads: Vec<(&str, bool)> = doc.sections.iter().map(|(h, c)| (h.as_str(), *c)).collect();
    assert_eq!(heads, [("Example", true), ("Fix", true)]);
    let kinds: Vec<Kind> = doc.blocks.iter().map(|b| b.kind).collect();
    assert_eq!(kinds, [Kind::Bad, Kind::GoodFix, Kind::GoodUnsafeFix]);
    assert_eq!(
        doc.blocks[0].text,
        "FROM a\n# not a heading\n## nor this\nCMD x\n"
    );
    assert_eq!(doc.blocks[1].text, "FROM a\n");
    assert_eq!(doc.blocks[2].text, "");
    assert_eq!(doc.blocks[1].index, 2);
    assert_eq!(doc.problems.len(), 2, "{:?}", doc.problems);
    assert!(doc.problems[0].contains("goood"));
    assert!(doc.problems[1].contains("never closed"));
}
