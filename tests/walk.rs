//! Directory walks (`dsig lint DIR`): which Dockerfiles are found, with
//! .gitignore, .ignore, hidden directories and `--no-ignore`, in temporary
//! trees (with `git init` where a repository is needed).

use std::fmt::Write as _;
mod common;

use common::cli::{assert_no_panic, code, run_in, temp_dir};
use std::fs;
use std::path::Path;
use std::process::Command;

const DOCKERFILE: &str = "FROM scratch\nCOPY app /app\nCMD [\"/app\"]\n";

/// Write `files` (path, text) under `dir`.
fn tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = dir.join(path);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(&p, text).expect("write");
    }
}

/// A git command in `dir` that reads no user or system configuration.
fn git(dir: &Path, args: &[&str]) -> Option<std::process::Output> {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .ok()
        .filter(|o| o.status.success())
}

/// Make `dir` a git repository: `git init`, or a bare `.git` directory
/// where git is not installed (the walk only looks for `.git`).
fn git_init(dir: &Path) {
    if git(dir, &["init", "-q"]).is_none() {
        fs::create_dir_all(dir.join(".git")).expect("mkdir .git");
    }
}

/// The files `dsig lint ARGS` lints, run from `dir`.
fn linted(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["lint", "--format", "json"];
    all.extend(args);
    let out = run_in(dir, &all);
    assert_no_panic(&out);
    assert_ne!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f.as_str().expect("path").to_string())
        .collect()
}

fn project(dir: &Path) {
    tree(
        dir,
        &[
            ("Dockerfile", DOCKERFILE),
            (
                ".gitignore",
                "/build/\n*.local.Dockerfile\nsub/generated/\n",
            ),
            ("build/Dockerfile", DOCKERFILE),
            ("dev.local.Dockerfile", DOCKERFILE),
            (".devcontainer/Dockerfile", DOCKERFILE),
            (".ignore", "vendor/\n"),
            ("vendor/Dockerfile", DOCKERFILE),
            ("node_modules/pkg/Dockerfile", DOCKERFILE),
            ("sub/Containerfile", DOCKERFILE),
            ("sub/generated/Dockerfile", DOCKERFILE),
            ("sub/.gitignore", "tmp/\n"),
            ("sub/tmp/Dockerfile", DOCKERFILE),
        ],
    );
}

/// Outside a git repository .gitignore means nothing (as for ripgrep and
/// git itself); .ignore is read; hidden directories are walked.
#[test]
fn outside_git_only_dot_ignore_counts() {
    let dir = temp_dir("walk-nogit");
    project(&dir);
    assert_eq!(
        linted(&dir, &[]),
        [
            ".devcontainer/Dockerfile",
            "Dockerfile",
            "build/Dockerfile",
            "dev.local.Dockerfile",
            "sub/Containerfile",
            "sub/generated/Dockerfile",
            "sub/tmp/Dockerfile",
        ]
    );
    let _ = fs::remove_dir_all(&dir);
}

/// In a repository: .gitignore files (the root's and a subdirectory's)
/// leave their directories and files out; hidden directories that nothing
/// ignores are linted; `.git/` never is.
#[test]
fn in_git_gitignore_counts_and_hidden_dirs_are_walked() {
    let dir = temp_dir("walk-git");
    project(&dir);
    git_init(&dir);
    tree(&dir, &[(".git/Dockerfile", DOCKERFILE)]);
    let want = [
        ".devcontainer/Dockerfile",
        "Dockerfile",
        "sub/Containerfile",
    ];
    assert_eq!(linted(&dir, &[]), want);
    // The same files as git lists as not ignored (with no user
    // configuration), but for node_modules, which dsig skips by itself, and
    // vendor/, which .ignore (not a git file) leaves out.
    if let Some(out) = git(&dir, &["ls-files", "-co", "--exclude-standard"]) {
        let mut from_git: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| {
                dsig::files::is_dockerfile_name(std::ffi::OsStr::new(
                    l.rsplit('/').next().unwrap_or(l),
                ))
            })
            .filter(|l| !l.starts_with("node_modules/") && !l.starts_with("vendor/"))
            .map(str::to_string)
            .collect();
        from_git.sort();
        assert_eq!(from_git, want);
    }
    // Walking a subdirectory reads the .gitignore files above it (the root's
    // `sub/generated/`) and its own.
    assert_eq!(linted(&dir.join("sub"), &["."]), ["Containerfile"]);
    assert_eq!(linted(&dir, &["sub"]), ["sub/Containerfile"]);
    let _ = fs::remove_dir_all(&dir);
}

