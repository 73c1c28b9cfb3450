//! The build context is a jail: no byte of a file outside the linted tree or
//! the build context reaches any output, `.git/` is never read or written,
//! config files and Dockerfiles must be regular files read with a bound,
//! unreadable scripts are errors, a file changed during `--fix` is not
//! overwritten, and directory listings are read once per lint.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use crate::common::cli::{assert_no_panic, code, command_in, run_in, temp_dir, transcript};
use crate::support::{run_measured, CANARY};

/// Every format dsig prints, as `lint` arguments before the path.
const FORMATS: &[&[&str]] = &[
    &["--format", "pretty", "--no-color"],
    &["--format", "concise"],
    &["--format", "json"],
    &["--format", "sarif"],
    &["--format", "github"],
    &["--diff"],
    &["--diff", "--unsafe-fixes"],
    &["--format", "json", "--unsafe-fixes", "--fix"],
];

/// A directory outside the linted tree with a "secret": a shell script (so
/// that, if it were read, its lines would show up in findings and fixes) and
/// a config-looking file, both full of the canary.
fn outside(name: &str) -> PathBuf {
    let dir = temp_dir(&format!("{name}-outside"));
    fs::write(
        dir.join("secret"),
        format!("#!/bin/sh\n# {CANARY}\necho {CANARY}\nnode {CANARY}.js\n"),
    )
    .unwrap();
    fs::write(
        dir.join("start.sh"),
        format!("#!/bin/sh\nnode {CANARY}.js\n"),
    )
    .unwrap();
    fs::write(
        dir.join("secret.toml"),
        format!("select = [\"{CANARY}\"]\n{CANARY} = [\n"),
    )
    .unwrap();
    dir
}

/// stdout and stderr of `dsig lint ARGS... .` in `dir`, in every format
/// (the last run applies fixes).
fn all_outputs(dir: &Path, extra: &[&str]) -> Vec<(String, Output)> {
    FORMATS
        .iter()
        .map(|format| {
            let mut args = vec!["lint"];
            args.extend_from_slice(format);
            args.extend_from_slice(extra);
            args.push(".");
            let out = run_in(dir, &args);
            assert_no_panic(&out);
            (args.join(" "), out)
        })
        .collect()
}

fn assert_no_canary(what: &str, outputs: &[(String, Output)]) {
    for (args, out) in outputs {
        let all = transcript(out);
        assert!(
            !all.contains(CANARY) && !all.contains("OUTSIDE-SECRET"),
            "{what}: `dsig {args}` printed bytes of a file outside the tree:\n{all}"
        );
    }
}

fn assert_tree_has_no_canary(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let meta = fs::symlink_metadata(entry.path()).unwrap();
        if meta.is_dir() {
            assert_tree_has_no_canary(&entry.path());
        } else if meta.is_file() {
            let bytes = fs::read(entry.path()).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(CANARY),
                "{} got outside bytes",
                entry.path().display()
            );
        }
    }
}

const COPY_START: &str = "FROM node:20\nCOPY start.sh /start.sh\nCMD [\"/start.sh\"]\n";

