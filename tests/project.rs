//! How the repository builds each Dockerfile (src/project): `dsig lint` at
//! a repository's root, with no flags, finds the build files and lints each
//! Dockerfile as they build it, with the same findings as naming the
//! context and build args by hand.
//!
//! The fixtures in testdata/project/ are copied into a temporary directory
//! with a `.git` of its own (a repository cannot hold one), so that each is
//! the root of its repository.

use std::fmt::Write as _;
mod common;

use common::cli::{assert_no_panic, code, manifest_dir, run_in, temp_dir};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Copy `testdata/project/<name>` (execute bits kept) into a fresh
/// repository root of its own for the test `test`.
fn repo(name: &str, test: &str) -> PathBuf {
    let to = temp_dir(&format!("project-{test}"));
    copy_tree(&manifest_dir().join("testdata/project").join(name), &to);
    fs::create_dir(to.join(".git")).expect("mkdir .git");
    to
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for e in fs::read_dir(from).expect("read fixture") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).expect("copy");
        }
    }
}

fn json(out: &Output) -> Value {
    assert_no_panic(out);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Each finding as `code file line:col`, sorted.
fn findings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let file = d["file"].as_str().expect("file");
            format!(
                "{} {} {}:{}",
                d["code"].as_str().expect("code"),
                file.strip_prefix("./").unwrap_or(file),
                d["span"]["start"]["line"],
                d["span"]["start"]["column"]
            )
        })
        .collect();
    out.sort();
    out
}

/// The builds of the linted file `name` (a compose file in the tree is
/// linted too, and may come first).
fn builds_of<'v>(v: &'v Value, name: &str) -> &'v Vec<Value> {
    let files = v["files"].as_array().expect("files");
    let i = files
        .iter()
        .position(|f| f == name)
        .unwrap_or_else(|| panic!("{name} not linted: {v}"));
    v["builds"][i].as_array().expect("builds")
}

fn lint_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    json(&run_in(dir, &all))
}

#[test]
fn bake_context_is_the_root_and_dockerfile_in_a_subdirectory() {
    let root = repo("bake", "t1");
    let found = lint_json(&root, &["."]);
    let by_hand = lint_json(
        &root,
        &[
            "--context",
            ".",
            "--build-arg",
            "APP_ENV=production",
            "debian/Dockerfile",
        ],
    );
    // The startup script is read from the root context: its missing exec
    // is found, and there is no "not in the build context" error.
    assert_eq!(findings(&found), vec!["SIG010 scripts/entrypoint.sh 4:1"]);
    assert_eq!(findings(&found), findings(&by_hand));
    let build = &found["builds"][0][0];
    assert_eq!(build["origin"], "docker-bake.hcl target \"app\"");
    assert_eq!(build["context"], ".");
    assert_eq!(build["context_known"], true);
    assert_eq!(build["args"]["APP_ENV"], "production");
    assert_eq!(by_hand["builds"][0][0]["origin"], "--context");

    // Without the bake file, the context is inferred: the nearest
    // directory where every COPY source is (the root), still an assumption.
    fs::remove_file(root.join("docker-bake.hcl")).expect("rm");
    let alone = lint_json(&root, &["."]);
    assert_eq!(findings(&alone), vec!["SIG010 scripts/entrypoint.sh 4:1"]);
    let origin = alone["builds"][0][0]["origin"].as_str().unwrap_or("");
    assert!(origin.starts_with("inferred: `.`"), "{origin}");
    assert_eq!(alone["builds"][0][0]["context_known"], false);
    // A source that is nowhere: the Dockerfile's directory, assumed.
    fs::remove_file(root.join("scripts/entrypoint.sh")).expect("rm");
    let nowhere = lint_json(&root, &["."]);
    assert_eq!(findings(&nowhere), vec!["SIG016 debian/Dockerfile 3:1"]);
    assert_eq!(nowhere["builds"][0][0]["origin"], Value::Null);
    assert_eq!(nowhere["builds"][0][0]["context_known"], false);
}