/// A path given explicitly is linted even when ignored, like ripgrep.
#[test]
fn explicit_paths_are_linted_even_when_ignored() {
    let dir = temp_dir("walk-explicit");
    project(&dir);
    git_init(&dir);
    assert_eq!(
        linted(&dir, &["build/Dockerfile", "dev.local.Dockerfile"]),
        ["build/Dockerfile", "dev.local.Dockerfile"]
    );
    assert_eq!(linted(&dir, &["build"]), ["build/Dockerfile"]);
    assert_eq!(linted(&dir, &["vendor"]), ["vendor/Dockerfile"]);
    let _ = fs::remove_dir_all(&dir);
}

/// `--no-ignore` reads no ignore file and walks `node_modules` too, but
/// never `.git/`.
#[test]
fn no_ignore_walks_everything_but_git() {
    let dir = temp_dir("walk-no-ignore");
    project(&dir);
    git_init(&dir);
    tree(&dir, &[(".git/Dockerfile", DOCKERFILE)]);
    assert_eq!(
        linted(&dir, &["--no-ignore"]),
        [
            ".devcontainer/Dockerfile",
            "Dockerfile",
            "build/Dockerfile",
            "dev.local.Dockerfile",
            "node_modules/pkg/Dockerfile",
            "sub/Containerfile",
            "sub/generated/Dockerfile",
            "sub/tmp/Dockerfile",
            "vendor/Dockerfile",
        ]
    );
    let _ = fs::remove_dir_all(&dir);
}

/// A `.git` file (a worktree or submodule checkout) makes a repository too.
#[test]
fn git_file_of_a_worktree_counts_as_a_repository() {
    let dir = temp_dir("walk-worktree");
    project(&dir);
    fs::write(dir.join(".git"), "gitdir: /nonexistent/.git/worktrees/x\n").expect("write");
    assert_eq!(
        linted(&dir, &[]),
        [
            ".devcontainer/Dockerfile",
            "Dockerfile",
            "sub/Containerfile"
        ]
    );
    let _ = fs::remove_dir_all(&dir);
}

