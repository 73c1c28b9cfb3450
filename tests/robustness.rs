//! Bad input and failed writes: every case ends in a clear error and exit 2,
//! never a panic, a hang or a half-written file; the other files of the run
//! are still linted (and fixed).
//!
//! The cases that need another user, a read-only mount or a full disk run as
//! root (setpriv, and unshare for a private mount namespace); without root
//! they print why they are skipped, and under CI=true they must run.

use std::fmt::Write as _;
mod common;

use common::cli::{
    assert_no_panic, code, command_in, make_writable, manifest_dir, run_in, temp_dir, transcript,
    BIN,
};
use common::host::{is_root, which};
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};

/// The seed's v2: a shell-form CMD and a script without `exec`, so `--fix`
/// writes both the Dockerfile and the script.
fn copy_seed(to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for name in ["Dockerfile", "startup.sh"] {
        fs::copy(
            manifest_dir().join("testdata/seed/v2").join(name),
            to.join(name),
        )
        .expect("copy seed");
    }
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Names in `dir` that look like dsig's temporary files.
fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".dsig-"))
        .collect()
}

/// Whether the root-only cases can run; prints why not, and fails under CI.
fn root_available(what: &str) -> bool {
    let ok = is_root() && which("unshare").is_some() && which("setpriv").is_some();
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true but not root (or no unshare/setpriv): {what} must run in CI"
        );
        println!("skipped: {what} needs root, unshare and setpriv");
    }
    ok
}

/// `dsig ARGS` run from `dir` as user and group 65534 (nobody).
fn run_as_nobody(dir: &Path, args: &[&str]) -> Output {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .output()
        .expect("run setpriv")
}

/// A script run in a private mount namespace (`unshare -m`), so the
/// read-only bind mount or the small tmpfs it sets up disappears with it.
fn run_in_mount_namespace(script: &str) -> Output {
    Command::new("unshare")
        .args(["-m", "sh", "-c", script])
        .env("DSIG", BIN)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .output()
        .expect("run unshare")
}

// ------------------------------------------------------------- bad input