/// A startup script symlinked out of the context (absolute, relative, a
/// chain of links, a link through an absolute path that names the tree's
/// own directory from outside) is not read: Docker resolves the link inside
/// the context, where its target is not, so the build fails (SIG016).
#[test]
fn a_script_symlinked_out_of_the_context_is_never_read() {
    let out_dir = outside("jail-script");
    let secret = out_dir.join("secret");
    let rel_up = format!(
        "../{}/secret",
        out_dir.file_name().unwrap().to_str().unwrap()
    );
    type MakeLink<'a> = Box<dyn Fn(&Path) + 'a>;
    let cases: Vec<(&str, MakeLink)> = vec![
        (
            "absolute link",
            Box::new(|d: &Path| symlink(&secret, d.join("start.sh")).unwrap()),
        ),
        (
            "relative link up",
            Box::new(|d: &Path| symlink(&rel_up, d.join("start.sh")).unwrap()),
        ),
        (
            "chain of links",
            Box::new(|d: &Path| {
                symlink(&secret, d.join("hop")).unwrap();
                symlink("hop", d.join("start.sh")).unwrap();
            }),
        ),
    ];
    for (what, make) in cases {
        let dir = temp_dir(&format!("jail-script-{}", what.replace(' ', "-")));
        fs::write(dir.join("Dockerfile"), COPY_START).unwrap();
        make(&dir);
        let outputs = all_outputs(&dir, &[]);
        assert_no_canary(what, &outputs);
        let (_, json) = &outputs[2];
        let stdout = String::from_utf8_lossy(&json.stdout);
        assert!(
            stdout.contains("SIG016"),
            "{what}: the link's verdict (the build fails): {}",
            transcript(json)
        );
        assert_eq!(code(json), 1, "{what}: {}", transcript(json));
        assert_tree_has_no_canary(&dir);
        assert!(fs::read_to_string(&secret).unwrap().contains(CANARY));
        let _ = fs::remove_dir_all(&dir);
    }
    let _ = fs::remove_dir_all(&out_dir);
}