#[test]
fn compose_context_above_the_compose_file() {
    let root = repo("compose", "t2");
    let found = lint_json(&root, &[]);
    let by_hand = lint_json(
        &root,
        &[
            "--context",
            ".",
            "--build-arg",
            "PYTHON_VERSION=3.12",
            "docker/Dockerfile",
        ],
    );
    assert_eq!(findings(&found), vec!["SIG010 bin/start.sh 3:1"]);
    assert_eq!(findings(&found), findings(&by_hand));
    let build = &found["builds"][0][0];
    assert_eq!(build["origin"], "docker/compose.yaml service \"api\"");
    // From docker/.env.
    assert_eq!(build["args"]["PYTHON_VERSION"], "3.12");
    // `- BUILD_ID` takes its value from the shell: unknown, not guessed.
    assert_eq!(build["unknown_args"], serde_json::json!(["BUILD_ID"]));
}

#[test]
fn workflow_build_push_action() {
    let root = repo("workflow", "t3");
    let found = lint_json(&root, &["app/Dockerfile"]);
    let by_hand = lint_json(
        &root,
        &[
            "--context",
            ".",
            "--build-arg",
            "NODE_ENV=production",
            "app/Dockerfile",
        ],
    );
    assert_eq!(findings(&found), vec!["SIG010 docker/run.sh 4:1"]);
    assert_eq!(findings(&found), findings(&by_hand));
    let build = &found["builds"][0][0];
    assert_eq!(
        build["origin"],
        ".github/workflows/image.yml job \"build\" step \"Build and push\""
    );
    assert_eq!(build["args"]["NODE_ENV"], "production");
    assert_eq!(build["unknown_args"], serde_json::json!(["GIT_SHA"]));
}

#[test]
fn built_two_ways_each_finding_once() {
    let root = repo("twoways", "t4");
    let v = lint_json(&root, &[]);
    // The compose file is linted too (its service changes nothing of the
    // image: no finding of its own).
    assert_eq!(v["files"], serde_json::json!(["Dockerfile", "compose.yml"]));
    // The Dockerfile's own finding once; the script of each context once.
    assert_eq!(
        findings(&v),
        vec![
            "SIG001 Dockerfile 4:1",
            "SIG010 app/entrypoint.sh 3:1",
            "SIG010 entrypoint.sh 3:1",
        ]
    );
    let builds = builds_of(&v, "Dockerfile");
    assert_eq!(builds.len(), 2);
    assert_eq!(builds[0]["origin"], "docker-bake.hcl target \"default\"");
    assert_eq!(builds[1]["origin"], "compose.yml service \"app\"");
    assert_eq!(builds[1]["context"], "app");
    assert_eq!(v["summary"]["files"], 2);

    // --verbose names both builds.
    let out = run_in(&root, &["lint", "--verbose", "--format", "concise"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Dockerfile: built by docker-bake.hcl target \"default\": context .")
            && stderr.contains("Dockerfile: built by compose.yml service \"app\": context app"),
        "{stderr}"
    );

    // --diff shows each file's change once.
    let out = run_in(&root, &["lint", "--diff"]);
    assert_eq!(code(&out), 1);
    let diff = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        diff.matches("+CMD [\"./server\", \"--port\", \"8080\"]")
            .count(),
        1,
        "{diff}"
    );
    assert_eq!(diff.matches("+exec \"$@\"").count(), 2, "{diff}");

    // --fix applies each fix once; nothing is left.
    let out = run_in(&root, &["lint", "--fix", "--format", "concise"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stdout));
    let dockerfile = fs::read_to_string(root.join("Dockerfile")).expect("read");
    assert_eq!(dockerfile.matches("CMD [\"./server\"").count(), 1);
    for script in ["entrypoint.sh", "app/entrypoint.sh"] {
        let text = fs::read_to_string(root.join(script)).expect("read");
        assert_eq!(text.matches("exec \"$@\"").count(), 1, "{script}: {text}");
    }
    assert!(findings(&lint_json(&root, &[])).is_empty());
}