/// One transcript for every kind of input that is not a Dockerfile. Each
/// case is its own run, from a directory that holds all of them.
#[test]
fn bad_inputs_exit_2_with_clear_errors() {
    let dir = temp_dir("bad-inputs");
    fs::create_dir(dir.join("no-dockerfiles")).expect("mkdir");
    fs::write(dir.join("no-dockerfiles/README.md"), "# not a Dockerfile\n").expect("write");
    fs::write(dir.join("empty.Dockerfile"), "").expect("write");
    fs::write(
        dir.join("comments.Dockerfile"),
        "# syntax=docker/dockerfile:1\n# only comments\n\n# here\n",
    )
    .expect("write");
    fs::write(dir.join("binary.Dockerfile"), b"\x7fELF\x02\x01\x01\0\0\0").expect("write");
    fs::write(
        dir.join("latin1.Dockerfile"),
        b"FROM debian\n# caf\xe9 au lait\nCMD [\"app\"]\n",
    )
    .expect("write");
    // 100 MB without writing 100 MB: a sparse file.
    let big = fs::File::create(dir.join("huge.Dockerfile")).expect("create");
    big.set_len(100 * 1024 * 1024).expect("set_len");
    drop(big);
    symlink("missing-target", dir.join("dangling.Dockerfile")).expect("symlink");
    symlink("self.Dockerfile", dir.join("self.Dockerfile")).expect("symlink");
    // A directory walk through a symlink loop ends (the link is not followed).
    fs::create_dir(dir.join("loop")).expect("mkdir");
    symlink("..", dir.join("loop/up")).expect("symlink");
    symlink("../loop", dir.join("loop/again")).expect("symlink");

    let cases: &[&[&str]] = &[
        &["lint", "does-not-exist"],
        &["lint", "no-dockerfiles"],
        &["lint", "empty.Dockerfile"],
        &["lint", "comments.Dockerfile"],
        &["lint", "binary.Dockerfile"],
        &["lint", "latin1.Dockerfile"],
        &["lint", "huge.Dockerfile"],
        &["lint", "dangling.Dockerfile"],
        &["lint", "self.Dockerfile"],
        &["lint", "loop"],
        &["lint", "/dev/zero"],
        &["lint", "--fix", "huge.Dockerfile"],
    ];
    let mut all = String::new();
    for args in cases {
        let out = run_in(&dir, args);
        assert_no_panic(&out);
        assert_eq!(code(&out), 2, "{args:?}: {}", transcript(&out));
        let _ = write!(all, "$ dsig {}\n{}\n", args.join(" "), transcript(&out));
    }
    // Nothing was written, nothing left behind.
    assert_eq!(
        fs::metadata(dir.join("huge.Dockerfile"))
            .expect("stat")
            .len(),
        100 * 1024 * 1024
    );
    assert!(temp_files(&dir).is_empty());
    insta::assert_snapshot!("bad_inputs", all);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn stdin_over_the_size_limit_is_an_error() {
    let input = "# padding\n".repeat(3_400_000); // 34 MB, over the 32 MiB limit
    let mut child = command_in(manifest_dir(), &["lint", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    // dsig may stop reading once it is over the limit: ignore a broken pipe.
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer");
    assert_no_panic(&out);
    assert_eq!(code(&out), 2, "{}", transcript(&out));
    assert_eq!(
        stderr(&out).trim_end(),
        "<stdin>: error: input too large (dsig reads files up to 32 MiB)"
    );
}

/// Bad files among good ones: each error is reported in input order and the
/// good files are still linted.
#[test]
fn errors_are_reported_in_order_and_do_not_stop_the_run() {
    let dir = temp_dir("mixed");
    copy_seed(&dir.join("a"));
    fs::write(dir.join("b.Dockerfile"), b"FROM x\n\xff\n").expect("write");
    copy_seed(&dir.join("c"));
    let out = run_in(
        &dir,
        &[
            "lint",
            "--format",
            "concise",
            "a",
            "b.Dockerfile",
            "zz",
            "c",
        ],
    );
    assert_no_panic(&out);
    assert_eq!(code(&out), 2, "{}", transcript(&out));
    let err = stderr(&out);
    let b = err.find("b.Dockerfile:2:1: error: invalid UTF-8 at byte offset 7");
    let z = err.find("zz: error: no such file or directory");
    assert!(b.is_some() && z.is_some() && b < z, "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("a/Dockerfile:8:1: warning[SIG001]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("c/Dockerfile:8:1: warning[SIG001]"),
        "{stdout}"
    );
    let _ = fs::remove_dir_all(&dir);
}

// ------------------------------------------------------ parallel linting

/// The corpus linted on one thread and on many gives the same bytes, in
/// every format (files are linted in parallel, reported in input order).
#[test]
fn output_does_not_depend_on_the_number_of_threads() {
    let corpus = manifest_dir().join("../shared/corpus/dockerfiles");
    let dir = if corpus.is_dir() {
        corpus
    } else {
        println!("../shared/corpus missing: using testdata/ only");
        manifest_dir().join("testdata")
    };
    let dir = dir.to_str().expect("utf-8 path");
    for format in ["concise", "json", "sarif"] {
        let one = run_in(manifest_dir(), &["lint", "-j1", "--format", format, dir]);
        assert_no_panic(&one);
        assert!(!one.stdout.is_empty(), "{format}: no output");
        for jobs in ["-j2", "-j7", "-j64"] {
            let many = run_in(manifest_dir(), &["lint", jobs, "--format", format, dir]);
            assert_eq!(code(&one), code(&many), "{format} {jobs}");
            assert!(one.stdout == many.stdout, "{format} {jobs}: stdout differs");
            assert!(one.stderr == many.stderr, "{format} {jobs}: stderr differs");
        }
    }
}

// ----------------------------------------------------------- safe writes

/// A rename that fails (injected) leaves the originals and no temp file.
/// The fault injection exists in debug builds only (src/files.rs), so the
/// test does too: `cargo test --release` tests a binary without it.
#[cfg(debug_assertions)]
#[test]
fn failed_rename_leaves_the_original_intact() {
    let dir = temp_dir("fail-rename");
    copy_seed(&dir);
    let before = (read(&dir.join("Dockerfile")), read(&dir.join("startup.sh")));
    let out = command_in(&dir, &["lint", "--fix", "."])
        .env("DSIG_TEST_FAIL", "rename")
        .output()
        .expect("run");
    assert_no_panic(&out);
    assert_eq!(code(&out), 2, "{}", transcript(&out));
    assert!(
        stderr(&out).contains("error: cannot write: injected failure (rename)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        (read(&dir.join("Dockerfile")), read(&dir.join("startup.sh"))),
        before
    );
    assert_eq!(temp_files(&dir), Vec::<String>::new());
    let _ = fs::remove_dir_all(&dir);
}

/// Writing into a full file system (a 64 KiB tmpfs, filled up) fails with
/// ENOSPC: the originals stay as they were and no temp file is left.
#[test]
fn full_disk_leaves_the_original_intact() {
    if !root_available("the full-disk test (a tmpfs in a mount namespace)") {
        return;
    }
    let seed = manifest_dir().join("testdata/seed/v2");
    let script = format!(
        r#"set -e
d=$(mktemp -d)
mount -t tmpfs -o size=64k tmpfs "$d"
cp {seed}/Dockerfile {seed}/startup.sh "$d"
cd "$d"
before=$(cat Dockerfile startup.sh | md5sum)
dd if=/dev/zero of=fill bs=4k 2>/dev/null || true
set +e
"$DSIG" lint --fix --format concise . 2>&1
echo "exit $?"
set -e
after=$(cat Dockerfile startup.sh | md5sum)
[ "$before" = "$after" ] && echo "originals intact"
ls -A | grep -c dsig- || true
"#,
        seed = seed.display()
    );
    let out = run_in_mount_namespace(&script);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", transcript(&out));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.contains(&"exit 2"), "{stdout}");
    assert!(lines.contains(&"originals intact"), "{stdout}");
    assert!(
        stdout.contains("error: cannot write: no space left on device"),
        "{stdout}"
    );
    // `grep -c dsig-` counts leftover temp files: none.
    let exit_at = lines.iter().position(|l| *l == "originals intact");
    assert_eq!(
        exit_at.and_then(|i| lines.get(i + 1)),
        Some(&"0"),
        "{stdout}"
    );
}

/// A read-only mount: `--fix` reports the file, leaves it, and goes on.
#[test]
fn read_only_file_system_is_reported() {
    if !root_available("the read-only mount test") {
        return;
    }
    let dir = temp_dir("ro-mount");
    copy_seed(&dir.join("ro"));
    copy_seed(&dir.join("rw"));
    let before = read(&dir.join("ro/Dockerfile"));
    let script = format!(
        r#"set -e
mount --bind "{ro}" "{ro}"
mount -o remount,bind,ro "{ro}"
cd "{dir}"
"$DSIG" lint --fix --format concise ro rw
"#,
        ro = dir.join("ro").display(),
        dir = dir.display()
    );
    let out = run_in_mount_namespace(&script);
    assert_no_panic(&out);
    assert_eq!(code(&out), 2, "{}", transcript(&out));
    assert!(
        stderr(&out).contains("ro/startup.sh: error: cannot write: read-only file system"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        read(&dir.join("ro/Dockerfile")),
        before,
        "read-only file changed"
    );
    assert_ne!(
        read(&dir.join("rw/Dockerfile")),
        before,
        "other file not fixed"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// As an ordinary user: a read-only file is not replaced (although the
/// directory would allow the rename), an unreadable one is reported, and
/// the writable one is fixed.
#[test]
fn read_only_and_unreadable_files_as_a_user() {
    if !root_available("the other-user test") {
        return;
    }
    let dir = temp_dir("as-nobody");
    for sub in ["ro", "rw", "secret"] {
        copy_seed(&dir.join(sub));
    }
    let before = read(&dir.join("ro/Dockerfile"));
    let before_script = read(&dir.join("ro/startup.sh"));
    let nobody = |path: &Path, mode: u32| {
        std::os::unix::fs::chown(path, Some(65534), Some(65534)).expect("chown");
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
    };
    nobody(&dir, 0o755);
    for sub in ["ro", "rw", "secret"] {
        nobody(&dir.join(sub), 0o755);
        nobody(&dir.join(sub).join("startup.sh"), 0o644);
        nobody(&dir.join(sub).join("Dockerfile"), 0o644);
    }
    nobody(&dir.join("ro/Dockerfile"), 0o444);
    nobody(&dir.join("ro/startup.sh"), 0o444);
    nobody(&dir.join("secret/Dockerfile"), 0o000);
    let out = run_as_nobody(
        &dir,
        &["lint", "--fix", "--format", "concise", "ro", "rw", "secret"],
    );
    assert_no_panic(&out);
    assert_eq!(code(&out), 2, "{}", transcript(&out));
    let err = stderr(&out);
    assert!(
        err.contains("ro/startup.sh: error: cannot write: permission denied"),
        "{err}"
    );
    assert!(
        err.contains("secret/Dockerfile: error: cannot read: permission denied"),
        "{err}"
    );
    assert_eq!(read(&dir.join("ro/Dockerfile")), before);
    assert_eq!(read(&dir.join("ro/startup.sh")), before_script);
    assert_ne!(read(&dir.join("rw/Dockerfile")), before, "rw not fixed");
    assert!(temp_files(&dir.join("ro")).is_empty());
    make_writable(&dir);
    let _ = fs::remove_dir_all(&dir);
}

/// `--fix` run by root on a user's files keeps their owner, group and mode.
#[test]
fn fix_keeps_owner_group_and_mode() {
    if !root_available("the ownership test") {
        return;
    }
    let dir = temp_dir("owner");
    copy_seed(&dir);
    let df = dir.join("Dockerfile");
    let sh = dir.join("startup.sh");
    std::os::unix::fs::chown(&df, Some(65534), Some(65534)).expect("chown");
    fs::set_permissions(&df, fs::Permissions::from_mode(0o640)).expect("chmod");
    std::os::unix::fs::chown(&sh, Some(1234), Some(4321)).expect("chown");
    fs::set_permissions(&sh, fs::Permissions::from_mode(0o2750)).expect("chmod");
    let before = read(&df);
    let out = run_in(&dir, &["lint", "--fix", "."]);
    assert_no_panic(&out);
    assert_ne!(read(&df), before, "not fixed: {}", transcript(&out));
    for (path, uid, gid, mode) in [(&df, 65534, 65534, 0o640), (&sh, 1234, 4321, 0o2750)] {
        let meta = fs::metadata(path).expect("stat");
        assert_eq!(
            (meta.uid(), meta.gid(), meta.mode() & 0o7777),
            (uid, gid, mode),
            "{}",
            path.display()
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

/// A script reached through a symlinked directory that leads out of the
/// build context is reported, not written; the Dockerfile is left too
/// (scripts are written first, and the run stops at the first failure).
#[test]
fn fix_does_not_write_through_a_symlinked_directory_out_of_the_tree() {
    let dir = temp_dir("symlinked-dir");
    let proj = dir.join("proj");
    let outside = dir.join("outside");
    copy_seed(&proj);
    fs::create_dir_all(&outside).expect("mkdir");
    fs::rename(proj.join("startup.sh"), outside.join("startup.sh")).expect("move");
    symlink("../outside", proj.join("scripts")).expect("symlink");
    let dockerfile = fs::read_to_string(proj.join("Dockerfile")).expect("read");
    let dockerfile = dockerfile.replace("ADD ./startup.sh", "ADD ./scripts/startup.sh");
    assert!(
        dockerfile.contains("ADD ./scripts/startup.sh"),
        "{dockerfile}"
    );
    fs::write(proj.join("Dockerfile"), &dockerfile).expect("write");
    let before = read(&outside.join("startup.sh"));
    let out = run_in(&proj, &["lint", "--fix", "--format", "concise", "."]);
    assert_no_panic(&out);
    // The script is not even read (issue 12): Docker resolves the link inside
    // the build context, where the script is not, so the build fails.
    assert_eq!(code(&out), 1, "{}", transcript(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("error[SIG016]")
            && String::from_utf8_lossy(&out.stdout)
                .contains("`scripts/startup.sh`, which is not in the build context"),
        "{}",
        transcript(&out)
    );
    assert_eq!(
        read(&outside.join("startup.sh")),
        before,
        "wrote outside the tree"
    );
    let _ = fs::remove_dir_all(&dir);
}
