//! Parent images built by the project (testdata/parents/): `FROM` an image
//! that another Dockerfile of the repository builds is followed like a
//! stage. The images are given as the project's build files describe them
//! (docker-bake.hcl in each scenario), written out here.

use dsig::{lint, Build, LintOptions, ProjectImage, Report};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/parents")
        .join(name)
}

/// The images of a scenario: `base/` tagged `tags`.
fn images(name: &str, tags: &[&str]) -> Arc<Vec<ProjectImage>> {
    Arc::new(vec![ProjectImage {
        tags: tags.iter().map(std::string::ToString::to_string).collect(),
        dockerfile: dir(name).join("base/Dockerfile"),
        context: dir(name).join("base"),
        args: vec![],
        target: None,
    }])
}

fn run(dockerfile: PathBuf, images: Arc<Vec<ProjectImage>>) -> Report {
    let text = std::fs::read_to_string(&dockerfile).unwrap();
    let opts = LintOptions {
        build: Build {
            images,
            ..Build::default()
        },
        ..LintOptions::for_file(dockerfile)
    };
    lint("Dockerfile", &text, &opts)
}

fn render(r: &Report) -> String {
    let mut out = String::new();
    for e in &r.errors {
        let _ = writeln!(out, "error: {e}");
    }
    for d in &r.diagnostics {
        let f = &r.files[d.file];
        let name = std::path::Path::new(&f.path)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let lc = f.line_col(d.span.start);
        let _ = writeln!(
            out,
            "{name}:{}:{} {}[{}] {}",
            lc.line, lc.col, d.severity, d.code, d.message
        );
    }
    if out.is_empty() {
        out.push_str("(no findings)\n");
    }
    out
}

fn codes(r: &Report) -> Vec<&str> {
    r.diagnostics.iter().map(|d| d.code).collect()
}

/// The case: the child's PID 1 is tini, from the parent's
/// ENTRYPOINT; the parent's docker-entrypoint.sh (from its context) execs
/// the child's CMD. Without the parent known the ENTRYPOINT is unknown.
#[test]
fn child_of_a_parent_with_tini() {
    let df = dir("tini").join("app/Dockerfile");
    let known = run(df.clone(), images("tini", &["myorg/base:latest"]));
    assert!(!codes(&known).contains(&"SIG020"), "{}", render(&known));
    assert!(known.errors.is_empty(), "{}", render(&known));
    insta::assert_snapshot!("parents_tini_child", render(&known));
    // The same, tagged without `:latest` and named with docker.io/.
    let again = run(df.clone(), images("tini", &["docker.io/myorg/base"]));
    assert_eq!(render(&again), render(&known));
    // The model: tini from the parent, then its script, then the CMD; not
    // built by the project, the ENTRYPOINT is unknown.
    let imgs = images("tini", &["myorg/base:latest"]);
    assert_eq!(
        pid1(&df, &imgs).unwrap(),
        [
            "/usr/bin/tini",
            "--",
            "docker-entrypoint.sh",
            "python3",
            "app.py"
        ]
    );
    assert_eq!(pid1(&df, &Arc::new(vec![])), None);
}

/// PID 1's argv as the model of `df` gives it, with `images` known.
fn pid1(df: &std::path::Path, images: &Arc<Vec<ProjectImage>>) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(df).unwrap();
    let parsed = dsig::syntax::parse(&text).unwrap();
    let build = dsig::Build {
        images: images.clone(),
        ..dsig::Build::default()
    };
    let mut parents = dsig::model::base::Parents::new(Some(df));
    dsig::model::Image::from_dockerfile_in(&parsed, &build, &mut parents).pid1_argv()
}

/// The parent's script runs the CMD without exec: reported in that script
/// (a file of the parent's context), through the child.
#[test]
fn a_parent_script_is_judged_in_its_own_file() {
    let r = run(
        dir("no-exec").join("app/Dockerfile"),
        images("no-exec", &["myorg/base:latest"]),
    );
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.code == "SIG010")
        .unwrap_or_else(|| panic!("{}", render(&r)));
    let file = r.files[d.file].disk.clone().unwrap();
    assert!(
        file.ends_with("no-exec/base/docker-entrypoint.sh"),
        "{file:?}"
    );
    insta::assert_snapshot!("parents_no_exec_child", render(&r));
}

/// A RUN of the child that edits the parent's script (`sed -i`, a
/// redirection into it): dsig does not judge the parent's text (which no
/// longer runs) but says it cannot read the script (SIG017). A RUN that
/// only reads it (`chmod`) keeps it judged.
#[test]
fn a_script_the_child_edits_is_not_judged_from_the_parent() {
    let edits = dir("no-exec").join("app-edits/Dockerfile");
    let r = run(edits.clone(), images("no-exec", &["myorg/base:latest"]));
    let codes: Vec<&str> = r.diagnostics.iter().map(|d| d.code).collect();
    assert!(!codes.contains(&"SIG010"), "{}", render(&r));
    assert!(codes.contains(&"SIG017"), "{}", render(&r));
    let text = std::fs::read_to_string(&edits).unwrap();
    let chmod_only = text.replace(
        " \\\n && sed -i 's/^\"\\$@\"$/exec \"$@\"/' /usr/local/bin/docker-entrypoint.sh",
        "",
    );
    assert_ne!(chmod_only, text, "the sed line is in the fixture");
    let opts = LintOptions {
        build: Build {
            images: images("no-exec", &["myorg/base:latest"]),
            ..Build::default()
        },
        ..LintOptions::for_file(edits)
    };
    let r = lint("Dockerfile", &chmod_only, &opts);
    assert!(
        r.diagnostics.iter().any(|d| d.code == "SIG010"),
        "{}",
        render(&r)
    );
}

