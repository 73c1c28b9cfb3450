//! Conformance with BuildKit's own parser.
//!
//! testdata/conformance/expected.json is the output of the official parser
//! (PyPI `dockerfile`, wrapping BuildKit's Go parser) over the real-world
//! corpus in ../shared/corpus; tests/conformance/generate.py regenerates it.
//! For every file, dsig's instruction list must equal it: keyword, start and
//! end line, exec or shell form, argument values, flags, heredocs (name, fd,
//! content), and the logical line. Files BuildKit rejects must be rejected by
//! dsig too, with a location, never a panic.

use dsig::syntax::{self, Args, Instruction};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Deliberate differences from BuildKit v0.12.5 (the version the PyPI
/// package wraps), keyed by corpus path, with the reason.
const DELIBERATE: &[(&str, &str)] = &[(
    "buildkit-parser-tests/testfiles/json/Dockerfile",
    "the PyPI wrapper passes strings through C and cuts them at NUL; BuildKit's own dump (testfiles/json/result) keeps \\u0000 as dsig does, checked by dumps_match_buildkit_results",
)];

/// The values of `args`, the arguments of `ins` or of its HEALTHCHECK
/// command (shell text is read through the instruction).
fn values(ins: &Instruction, args: &Args) -> (bool, Vec<String>) {
    match args {
        Args::None => (false, vec![]),
        Args::Exec(w) => (true, w.iter().map(|w| w.value.to_string()).collect()),
        Args::Shell { text, .. } => (false, vec![text.value(ins).to_string()]),
        Args::List(w) | Args::Words(w) => (false, w.iter().map(|w| w.value.to_string()).collect()),
        Args::KeyValues { pairs, .. } => (
            false,
            pairs
                .iter()
                .flat_map(|(k, v)| [k.value.to_string(), v.value.to_string()])
                .collect(),
        ),
        Args::Health { kind, cmd } => {
            let (json, mut rest) = values(ins, cmd);
            rest.insert(0, kind.value.to_string());
            (json, rest)
        }
        Args::OnBuild(i) => values(i, &i.args),
        Args::Text(t) => (false, vec![t.value.to_string()]),
        Args::Ignored => (false, vec![String::new()]),
    }
}

/// The same view of an instruction the PyPI package gives.
fn view(ins: &Instruction) -> Value {
    let (sub_cmd, flags_of) = match &ins.args {
        Args::OnBuild(child) => (Value::String(child.keyword().to_string()), ins),
        _ => (Value::Null, ins),
    };
    let (is_json, value) = values(ins, &ins.args);
    let mut original = ins.line().into_owned();
    // The package reads heredocs off the node it reports; for ONBUILD that is
    // the inner node, which BuildKit never gives any.
    let heredocs: Vec<Value> = if matches!(ins.args, Args::OnBuild(_)) {
        vec![]
    } else {
        ins.heredocs()
            .iter()
            .map(|h| json!({"name": h.name, "fd": h.fd, "content": h.content}))
            .collect()
    };
    if !heredocs.is_empty() {
        original.push('\n');
        for h in ins.heredocs() {
            original.push_str(h.content);
            original.push_str(&h.name);
            original.push('\n');
        }
    }
    json!({
        "cmd": ins.keyword(),
        "sub_cmd": sub_cmd,
        "json": is_json,
        "original": original,
        "start_line": ins.start_line(),
        "end_line": ins.end_line(),
        "flags": flags_of.flags().iter().map(|f| f.text.clone()).collect::<Vec<_>>(),
        "value": value,
        "heredocs": heredocs,
    })
}

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true but ../shared/corpus is missing"
        );
        println!("skipped: ../shared/corpus not found beside the repository");
        None
    }
}