/// A link inside the context that stays inside it is followed, as Docker
/// does (an absolute target is taken from the context root).
#[test]
fn a_symlink_that_stays_inside_the_context_is_followed() {
    let dir = temp_dir("jail-inside-link");
    fs::create_dir_all(dir.join("bin")).unwrap();
    fs::write(dir.join("bin/real.sh"), "#!/bin/sh\nnode server.js\n").unwrap();
    fs::set_permissions(dir.join("bin/real.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(dir.join("Dockerfile"), COPY_START).unwrap();
    // Absolute: Docker resolves `/bin/real.sh` from the context root.
    symlink("/bin/real.sh", dir.join("start.sh")).unwrap();
    let out = run_in(&dir, &["lint", "--format", "concise", "."]);
    let text = transcript(&out);
    assert!(text.contains("bin/real.sh"), "{text}");
    assert!(!text.contains("SIG016"), "{text}");
    let _ = fs::remove_dir_all(&dir);
}

/// A directory of the context symlinked out: `scripts -> /outside`, copied
/// by name, as a directory and by a glob.
#[test]
fn a_directory_symlinked_out_of_the_context_is_never_read() {
    let out_dir = outside("jail-dir");
    for (what, dockerfile) in [
        (
            "file in it",
            "FROM node:20\nCOPY scripts/start.sh /start.sh\nCMD [\"/start.sh\"]\n",
        ),
        (
            "the directory",
            "FROM node:20\nCOPY scripts /app\nCMD [\"/app/start.sh\"]\n",
        ),
        (
            "a glob",
            "FROM node:20\nCOPY scripts/*.sh /app/\nCMD [\"/app/start.sh\"]\n",
        ),
        (
            "bash and a script",
            "FROM node:20\nCOPY scripts/ /app/\nCMD [\"bash\", \"/app/secret\"]\n",
        ),
    ] {
        let dir = temp_dir(&format!("jail-dir-{}", what.replace(' ', "-")));
        fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
        symlink(&out_dir, dir.join("scripts")).unwrap();
        let outputs = all_outputs(&dir, &[]);
        assert_no_canary(what, &outputs);
        assert_tree_has_no_canary(&dir);
        let _ = fs::remove_dir_all(&dir);
    }
    assert!(fs::read_to_string(out_dir.join("start.sh"))
        .unwrap()
        .contains(CANARY));
    let _ = fs::remove_dir_all(&out_dir);
}

/// A Dockerfile found by the walk that links out of the walked tree is not
/// read (an explicitly named one is the user's choice).
#[test]
fn a_walked_dockerfile_symlinked_out_is_an_error_without_its_content() {
    let out_dir = outside("jail-walked");
    let dir = temp_dir("jail-walked");
    symlink(out_dir.join("secret"), dir.join("Dockerfile")).unwrap();
    let outputs = all_outputs(&dir, &[]);
    assert_no_canary("walked Dockerfile", &outputs);
    for (args, out) in &outputs {
        assert_eq!(code(out), 2, "{args}: {}", transcript(out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("Dockerfile"), "{args}: {err}");
    }
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&out_dir);
}

/// A dsig.toml (or .dsig.toml, or a `--config` path inside the tree) that
/// links to a file outside the linted tree is refused, naming the link and
/// not showing the target's content. An explicit `--config` outside the tree
/// is the user's own file: it is read, as a config.
#[test]
fn a_config_symlinked_out_of_the_tree_is_refused() {
    let out_dir = outside("jail-config");
    for (what, name, extra) in [
        ("dsig.toml", "dsig.toml", vec![]),
        (".dsig.toml", ".dsig.toml", vec![]),
        (
            "--config in the tree",
            "ci.toml",
            vec!["--config", "ci.toml"],
        ),
    ] {
        for target in ["secret", "secret.toml"] {
            let dir = temp_dir(&format!("jail-config-{}-{target}", name.replace('.', "")));
            fs::write(dir.join("Dockerfile"), "FROM node:20\nCMD node server.js\n").unwrap();
            symlink(out_dir.join(target), dir.join(name)).unwrap();
            let outputs = all_outputs(&dir, &extra);
            assert_no_canary(what, &outputs);
            for (args, out) in &outputs {
                assert_eq!(code(out), 2, "{what} {args}: {}", transcript(out));
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(
                    err.contains(name) && err.contains("outside"),
                    "{what} {args}: {err}"
                );
            }
            let _ = fs::remove_dir_all(&dir);
        }
    }
    // Explicitly named outside the tree: read as the user's config.
    let dir = temp_dir("jail-config-explicit");
    fs::write(dir.join("Dockerfile"), "FROM node:20\nCMD node server.js\n").unwrap();
    let good = out_dir.join("good.toml");
    fs::write(&good, "ignore = [\"SIG001\", \"SIG002\", \"SIG003\"]\n").unwrap();
    let out = run_in(
        &dir,
        &[
            "lint",
            "--format",
            "json",
            "--config",
            good.to_str().unwrap(),
            ".",
        ],
    );
    assert_ne!(code(&out), 2, "{}", transcript(&out));
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&out_dir);
}

/// `--config` naming something that is not a regular file: exit 2 quickly,
/// with an error naming it, nothing read without bound.
#[test]
fn a_config_that_is_not_a_regular_file_is_an_error() {
    let dir = temp_dir("jail-config-special");
    fs::write(
        dir.join("Dockerfile"),
        "FROM node:20\nCMD [\"node\", \"s.js\"]\n",
    )
    .unwrap();
    fs::create_dir(dir.join("conf.d")).unwrap();
    mkfifo(&dir.join("fifo.toml"));
    for config in ["/dev/zero", "conf.d", "fifo.toml"] {
        let m = run_measured(
            &dir,
            &["lint", "--config", config, "."],
            Duration::from_secs(20),
        );
        m.assert_within(&format!("--config {config}"), 2.0, 500);
        assert_eq!(m.code, Some(2), "--config {config}: {}", m.stderr);
        assert!(
            m.stderr.contains(config) && m.stderr.contains("not a regular file"),
            "--config {config}: {}",
            m.stderr
        );
    }
    // A FIFO found as dsig.toml: not skipped, not opened.
    mkfifo(&dir.join("dsig.toml"));
    let m = run_measured(&dir, &["lint", "."], Duration::from_secs(20));
    m.assert_within("dsig.toml FIFO", 2.0, 500);
    assert_eq!(m.code, Some(2), "{}", m.stderr);
    assert!(m.stderr.contains("dsig.toml"), "{}", m.stderr);
    let _ = fs::remove_dir_all(&dir);
}

/// A large config is refused while reading, not after.
#[test]
fn an_oversized_config_is_an_error() {
    let dir = temp_dir("jail-config-big");
    fs::write(
        dir.join("Dockerfile"),
        "FROM node:20\nCMD [\"node\", \"s.js\"]\n",
    )
    .unwrap();
    let big = format!("# {}\n", "x".repeat(1024)).repeat(2048);
    fs::write(dir.join("dsig.toml"), big).unwrap();
    let m = run_measured(&dir, &["lint", "."], Duration::from_secs(20));
    m.assert_within("big dsig.toml", 2.0, 500);
    assert_eq!(m.code, Some(2), "{}", m.stderr);
    assert!(
        m.stderr.contains("dsig.toml") && m.stderr.contains("too large"),
        "{}",
        m.stderr
    );
    let _ = fs::remove_dir_all(&dir);
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    let r = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(r, 0, "mkfifo {}", path.display());
}

/// A FIFO named Dockerfile (named, or found by the walk) and a FIFO as the
/// startup script: exit 2 with an error naming it, never blocked on.
#[test]
fn fifos_are_rejected_without_being_opened() {
    let dir = temp_dir("jail-fifo");
    mkfifo(&dir.join("Dockerfile"));
    for args in [&["lint", "Dockerfile"][..], &["lint", "."][..]] {
        let m = run_measured(&dir, args, Duration::from_secs(20));
        m.assert_within(&format!("{args:?}"), 2.0, 500);
        assert_eq!(m.code, Some(2), "{args:?}: {}", m.stderr);
        assert!(
            m.stderr.contains("Dockerfile") && m.stderr.contains("not a regular file"),
            "{args:?}: {}",
            m.stderr
        );
    }
    let dir2 = temp_dir("jail-fifo-script");
    fs::write(dir2.join("Dockerfile"), COPY_START).unwrap();
    mkfifo(&dir2.join("start.sh"));
    for args in [&["lint", "."][..], &["lint", "--fix", "."][..]] {
        let m = run_measured(&dir2, args, Duration::from_secs(20));
        m.assert_within(&format!("script FIFO {args:?}"), 2.0, 500);
        assert_eq!(m.code, Some(2), "{args:?}: {}", m.stderr);
        assert!(
            m.stderr.contains("start.sh") && m.stderr.contains("not a regular file"),
            "{args:?}: {}",
            m.stderr
        );
    }
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&dir2);
}