#[test]
fn command_line_wins_and_dsig_toml_is_under_build_files() {
    let root = repo("bake", "t5");
    fs::write(
        root.join("dsig.toml"),
        "[build-args]\nAPP_ENV = \"staging\"\nFROM_TOML = \"1\"\n",
    )
    .expect("write");
    let v = lint_json(&root, &[]);
    let args = &v["builds"][0][0]["args"];
    // The bake file's APP_ENV wins over dsig.toml's; dsig.toml adds its own.
    assert_eq!(args["APP_ENV"], "production");
    assert_eq!(args["FROM_TOML"], "1");
    let v = lint_json(&root, &["--build-arg", "APP_ENV=test", "--target", "base"]);
    let build = &v["builds"][0][0];
    assert_eq!(build["args"]["APP_ENV"], "test");
    assert_eq!(build["target"], "base");
    assert_eq!(build["origin"], "docker-bake.hcl target \"app\"");
    // --context replaces the bake file's context.
    let v = lint_json(&root, &["--context", "debian", "debian/Dockerfile"]);
    assert_eq!(v["builds"][0][0]["origin"], "--context");
    assert_eq!(v["builds"][0][0]["args"]["FROM_TOML"], "1");
    assert!(v["builds"][0][0]["args"].get("APP_ENV").is_some());
    assert_eq!(findings(&v), vec!["SIG016 debian/Dockerfile 3:1"]);

    let out = run_in(&root, &["lint", "--build-arg", "NOVALUE", "."]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected KEY=VALUE"));
}

#[test]
fn broken_build_files_are_warnings() {
    let root = repo("bake", "t6");
    fs::write(
        root.join("docker-bake.hcl"),
        "target \"app\" {\n  context = \n}\n",
    )
    .expect("write");
    fs::write(root.join("compose.yaml"), "services:\n  app: [\n").expect("write");
    let out = run_in(&root, &["lint", "--format", "json", "."]);
    let v = json(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: docker-bake.hcl:2:")
            && stderr.contains("compose.yaml:3:1: error: not valid YAML"),
        "{stderr}"
    );
    // The Dockerfile is linted as if there were no build file (the context
    // inferred: the root, where the COPY source is); the compose file,
    // linted itself, is an error at its line and column.
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["errors"][0]["path"], "compose.yaml");
    assert_eq!(v["errors"][0]["line"], 3);
    assert_eq!(code(&out), 2);
    assert_eq!(findings(&v), vec!["SIG010 scripts/entrypoint.sh 4:1"]);
    // Named so that it opens from where dsig runs.
    let name = root
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let out = run_in(root.parent().expect("parent"), &["lint", &name]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: {name}/docker-bake.hcl:2:13: not valid HCL"
        )),
        "{stderr}"
    );
}

#[test]
fn contexts_outside_the_repository_are_not_used() {
    let root = repo("bake", "t7");
    let outside = temp_dir("project-outside");
    fs::create_dir_all(outside.join("scripts")).expect("mkdir");
    fs::write(
        outside.join("scripts/entrypoint.sh"),
        "#!/bin/sh\nexec \"$@\"\n",
    )
    .expect("write");
    // A context through a symlink that leads out, and one with `..`.
    std::os::unix::fs::symlink(&outside, root.join("ext")).expect("symlink");
    fs::write(
        root.join("docker-bake.hcl"),
        "target \"a\" {\n  context = \"ext\"\n  dockerfile = \"../debian/Dockerfile\"\n}\ntarget \"b\" {\n  context = \"..\"\n  dockerfile = \"debian/Dockerfile\"\n}\n",
    )
    .expect("write");
    let v = lint_json(&root, &["."]);
    // Neither target is used: the context is inferred inside the root.
    let origin = v["builds"][0][0]["origin"].as_str().unwrap_or("");
    assert!(origin.starts_with("inferred: `.`"), "{v}");
    assert_eq!(v["builds"][0][0]["context"], ".");
    assert_eq!(v["builds"][0][0]["context_known"], false);
}

