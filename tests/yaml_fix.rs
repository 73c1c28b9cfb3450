//! Fixes in compose files and manifests: edits in place that keep comments
//! and layout, after which the service is judged graceful, idempotent;
//! units judged as a compose project runs them (init, overrides, the
//! image's Dockerfile judged with the init its services add).

mod common;

use common::cli::{code, run_in, temp_dir, transcript};
use serde_json::Value;
use std::fs;
use std::path::Path;

fn lint_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["lint", "--isolated", "--format", "json"];
    all.extend(args);
    let out = run_in(dir, &all);
    assert!(code(&out) <= 1, "{}", transcript(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn verdict(v: &Value, label: &str) -> bool {
    v["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["label"] == label)
        .unwrap_or_else(|| panic!("no unit {label}: {v}"))["graceful"]
        .as_bool()
        .expect("graceful")
}

#[test]
fn compose_fixes_keep_layout_and_make_services_graceful() {
    let dir = temp_dir("yaml-fix");
    let original = "\
# the app
services:
  web:
    image: node:20-bookworm   # pinned
    command: [\"sh\", \"-c\", \"node server.js\"]
  worker:
    image: node:20-bookworm
    # the queue
    command: node worker.js
  flow: {image: node:20-bookworm, command: node x.js}
";
    fs::write(dir.join("compose.yaml"), original).unwrap();
    let before = lint_json(&dir, &["compose.yaml"]);
    assert!(!verdict(&before, "service \"web\""));
    assert!(!verdict(&before, "service \"worker\""));

    let out = run_in(&dir, &["lint", "--isolated", "--fix", "compose.yaml"]);
    assert!(code(&out) <= 1, "{}", transcript(&out));
    let fixed = fs::read_to_string(dir.join("compose.yaml")).unwrap();
    insta::assert_snapshot!("compose_fixed", fixed);
    // Only insertions: every original line is still there, in order.
    let mut lines = fixed.lines();
    for l in original.lines() {
        assert!(
            lines.any(|f| f == l || f.replace("exec ", "") == l),
            "{l:?} lost:\n{fixed}"
        );
    }
    assert!(fixed.contains("\"exec node server.js\""), "{fixed}");
    assert!(fixed.contains("    init: true\n"), "{fixed}");

    // The safe fixes leave `web` with node as PID 1 (a warning, which an
    // init answers): a second run adds `init: true` to it; then nothing is
    // left to fix.
    let _ = run_in(&dir, &["lint", "--isolated", "--fix", "compose.yaml"]);
    let twice = fs::read_to_string(dir.join("compose.yaml")).unwrap();
    let _ = run_in(&dir, &["lint", "--isolated", "--fix", "compose.yaml"]);
    let thrice = fs::read_to_string(dir.join("compose.yaml")).unwrap();
    assert_eq!(twice, thrice, "not idempotent");
    let after = lint_json(&dir, &["compose.yaml"]);
    assert!(verdict(&after, "service \"web\""), "{after}");
    assert!(verdict(&after, "service \"worker\""), "{after}");
    // A flow mapping gets no inserted line.
    assert!(!verdict(&after, "service \"flow\""), "{after}");
}

#[test]
fn dockerfile_judged_with_the_init_every_service_adds() {
    let dir = temp_dir("yaml-init");
    fs::create_dir_all(dir.join("app")).unwrap();
    fs::write(
        dir.join("app/Dockerfile"),
        "FROM node:20-bookworm\nCMD [\"node\", \"server.js\"]\n",
    )
    .unwrap();
    let compose = "services:\n  a:\n    build: ./app\n    image: org/app\n    init: true\n  b:\n    image: org/app\n    init: true\n";
    fs::write(dir.join("compose.yaml"), compose).unwrap();
    let codes = |v: &Value| -> Vec<String> {
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| format!("{} {}", d["file"].as_str().unwrap(), d["code"]))
            .collect()
    };
    let v = lint_json(&dir, &["."]);
    assert!(codes(&v).is_empty(), "{v}");
    assert!(verdict(&v, "service \"a\""));
    assert!(verdict(&v, "service \"b\""));
    // One service that runs the image without an init: the Dockerfile is
    // judged without one again.
    fs::write(
        dir.join("compose.yaml"),
        format!("{compose}  c:\n    image: org/app\n"),
    )
    .unwrap();
    let v = lint_json(&dir, &["."]);
    assert_eq!(
        codes(&v),
        vec!["app/Dockerfile \"SIG020\"".to_string()],
        "{v}"
    );
    assert!(!verdict(&v, "service \"c\""));
    assert!(verdict(&v, "service \"a\""));
}

#[test]
fn suppression_comments_work_in_yaml() {
    let dir = temp_dir("yaml-suppress");
    let text = "services:\n  a:\n    image: node:20-bookworm\n    # dsig ignore=SIG005 the shell is wanted here\n    command: [\"sh\", \"-c\", \"node server.js\"]\n  b:\n    image: node:20-bookworm\n    # dsig ignore=SIG001 matches nothing\n    command: [\"node\", \"b.js\"]\n";
    fs::write(dir.join("compose.yaml"), text).unwrap();
    let v = lint_json(&dir, &["compose.yaml"]);
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    // SIG005 on `a` is suppressed; the unused suppression on `b` is SIG000;
    // `b`'s own finding stays. The verdict is the kernel's, not changed by
    // a suppression.
    assert!(!codes.contains(&"SIG005"), "{v}");
    assert!(codes.contains(&"SIG000"), "{v}");
    assert!(codes.contains(&"SIG020"), "{v}");
    assert!(!verdict(&v, "service \"a\""));
}