/// A Dockerfile tagged with the image it is built FROM, and two images
/// FROM each other: cycles, so the base stays unknown (as without the
/// project), and the lint ends.
#[test]
fn cycles_stay_unknown() {
    let df = dir("cycle").join("Dockerfile");
    let own = Arc::new(vec![ProjectImage {
        tags: vec!["myorg/loop:latest".into()],
        dockerfile: df.clone(),
        context: dir("cycle"),
        args: vec![],
        target: None,
    }]);
    let r = run(df.clone(), own.clone());
    let plain = run(df.clone(), Arc::new(vec![]));
    assert_eq!(render(&r), render(&plain));
    assert_eq!(pid1(&df, &own), None);
    // a FROM b, b FROM a.
    let tmp = std::env::temp_dir().join(format!("dsig-cycle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut two = vec![];
    for (me, other) in [("a", "b"), ("b", "a")] {
        let d = tmp.join(me);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("Dockerfile"),
            format!("FROM myorg/{other}\nRUN true\n"),
        )
        .unwrap();
        two.push(ProjectImage {
            tags: vec![format!("myorg/{me}")],
            dockerfile: d.join("Dockerfile"),
            context: d,
            args: vec![],
            target: None,
        });
    }
    let child = tmp.join("Dockerfile");
    std::fs::write(&child, "FROM myorg/a\nCMD [\"app\"]\n").unwrap();
    assert_eq!(pid1(&child, &Arc::new(two)), None);
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Parents of parents are followed up to a depth; deeper ones are unknown.
#[test]
fn depth_is_bounded() {
    let tmp = std::env::temp_dir().join(format!("dsig-parents-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut imgs = vec![];
    // img0 FROM debian with tini; imgN FROM img(N-1).
    for n in 0..8 {
        let d = tmp.join(format!("img{n}"));
        std::fs::create_dir_all(&d).unwrap();
        let text = if n == 0 {
            "FROM debian:bookworm-slim\nENTRYPOINT [\"/usr/bin/tini\", \"--\"]\n".to_string()
        } else {
            format!("FROM myorg/img{}\nRUN true\n", n - 1)
        };
        std::fs::write(d.join("Dockerfile"), text).unwrap();
        imgs.push(ProjectImage {
            tags: vec![format!("myorg/img{n}")],
            dockerfile: d.join("Dockerfile"),
            context: d.clone(),
            args: vec![],
            target: None,
        });
    }
    let imgs = Arc::new(imgs);
    let child = |n: usize| {
        let p = tmp.join(format!("child{n}"));
        std::fs::create_dir_all(&p).unwrap();
        let df = p.join("Dockerfile");
        std::fs::write(
            &df,
            format!("FROM myorg/img{n}\nCMD [\"python3\", \"app.py\"]\n"),
        )
        .unwrap();
        (pid1(&df, &imgs), run(df, imgs.clone()))
    };
    // Four parents (img3 .. img0): tini from img0 is PID 1.
    let (argv, near) = child(3);
    assert_eq!(argv.unwrap(), ["/usr/bin/tini", "--", "python3", "app.py"]);
    assert!(!codes(&near).contains(&"SIG020"), "{}", render(&near));
    // Five: the base is unknown, as for any image dsig cannot see.
    let (argv, far) = child(4);
    assert_eq!(argv, None);
    assert!(far.errors.is_empty(), "{}", render(&far));
    let _ = std::fs::remove_dir_all(&tmp);
}

/// A parent whose Dockerfile cannot be read (missing, a directory, a device
/// that never ends, not a Dockerfile): unknown, as before, and no hang.
#[test]
fn unreadable_parents_are_unknown() {
    let df = dir("tini").join("app/Dockerfile");
    for bad in [
        PathBuf::from("/nonexistent/Dockerfile"),
        dir("tini"),
        PathBuf::from("/dev/zero"),
        dir("tini").join("app/app.py"),
    ] {
        let imgs = Arc::new(vec![ProjectImage {
            tags: vec!["myorg/base:latest".into()],
            dockerfile: bad.clone(),
            context: dir("tini").join("base"),
            args: vec![],
            target: None,
        }]);
        assert_eq!(pid1(&df, &imgs), None, "{bad:?}");
        let r = run(df.clone(), imgs);
        assert!(r.errors.is_empty(), "{bad:?}: {}", render(&r));
    }
}