/// `COPY .git/config /start.sh`, directly or through a symlink: dsig says it
/// did not analyse it (SIG017), shows none of it, and `--fix` leaves `.git/`
/// byte-identical.
#[test]
fn git_is_never_read_or_written() {
    let secret = "#!/bin/sh\n# GIT-SECRET-5e1d\nnode server.js\n";
    for (what, dockerfile, link) in [
        (
            "COPY .git/config",
            "FROM node:20\nCOPY .git/config /start.sh\nCMD [\"/start.sh\"]\n",
            false,
        ),
        ("a link into .git", COPY_START, true),
        (
            "COPY .git",
            "FROM node:20\nCOPY .git /app\nCMD [\"/app/config\"]\n",
            false,
        ),
    ] {
        let dir = temp_dir(&format!("jail-git-{}", what.replace([' ', '.'], "-")));
        fs::create_dir(dir.join(".git")).unwrap();
        fs::write(dir.join(".git/config"), secret).unwrap();
        fs::set_permissions(dir.join(".git/config"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
        if link {
            symlink(".git/config", dir.join("start.sh")).unwrap();
        }
        let outputs = all_outputs(&dir, &[]);
        for (args, out) in &outputs {
            let all = transcript(out);
            assert!(!all.contains("GIT-SECRET"), "{what}: {args}: {all}");
        }
        let (_, json) = &outputs[2];
        let stdout = String::from_utf8_lossy(&json.stdout);
        assert!(
            stdout.contains("SIG017") && stdout.contains(".git"),
            "{what}: {}",
            transcript(json)
        );
        assert_eq!(fs::read_to_string(dir.join(".git/config")).unwrap(), secret);
        assert_eq!(
            fs::read_dir(dir.join(".git")).unwrap().count(),
            1,
            "{what}: a file was created in .git"
        );
        let _ = fs::remove_dir_all(&dir);
    }
}

/// A Dockerfile whose name is not UTF-8 (or in a directory whose name is
/// not) is linted, not skipped.
#[test]
fn non_utf8_names_are_linted_not_skipped() {
    let dir = temp_dir("jail-non-utf8");
    let name = std::ffi::OsStr::from_bytes(b"Dockerfile.\xff");
    fs::write(dir.join(name), "FROM node:20\nCMD node server.js\n").unwrap();
    let sub = dir.join(std::ffi::OsStr::from_bytes(b"sub\xfe"));
    fs::create_dir(&sub).unwrap();
    fs::write(sub.join("Dockerfile"), "FROM node:20\nCMD node other.js\n").unwrap();
    let out = run_in(&dir, &["lint", "--format", "concise", "."]);
    assert_no_panic(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), 1, "{}", transcript(&out));
    assert!(
        stdout.lines().any(|l| l.starts_with("Dockerfile.")),
        "{}",
        transcript(&out)
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("sub") && l.contains("/Dockerfile:")),
        "{}",
        transcript(&out)
    );
    let _ = fs::remove_dir_all(&dir);
}

fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// A file edited while `--fix` runs (injected just before the rename) is
/// not overwritten: exit 2 naming it, the edit kept, no temp file left.
#[test]
fn a_file_changed_during_fix_is_not_overwritten() {
    if !cfg!(debug_assertions) {
        return; // the injection exists in debug builds only
    }
    for (what, file) in [("the Dockerfile", "Dockerfile"), ("a script", "start.sh")] {
        let dir = temp_dir(&format!("jail-changed-{file}"));
        fs::write(
            dir.join("Dockerfile"),
            "FROM node:20\nCOPY start.sh /start.sh\nCMD /start.sh\n",
        )
        .unwrap();
        fs::write(dir.join("start.sh"), "#!/bin/sh\nnode server.js\n").unwrap();
        fs::set_permissions(dir.join("start.sh"), fs::Permissions::from_mode(0o755)).unwrap();
        let target = dir.join(file);
        let out = command_in(&dir, &["lint", "--fix", "--unsafe-fixes", "."])
            .env("DSIG_TEST_FAIL", "change")
            .env("DSIG_TEST_CHANGE", file)
            .output()
            .unwrap();
        assert_no_panic(&out);
        assert_eq!(code(&out), 2, "{what}: {}", transcript(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(file) && err.contains("changed while dsig was fixing it"),
            "{what}: {err}"
        );
        let now = fs::read_to_string(&target).unwrap();
        assert!(now.ends_with("# edited meanwhile\n"), "{what}: {now}");
        assert_eq!(temp_files(&dir), Vec::<String>::new());
        let _ = fs::remove_dir_all(&dir);
    }
}

/// Scripts that CMD runs but dsig cannot read as text: an error naming the
/// file and exit 2 (not "All checks passed").
#[test]
fn unreadable_binary_or_oversized_scripts_are_errors() {
    let mut big = b"#!/bin/sh\n".to_vec();
    big.extend(b"# padding padding padding padding\n".repeat(33 * 1024 * 1024 / 34 + 10));
    big.extend(b"exec node server.js\n");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("NUL", b"#!/bin/sh\n\0exec node s.js\n".to_vec(), "binary"),
        (
            "UTF-8",
            b"#!/bin/sh\n# caf\xe9\nexec node s.js\n".to_vec(),
            "invalid UTF-8",
        ),
        ("size", big, "too large"),
    ];
    for (what, bytes, message) in cases {
        for dockerfile in [
            COPY_START,
            "FROM node:20\nCOPY start.sh /start.sh\nCMD [\"sh\", \"/start.sh\"]\n",
        ] {
            let dir = temp_dir(&format!("jail-unreadable-{what}"));
            fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
            fs::write(dir.join("start.sh"), &bytes).unwrap();
            fs::set_permissions(dir.join("start.sh"), fs::Permissions::from_mode(0o755)).unwrap();
            let m = run_measured(&dir, &["lint", "."], Duration::from_secs(30));
            m.assert_within(what, 5.0, 500);
            assert_eq!(m.code, Some(2), "{what}: {}{}", m.stdout, m.stderr);
            assert!(
                m.stderr.contains("start.sh") && m.stderr.contains(message),
                "{what}: {}",
                m.stderr
            );
            let _ = fs::remove_dir_all(&dir);
        }
    }
    if !crate::common::host::is_root() {
        let dir = temp_dir("jail-unreadable-perm");
        fs::write(dir.join("Dockerfile"), COPY_START).unwrap();
        fs::write(dir.join("start.sh"), "#!/bin/sh\nexec node s.js\n").unwrap();
        fs::set_permissions(dir.join("start.sh"), fs::Permissions::from_mode(0o000)).unwrap();
        let out = run_in(&dir, &["lint", "."]);
        assert_eq!(code(&out), 2, "{}", transcript(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("start.sh") && err.contains("permission denied"),
            "{err}"
        );
        fs::set_permissions(dir.join("start.sh"), fs::Permissions::from_mode(0o644)).unwrap();
        let _ = fs::remove_dir_all(&dir);
    }
}

/// A compiled program in the context is a program, not an unreadable
/// script: no error.
#[test]
fn a_binary_program_in_the_context_is_not_an_error() {
    let dir = temp_dir("jail-elf");
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    elf.extend([0u8, 0xff, 0xfe, 0x80].repeat(256));
    fs::write(dir.join("app"), &elf).unwrap();
    fs::set_permissions(dir.join("app"), fs::Permissions::from_mode(0o755)).unwrap();
    for dockerfile in [
        "FROM debian\nCOPY app /usr/local/bin/app\nCMD [\"app\"]\n",
        "FROM debian\nCOPY app /app\nENTRYPOINT [\"/app\"]\n",
    ] {
        fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
        let out = run_in(&dir, &["lint", "."]);
        assert_no_panic(&out);
        assert_eq!(code(&out), 0, "{}", transcript(&out));
        assert!(!String::from_utf8_lossy(&out.stderr).contains("error"));
    }
    let _ = fs::remove_dir_all(&dir);
}

/// 100 `COPY *.sh` over 1000 files, with 100 PATH entries to search: the
/// directory is listed once per lint, not once per lookup.
#[test]
fn directory_listings_are_read_once_per_lint() {
    let dir = temp_dir("jail-globs");
    for i in 0..1000 {
        fs::write(dir.join(format!("s{i:04}.sh")), "#!/bin/sh\nexec \"$@\"\n").unwrap();
    }
    let path: Vec<String> = (0..100).map(|i| format!("/opt/p{i}")).collect();
    let mut dockerfile = format!("FROM debian\nENV PATH={}\n", path.join(":"));
    for i in 0..100 {
        let _ = writeln!(dockerfile, "COPY *.sh /d{i}/");
    }
    dockerfile.push_str("CMD [\"app\"]\n");
    fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
    let m = run_measured(&dir, &["lint", "Dockerfile"], Duration::from_secs(120));
    eprintln!(
        "100 COPY *.sh x 1000 files x 100 PATH: {:?}, {} KiB",
        m.elapsed, m.max_rss_kib
    );
    m.assert_within("globs", 2.0, 500);
    assert_ne!(m.code, Some(2), "{}", m.stderr);
    let _ = fs::remove_dir_all(&dir);
}

/// A symlink loop in the context ends as "not in the context" (the build
/// fails), quickly, without a crash.
#[test]
fn a_symlink_loop_in_the_context_is_bounded() {
    let dir = temp_dir("jail-link-loop");
    fs::write(dir.join("Dockerfile"), COPY_START).unwrap();
    symlink("hop", dir.join("start.sh")).unwrap();
    symlink("start.sh", dir.join("hop")).unwrap();
    symlink(".", dir.join("self")).unwrap();
    let m = run_measured(
        &dir,
        &["lint", "--format", "json", "."],
        Duration::from_secs(20),
    );
    m.assert_within("link loop", 2.0, 500);
    assert_eq!(m.code, Some(1), "{}{}", m.stdout, m.stderr);
    assert!(m.stdout.contains("SIG016"), "{}", m.stdout);
    let _ = fs::remove_dir_all(&dir);
}

/// Standard input named as a file of a tree (`--stdin-filename`): a
/// dsig.toml of that tree that links out is refused too.
#[test]
fn a_config_symlinked_out_is_refused_for_stdin_too() {
    use std::io::Write;
    let out_dir = outside("jail-stdin-config");
    let dir = temp_dir("jail-stdin-config");
    fs::create_dir(dir.join("app")).unwrap();
    symlink(out_dir.join("secret.toml"), dir.join("app/dsig.toml")).unwrap();
    let mut child = command_in(&dir, &["lint", "--stdin-filename", "app/Dockerfile", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // dsig may exit on the config error before it reads standard input.
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(b"FROM node:20\nCMD node server.js\n");
    let out = child.wait_with_output().unwrap();
    assert_no_panic(&out);
    let all = transcript(&out);
    assert!(!all.contains(CANARY), "{all}");
    assert_eq!(code(&out), 2, "{all}");
    assert!(
        all.contains("app/dsig.toml") && all.contains("outside"),
        "{all}"
    );
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&out_dir);
}

/// A `dsig.toml` that dsig finds above the linted directory (the repository
/// root, when a subdirectory or one Dockerfile is linted) is the
/// repository's too: linked to a secret file or to `/proc/self/environ`, it
/// must not be read, since a config error shows the offending line.
#[test]
fn a_found_config_above_the_linted_directory_links_nowhere_out() {
    let out_dir = outside("config-above");
    for target in [
        out_dir.join("secret.toml"),
        PathBuf::from("/proc/self/environ"),
    ] {
        let dir = temp_dir("config-above");
        fs::create_dir(dir.join("docker")).unwrap();
        fs::write(
            dir.join("docker/Dockerfile"),
            "FROM alpine\nCMD [\"app\"]\n",
        )
        .unwrap();
        symlink(&target, dir.join("dsig.toml")).unwrap();
        let mut runs: Vec<(String, Output)> = Vec::new();
        for format in FORMATS {
            for input in ["docker", "docker/Dockerfile"] {
                let mut args = vec!["lint"];
                args.extend_from_slice(format);
                args.push(input);
                let mut cmd = command_in(&dir, &args);
                cmd.env("DSIG_SECURITY_CANARY", CANARY);
                let out = cmd.output().unwrap();
                assert_no_panic(&out);
                assert_eq!(code(&out), 2, "{}", transcript(&out));
                assert!(
                    String::from_utf8_lossy(&out.stderr).contains("config not read"),
                    "{}",
                    transcript(&out)
                );
                runs.push((args.join(" "), out));
            }
        }
        // Standard input named as a file of the subdirectory, and `.` run
        // from inside it.
        let mut cmd = command_in(
            &dir,
            &["lint", "-", "--stdin-filename", "docker/Dockerfile"],
        );
        cmd.env("DSIG_SECURITY_CANARY", CANARY)
            .stdin(fs::File::open(dir.join("docker/Dockerfile")).unwrap());
        runs.push(("lint - (stdin)".into(), cmd.output().unwrap()));
        let mut cmd = command_in(&dir.join("docker"), &["lint", "."]);
        cmd.env("DSIG_SECURITY_CANARY", CANARY);
        runs.push(("lint . in docker/".into(), cmd.output().unwrap()));
        for (args, out) in &runs[runs.len() - 2..] {
            assert_eq!(code(out), 2, "{args}: {}", transcript(out));
        }
        assert_no_canary(&format!("dsig.toml -> {}", target.display()), &runs);
        // Named with --config, the user's choice, it is read.
        let named = run_in(
            &dir,
            &["lint", "--config", &target.display().to_string(), "docker"],
        );
        assert_no_panic(&named);
        assert!(
            !String::from_utf8_lossy(&named.stderr).contains("config not read"),
            "{}",
            transcript(&named)
        );
    }
}

/// A walked Dockerfile or a found config that is a symlink into `.git/` is
/// not read.
#[test]
fn symlinks_into_git_are_not_followed() {
    let dir = temp_dir("git-links");
    fs::create_dir(dir.join(".git")).unwrap();
    fs::write(dir.join(".git/x"), format!("FROM alpine\nCMD {CANARY}\n")).unwrap();
    fs::write(dir.join(".git/config"), format!("[remote \"{CANARY}\"]\n")).unwrap();
    symlink(".git/x", dir.join("Dockerfile")).unwrap();
    let outputs = all_outputs(&dir, &[]);
    for (args, out) in &outputs {
        assert_eq!(code(out), 2, "{args}: {}", transcript(out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(".git"),
            "{args}: {}",
            transcript(out)
        );
    }
    assert_no_canary("Dockerfile -> .git/x", &outputs);
    fs::remove_file(dir.join("Dockerfile")).unwrap();
    fs::write(dir.join("Dockerfile"), "FROM alpine\nCMD [\"app\"]\n").unwrap();
    symlink(".git/config", dir.join("dsig.toml")).unwrap();
    let outputs = all_outputs(&dir, &[]);
    for (args, out) in &outputs {
        assert_eq!(code(out), 2, "{args}: {}", transcript(out));
    }
    assert_no_canary("dsig.toml -> .git/config", &outputs);
}

/// A `[per-path-ignores]` pattern is matched without recursion, and a
/// pattern longer than any path is a config error: 100,000 stars overflowed
/// the stack (exit 134), thousands of `**/` took seconds per file.
#[test]
fn long_path_patterns_are_bounded() {
    let dir = temp_dir("long-patterns");
    let deep = (0..30)
        .map(|i| format!("d{i}"))
        .collect::<Vec<_>>()
        .join("/");
    fs::create_dir_all(dir.join(&deep)).unwrap();
    fs::write(dir.join(&deep).join("Dockerfile"), "FROM a\nCMD c\n").unwrap();
    let stars = format!(
        "[per-path-ignores]\n\"{}x\" = [\"SIG001\"]\n",
        "*".repeat(100_000)
    );
    fs::write(dir.join("dsig.toml"), &stars).unwrap();
    let m = run_measured(&dir, &["lint", "."], Duration::from_secs(60));
    m.assert_within("a 100,000-star path pattern", 10.0, 500);
    assert_eq!(m.code, Some(2), "{}", m.stderr);
    assert!(m.stderr.contains("longer than 1024"), "{}", m.stderr);
    // Within the limit, many patterns of `**/` and `*/`: no stack, no
    // exponential time.
    let mut many = String::from("[per-path-ignores]\n");
    for i in 0..300 {
        let _ = writeln!(many, "\"{}{i}\" = [\"SIG001\"]", "**/*/".repeat(200));
    }
    let _ = writeln!(many, "\"{deep}/**\" = [\"SIG001\"]");
    fs::write(dir.join("dsig.toml"), &many).unwrap();
    let m = run_measured(&dir, &["lint", "."], Duration::from_secs(60));
    m.assert_within("300 patterns of 200 `**/*/`", 10.0, 500);
    assert_eq!(m.code, Some(0), "{}", m.stderr);
}