#[test]
fn agrees_with_buildkit_on_the_corpus() {
    let Some(root) = corpus() else { return };
    let expected_path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/conformance/expected.json");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap();
    let expected = expected.as_object().unwrap();
    let mut agree = 0;
    let mut failures = Vec::new();
    let mut deliberate = 0;
    for (rel, want) in expected {
        // Keys under testdata/ are dsig's own parser fixtures; the rest are
        // relative to the shared corpus.
        let path = if rel.starts_with("testdata/") {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
        } else {
            root.join(rel)
        };
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let Ok(text) = String::from_utf8(bytes) else {
            // dsig rejects invalid UTF-8 before parsing (with the byte offset).
            assert!(
                want.get("error").is_some(),
                "{rel}: not UTF-8 but BuildKit parsed it"
            );
            agree += 1;
            continue;
        };
        let got = std::panic::catch_unwind(|| syntax::parse(&text));
        let got = if let Ok(r) = got {
            r
        } else {
            failures.push(format!("{rel}: PANIC"));
            continue;
        };
        let ok = match (&got, want.get("error")) {
            (Err(e), Some(_)) => {
                assert!(e.offset <= text.len(), "{rel}: error offset out of range");
                true
            }
            (Ok(df), None) => {
                // Lossless: the pieces give the input back.
                let joined: String = df.pieces.iter().map(|p| &text[p.span.clone()]).collect();
                assert_eq!(joined, text, "{rel}: pieces do not reproduce the input");
                let got: Vec<Value> = df.instructions.iter().map(view).collect();
                let want = &want["commands"];
                if got.as_slice() == want.as_array().unwrap().as_slice() {
                    true
                } else {
                    let first = got
                        .iter()
                        .zip(want.as_array().unwrap())
                        .find(|(g, w)| g != w)
                        .map_or_else(
                            || {
                                format!(
                                    " ({} vs {} instructions)",
                                    got.len(),
                                    want.as_array().unwrap().len()
                                )
                            },
                            |(g, w)| format!("\n   got  {g}\n   want {w}"),
                        );
                    failures.push(format!("{rel}:{first}"));
                    false
                }
            }
            (Err(e), None) => {
                failures.push(format!(
                    "{rel}: dsig error {:?} at {}, BuildKit parsed it",
                    e.message, e.offset
                ));
                false
            }
            (Ok(_), Some(err)) => {
                failures.push(format!("{rel}: dsig parsed it, BuildKit: {err}"));
                false
            }
        };
        if ok {
            agree += 1;
        } else if DELIBERATE.iter().any(|(p, _)| p == rel) {
            deliberate += 1;
            failures.pop();
        }
    }
    println!(
        "conformance: {agree}/{} files agree with BuildKit ({deliberate} deliberate differences)",
        expected.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rejects_what_buildkit_rejects_with_a_location() {
    let Some(root) = corpus() else { return };
    let neg = root.join("buildkit-parser-tests/testfiles-negative");
    let mut n = 0;
    for entry in std::fs::read_dir(&neg).unwrap() {
        let path = entry.unwrap().path().join("Dockerfile");
        let text = std::fs::read_to_string(&path).unwrap();
        let err = syntax::parse(&text).expect_err(&path.display().to_string());
        assert!(!err.message.is_empty());
        assert!(err.offset <= text.len());
        n += 1;
    }
    assert!(n >= 4, "expected the negative test files, found {n}");
}

/// Go's `strconv.Quote`.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// BuildKit's `Node.Dump()` for one instruction (current BuildKit, which
/// keeps the ENV/LABEL separator nodes `""` and `"="`).
fn dump(ins: &Instruction) -> String {
    let mut s = ins.keyword().to_lowercase();
    if !ins.flags().is_empty() {
        let f: Vec<String> = ins.flags().iter().map(|f| go_quote(&f.text)).collect();
        let _ = write!(s, " [{}]", f.join(" "));
    }
    let vals: Vec<String> = match &ins.args {
        Args::OnBuild(child) => return format!("{s} ({})", dump(child)).trim().to_string(),
        Args::KeyValues { pairs, legacy } => pairs
            .iter()
            .flat_map(|(k, v)| {
                [
                    k.value.to_string(),
                    v.value.to_string(),
                    if *legacy { String::new() } else { "=".into() },
                ]
            })
            .collect(),
        other => values(ins, other).1,
    };
    for v in vals {
        s.push(' ');
        s.push_str(&go_quote(&v));
    }
    s.trim().to_string()
}

#[test]
fn dumps_match_buildkit_results() {
    let Some(root) = corpus() else { return };
    let dir = root.join("buildkit-parser-tests/testfiles");
    let mut n = 0;
    let mut bad = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let d = entry.unwrap().path();
        let text = std::fs::read_to_string(d.join("Dockerfile")).unwrap();
        let want = std::fs::read_to_string(d.join("result")).unwrap();
        let df = syntax::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        let got: String = df
            .instructions
            .iter()
            .map(|i| format!("({})\n", dump(i)))
            .collect();
        if got != want {
            bad.push(format!("{}:\n--- got\n{got}--- want\n{want}", d.display()));
        }
        n += 1;
    }
    println!("BuildKit result dumps: {}/{n} agree", n - bad.len());
    assert!(n >= 30, "expected BuildKit's test files, found {n}");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