#[test]
fn hostile_yaml_is_bounded() {
    let root = repo("bake", "t8");
    fs::remove_file(root.join("docker-bake.hcl")).expect("rm");
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..20 {
        let p = i - 1;
        let _ =
            writeln!(bomb,
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]"
        );
    }
    fs::write(root.join("compose.yaml"), bomb).expect("write");
    fs::create_dir_all(root.join(".github/workflows")).expect("mkdir");
    fs::write(root.join(".github/workflows/deep.yml"), "[".repeat(200_000)).expect("write");
    let start = std::time::Instant::now();
    let out = run_in(&root, &["lint", "--format", "json", "."]);
    assert!(start.elapsed().as_secs() < 20);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The compose file, linted itself, is an error (reported once, not
    // also as a build file's warning); the workflow, found by the walk and
    // not a compose file, is skipped (and is a build file's warning).
    assert!(
        stderr.contains("error: not valid YAML: more than"),
        "{stderr}"
    );
    assert!(!stderr.contains("warning: compose.yaml"), "{stderr}");
    assert!(
        stderr.contains("warning: .github/workflows/deep.yml"),
        "{stderr}"
    );
    let v = json(&out);
    // A file that does not parse is an error, not a checked file.
    assert_eq!(v["summary"]["files"], 1, "{v}");
    assert_eq!(v["errors"][0]["path"], "compose.yaml", "{v}");
    assert_eq!(v["summary"]["errors"], 1, "{v}");
}

#[test]
fn project_images_reach_every_dockerfile_of_the_repository() {
    // Seen through the library: the bake file's tag is an image of the
    // project, given to the Dockerfile's lint options.
    let root = repo("bake", "t9");
    let mut d = dsig::project::Discovery::new();
    let found = d.find(&root.join("debian/Dockerfile"), &root);
    assert_eq!(found.configs.len(), 1);
    assert_eq!(found.images.len(), 1);
    assert_eq!(found.images[0].tags, vec!["example/app:1.0".to_string()]);
    assert_eq!(
        found.images[0].dockerfile,
        dsig::project::clean(&root.join("debian/Dockerfile"))
    );
}

#[test]
fn services_sharing_one_build_are_linted_once() {
    let root = repo("bake", "t10");
    fs::remove_file(root.join("docker-bake.hcl")).expect("rm");
    fs::write(
        root.join("compose.yaml"),
        "x-app: &app\n  build:\n    context: .\n    dockerfile: debian/Dockerfile\nservices:\n  web:\n    <<: *app\n  worker:\n    <<: *app\n  beat:\n    <<: *app\n",
    )
    .expect("write");
    let v = lint_json(&root, &[]);
    let builds = builds_of(&v, "debian/Dockerfile");
    assert_eq!(builds.len(), 1, "{v}");
    assert_eq!(
        builds[0]["origin"],
        "compose.yaml service \"web\" (and 2 more)"
    );
    assert_eq!(findings(&v), vec!["SIG010 scripts/entrypoint.sh 4:1"]);
}

#[test]
fn builds_per_dockerfile_are_bounded() {
    let root = repo("bake", "t11");
    fs::remove_file(root.join("docker-bake.hcl")).expect("rm");
    let mut compose = String::from("services:\n");
    for i in 0..40 {
        let _ = write!(compose,
            "  s{i}:\n    build:\n      context: .\n      dockerfile: debian/Dockerfile\n      args:\n        N: \"{i}\"\n"
        );
    }
    fs::write(root.join("compose.yaml"), compose).expect("write");
    let out = run_in(&root, &["lint", "--format", "json"]);
    let v = json(&out);
    assert_eq!(builds_of(&v, "debian/Dockerfile").len(), 32);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("built 40 ways; linted with the first 32"),
        "{stderr}"
    );
    assert_eq!(findings(&v), vec!["SIG010 scripts/entrypoint.sh 4:1"]);
}