/// An ignore file that git would reject in part (a bad pattern) or that
/// ignores everything, and a directory with nothing left: not a crash, and
/// the usual "no Dockerfiles found" error.
#[test]
fn everything_ignored_is_no_dockerfiles_found() {
    let dir = temp_dir("walk-all-ignored");
    tree(
        &dir,
        &[(".ignore", "[z-a]\n*\n"), ("Dockerfile", DOCKERFILE)],
    );
    let out = run_in(&dir, &["lint", "."]);
    assert_no_panic(&out);
    assert_eq!(code(&out), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no Dockerfiles found"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Named explicitly, it is linted.
    assert_eq!(linted(&dir, &["Dockerfile"]), ["Dockerfile"]);
    let _ = fs::remove_dir_all(&dir);
}

/// An unreadable directory is an error naming it; the rest is linted.
#[cfg(unix)]
#[test]
fn unreadable_directory_is_an_error_with_its_path() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("walk-unreadable");
    tree(
        &dir,
        &[
            ("Dockerfile", DOCKERFILE),
            ("locked/Dockerfile", DOCKERFILE),
        ],
    );
    fs::set_permissions(dir.join("locked"), fs::Permissions::from_mode(0o000)).expect("chmod");
    if fs::read_dir(dir.join("locked")).is_ok() {
        // root reads it anyway: nothing to test here.
        fs::set_permissions(dir.join("locked"), fs::Permissions::from_mode(0o755)).expect("chmod");
        let _ = fs::remove_dir_all(&dir);
        return;
    }
    let out = run_in(&dir, &["lint", "--format", "concise", "."]);
    fs::set_permissions(dir.join("locked"), fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_no_panic(&out);
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("locked: error: permission denied"),
        "{stderr}"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// An ignore file that cannot be read safely (a FIFO would block the walk,
/// a symlink to a device never ends, a link out of its directory reads
/// outside the tree, a huge one costs memory) is reported and its directory
/// not walked; the rest of the tree is linted, and `--no-ignore` walks it.
#[cfg(unix)]
#[test]
fn ignore_files_that_are_not_regular_files_are_not_read() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir("walk-fifo");
    tree(
        &dir,
        &[
            ("Dockerfile", DOCKERFILE),
            ("fifo/Dockerfile", DOCKERFILE),
            ("device/Dockerfile", DOCKERFILE),
            ("outside/Dockerfile", DOCKERFILE),
            ("huge/Dockerfile", DOCKERFILE),
            ("fine/Dockerfile", DOCKERFILE),
            ("fine/.ignore.real", "*.tmp\n"),
        ],
    );
    git_init(&dir);
    let fifo = std::ffi::CString::new(
        dir.join("fifo/.gitignore")
            .to_str()
            .expect("utf-8")
            .as_bytes(),
    )
    .expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");
    symlink("/dev/zero", dir.join("device/.ignore")).expect("symlink");
    symlink("/etc/hostname", dir.join("outside/.gitignore")).expect("symlink");
    fs::write(dir.join("huge/.ignore"), "x\n".repeat(40_000)).expect("write");
    symlink(".ignore.real", dir.join("fine/.ignore")).expect("symlink");
    let start = std::time::Instant::now();
    let out = run_in(&dir, &["lint", "--format", "concise", "."]);
    assert!(start.elapsed().as_secs() < 30, "the walk blocked");
    assert_no_panic(&out);
    assert_eq!(code(&out), 2);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in [
        "fifo/.gitignore: error: ignore file is not a regular file (a FIFO)",
        "device/.ignore: error: ignore file is a symlink out of its directory",
        "outside/.gitignore: error: ignore file is a symlink out of its directory",
        "huge/.ignore: error: ignore file too large: 80000 bytes",
    ] {
        assert!(stderr.contains(line), "{line}:\n{stderr}");
    }
    assert!(!stderr.contains("fine/"), "{stderr}");
    assert!(stdout.contains(" in 2 files"), "{stdout}");
    // Without ignore files, every directory is walked.
    assert_eq!(
        linted(&dir, &["--no-ignore"]),
        [
            "Dockerfile",
            "device/Dockerfile",
            "fifo/Dockerfile",
            "fine/Dockerfile",
            "huge/Dockerfile",
            "outside/Dockerfile",
        ]
    );
    let _ = fs::remove_dir_all(&dir);
}

/// The largest ignore file dsig reads, full of costly patterns: linted in
/// bounded time.
#[test]
fn largest_ignore_file_is_linted_in_bounded_time() {
    let dir = temp_dir("walk-big-ignore");
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 65_000 {
        let _ = writeln!(text, "**/**/**/[!a-z]*?[0-9]*/**/*x*y*z*{n}");
        n += 1;
    }
    tree(
        &dir,
        &[(".gitignore", &text), ("sub/Dockerfile", DOCKERFILE)],
    );
    git_init(&dir);
    let start = std::time::Instant::now();
    assert_eq!(linted(&dir, &[]), ["sub/Dockerfile"]);
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    let _ = fs::remove_dir_all(&dir);
}
