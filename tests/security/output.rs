//! Output that cannot command a CI: a repository whose file names, Dockerfile
//! lines, script lines and config keys carry GitHub workflow commands
//! (`::warning ...::`, `##[...]`), line breaks and terminal escapes, linted in
//! every format. No line of stdout or stderr may be one a GitHub runner
//! parses as a command (but the github format's own annotations, which are
//! parsed here like the runner does), and no raw control character may reach
//! the terminal (but the colours dsig itself writes with `--color always`).

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::cli::{code, command_in, temp_dir};
use crate::common::invariants::{raw_controls, runner_command_lines, strip_sgr};

/// A command on its own line, after a line break smuggled into a name.
const INJECT: &str = "\n::warning file=x::pwned";
/// Terminal escapes: set the window title, clear the screen.
const TITLE: &str = "\x1b]0;title\x07";
const CLEAR: &str = "\x1b[2J";

/// A directory whose name holds a line break and a command.
fn newline_dir() -> String {
    format!("x{INJECT}")
}

/// A Dockerfile whose name starts with a command (and an escaped newline).
const COMMAND_NAME: &str = "::error::pwned%0A.Dockerfile";

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

/// The hostile repository, generated in `name`'s temp dir.
fn hostile_repo(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    // The escape directive's value is echoed in the parse error.
    write(
        &dir.join("Dockerfile"),
        "# escape=##[warning]x\nFROM alpine:3.20\nCMD [\"x\"]\n",
    );
    // Escapes and legacy commands in a Dockerfile shown in a snippet.
    write(
        &dir.join("app/Dockerfile"),
        &format!(
            "FROM alpine:3.20\n# {TITLE} comment ##[set-output name=x]\nCOPY --chmod=755 start.sh /start.sh\n\
             RUN echo '##[set-output name=x]' {CLEAR} {TITLE}\nCMD /start.sh\n"
        ),
    );
    // A script whose last command's name has a line break and a command;
    // the exec fix makes the line after it a diff context line.
    write(
        &dir.join("app/start.sh"),
        &format!(
            "#!/bin/sh\n  ::error::x\necho \"##[set-output name=x]\" {CLEAR}\nprintf '{TITLE}'\n\
             \"ap{INJECT}\" --serve\n"
        ),
    );
    // A directory name with a line break and a command.
    write(
        &dir.join(newline_dir()).join("Dockerfile"),
        "FROM alpine:3.20\nCMD app --serve\n",
    );
    // A file name that starts with a command.
    write(
        &dir.join(COMMAND_NAME),
        "FROM alpine:3.20\nCMD node server.js\n",
    );
    // A config key with a line break and a command.
    write(
        &dir.join("cfg/dsig.toml"),
        "\"k\\n::warning file=x::pwned\" = 1\n",
    );
    write(&dir.join("cfg/Dockerfile"), "FROM alpine\nCMD app\n");
    // A config line with escapes and a legacy command (shown in a snippet).
    write(
        &dir.join("cfg2/dsig.toml"),
        &format!("colour{CLEAR}{TITLE} ##[warning]x = 1\n"),
    );
    write(&dir.join("cfg2/Dockerfile"), "FROM alpine\nCMD app\n");
    dir
}

/// A github annotation as the runner reads it: command, properties, data.
struct Annotation {
    command: String,
    properties: Vec<(String, String)>,
    data: String,
}

fn unescape(s: &str, property: bool) -> String {
    let mut s = s.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        s = s.replace("%3A", ":").replace("%2C", ",");
    }
    s.replace("%25", "%")
}

/// The runner's parse of `::command k=v,k=v::data` (after trimming).
fn parse_annotation(line: &str) -> Option<Annotation> {
    let t = line.trim_start().strip_prefix("::")?;
    let end = t.find("::")?;
    let (head, data) = (&t[..end], &t[end + 2..]);
    let (command, props) = head.split_once(' ').unwrap_or((head, ""));
    let properties = props
        .split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), unescape(v, true)))
        .collect();
    Some(Annotation {
        command: command.to_string(),
        properties,
        data: unescape(data, false),
    })
}

/// A name as dsig shows it: line breaks and controls escaped, `##[` broken.
fn shown(name: &str) -> String {
    name.replace('\n', "\\n").replace("##[", "##\\[")
}

/// Stdout and stderr of one run: nothing a runner parses as a command,
/// nothing a terminal acts on. `github`: the annotations are checked and
/// returned instead.
fn check_run(what: &str, stdout: &str, stderr: &str, github: bool) -> Vec<Annotation> {
    let mut annotations = Vec::new();
    for (stream, text) in [("stdout", stdout), ("stderr", stderr)] {
        let mut commands = runner_command_lines(text);
        if github && stream == "stdout" {
            commands.retain(|line| {
                let Some(a) = parse_annotation(line) else {
                    return true;
                };
                let ours = ["error", "warning", "notice"].contains(&a.command.as_str())
                    && line.starts_with("::")
                    && !line.contains("##[");
                if ours {
                    annotations.push(a);
                }
                !ours
            });
        }
        assert!(
            commands.is_empty(),
            "{what}: {stream} has runner commands {commands:#?}\n--- {stream}:\n{text}"
        );
        let controls = raw_controls(&strip_sgr(text), false);
        assert!(
            controls.is_empty(),
            "{what}: {stream} has raw control characters {controls:?}\n--- {stream}:\n{text:?}"
        );
        // Content escapes are shown escaped, wherever they are shown.
        assert!(!text.contains("]0;title\x07"), "{what}: {stream}: {text:?}");
    }
    for a in &annotations {
        assert!(
            raw_controls(&a.data, false).is_empty(),
            "{what}: decoded data has control characters: {:?}",
            a.data
        );
        assert!(
            runner_command_lines(&a.data).is_empty(),
            "{what}: decoded data holds a command: {:?}",
            a.data
        );
        for (k, v) in &a.properties {
            assert!(
                raw_controls(v, false).is_empty() && !v.contains('\n'),
                "{what}: property {k}={v:?}"
            );
        }
    }
    annotations
}

fn lint(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = command_in(dir, args).output().expect("run dsig");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    (
        code(&out),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

#[test]
fn no_format_lets_repository_content_command_the_runner_or_the_terminal() {
    let dir = hostile_repo("output-formats");
    let runs: &[&[&str]] = &[
        &["lint", "--no-color"],
        &["lint", "--color", "always"],
        &["lint", "--format", "concise"],
        &["lint", "--format", "json"],
        &["lint", "--format", "sarif"],
        &["lint", "--format", "github"],
        &["lint", "--diff", "--unsafe-fixes"],
        &["lint", "--diff", "--format", "concise"],
        &["lint", "--format", "concise", "--color", "always"],
    ];
    for args in runs {
        let (exit, stdout, stderr) = lint(&dir, args);
        // The broken files are errors: exit 2, whatever the format.
        assert_eq!(exit, 2, "{args:?}\n{stdout}\n{stderr}");
        check_run(
            &format!("{args:?}"),
            &stdout,
            &stderr,
            args.contains(&"github"),
        );
        // Every bad file is named on stderr, escaped.
        assert!(stderr.contains("Dockerfile:1:"), "{args:?}: {stderr}");
        assert!(stderr.contains("##\\[warning]x"), "{args:?}: {stderr}");
    }
    // The diff shows the script's lines escaped, not dropped.
    let (_, diff, _) = lint(&dir, &["lint", "--diff"]);
    assert!(diff.contains("\\::warning file=x::pwned"), "{diff}");
    assert!(diff.contains("exec \"ap\n"), "{diff}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn github_annotations_are_the_only_commands_and_name_the_right_places() {
    let dir = hostile_repo("output-github");
    let (exit, stdout, stderr) = lint(&dir, &["lint", "--format", "github"]);
    assert_eq!(exit, 2, "{stdout}\n{stderr}");
    let annotations = check_run("github", &stdout, &stderr, true);
    let (_, json, _) = lint(&dir, &["lint", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    let errors = json["errors"].as_array().expect("errors");
    assert_eq!(
        annotations.len(),
        diagnostics.len() + errors.len(),
        "one annotation per finding and error:\n{stdout}"
    );
    let prop = |a: &Annotation, k: &str| {
        a.properties
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    for (a, d) in annotations.iter().zip(diagnostics) {
        let file = d["file"].as_str().expect("file");
        assert_eq!(prop(a, "file"), Some(shown(file)), "{stdout}");
        assert_eq!(
            prop(a, "line"),
            Some(d["span"]["start"]["line"].to_string()),
            "{stdout}"
        );
        assert!(a.data.starts_with(&shown(d["message"].as_str().unwrap())));
    }
    for (a, e) in annotations[diagnostics.len()..].iter().zip(errors) {
        assert_eq!(a.command, "error");
        let path = e["path"].as_str().expect("path");
        assert_eq!(prop(a, "file"), Some(shown(path)), "{stdout}");
        if let Some(line) = e["line"].as_u64() {
            assert_eq!(prop(a, "line"), Some(line.to_string()), "{stdout}");
        }
    }
    // The hostile names did reach the output (escaped), so the checks above
    // saw them.
    for name in [
        format!("{}/Dockerfile", shown(&newline_dir())),
        COMMAND_NAME.replace('%', "%25"),
    ] {
        assert!(
            stdout.contains(&name.replace(':', "%3A").replace(',', "%2C")),
            "{name:?}\n{stdout}"
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn json_and_sarif_keep_the_exact_strings_but_no_raw_command_or_control() {
    let dir = hostile_repo("output-json");
    for format in ["json", "sarif"] {
        let (_, stdout, _) = lint(&dir, &["lint", "--format", format]);
        assert!(!stdout.contains("##["), "{format}: {stdout}");
        let text: String = stdout
            .chars()
            .filter(|&c| c.is_control() && c != '\n')
            .collect();
        assert!(text.is_empty(), "{format}: raw controls {text:?}");
        let v: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
        if format == "json" {
            // Machines get the real names and messages back.
            let files: Vec<&str> = v["files"]
                .as_array()
                .expect("files")
                .iter()
                .filter_map(|f| f.as_str())
                .collect();
            let dir_file = format!("{}/Dockerfile", newline_dir());
            assert!(files.contains(&dir_file.as_str()), "{files:?}");
            assert!(files.contains(&COMMAND_NAME), "{files:?}");
            let errors = v["errors"].to_string();
            assert!(errors.contains("##[warning]x"), "{errors}");
        }
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn fix_reports_nothing_that_commands_the_runner() {
    let dir = hostile_repo("output-fix");
    for args in [
        &["lint", "--fix", "--no-color"][..],
        &["lint", "--fix", "--format", "github"][..],
    ] {
        let (exit, stdout, stderr) = lint(&dir, args);
        assert_eq!(exit, 2, "{stdout}\n{stderr}");
        check_run(
            &format!("{args:?}"),
            &stdout,
            &stderr,
            args.contains(&"github"),
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn error_lines_of_the_cli_are_escaped() {
    let dir = temp_dir("output-cli-errors");
    write(&dir.join("Dockerfile"), "FROM alpine\nCMD [\"app\"]\n");
    let hostile = format!("missing{INJECT}{CLEAR}##[x]");
    for args in [
        vec!["lint", hostile.as_str()],
        vec!["lint", "--config", hostile.as_str(), "."],
        vec!["explain", hostile.as_str()],
        vec!["lint", "--format", hostile.as_str()],
        vec!["lint", "--context", hostile.as_str(), "."],
    ] {
        let (exit, stdout, stderr) = lint(&dir, &args);
        assert_eq!(exit, 2, "{args:?}: {stderr}");
        check_run(&format!("{args:?}"), &stdout, &stderr, false);
        // Named (clap's usage errors keep their own line breaks, escaped).
        assert!(stderr.contains("missing"), "{args:?}: {stderr}");
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn verbose_and_json_name_the_config_file_in_use() {
    let dir = temp_dir("output-verbose");
    let hostile = newline_dir();
    write(&dir.join("plain/Dockerfile"), "FROM alpine\nCMD app\n");
    write(
        &dir.join(&hostile).join("Dockerfile"),
        "FROM alpine\nCMD app\n",
    );
    write(
        &dir.join(&hostile).join("dsig.toml"),
        "ignore = [\"SIG020\"]\n",
    );
    let (_, stdout, stderr) = lint(&dir, &["lint", "-v", "--format", "json"]);
    check_run("--verbose", "", &stderr, false);
    assert!(stderr.contains("plain: no config file\n"), "{stderr}");
    let shown_dir = shown(&hostile);
    assert!(
        stderr.contains(&format!("{shown_dir}: config file {shown_dir}/dsig.toml\n")),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let files = v["files"].as_array().expect("files");
    let configs = v["configs"].as_array().expect("configs");
    assert_eq!(files.len(), configs.len(), "{stdout}");
    for (f, c) in files.iter().zip(configs) {
        let f = f.as_str().expect("file");
        if f.starts_with("plain/") {
            assert!(c.is_null(), "{f}: {c}");
        } else {
            assert_eq!(c.as_str(), Some(format!("{hostile}/dsig.toml").as_str()));
        }
    }
    // The same in SARIF, and nothing on stderr without --verbose.
    let (_, sarif, quiet) = lint(&dir, &["lint", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&sarif).expect("sarif");
    let configs = v["runs"][0]["properties"]["configFiles"].to_string();
    assert!(configs.contains("dsig.toml"), "{configs}");
    assert!(!quiet.contains("config file"), "{quiet}");
    // --isolated says so.
    let (_, _, stderr) = lint(&dir, &["lint", "-v", "--isolated"]);
    assert!(
        stderr.contains("plain: no config file (--isolated)"),
        "{stderr}"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// The checker the `output` fuzz target runs (tests/common/invariants.rs),
/// on generated hostile inputs: a display name, a Dockerfile, a script and a
/// config file in one input.
#[test]
fn every_format_of_the_library_holds_the_output_invariants() {
    use crate::common::invariants::{check_output, check_rendered, join_context, Allowed};
    let script = format!(
        "#!/bin/sh\n  ::error::x\necho '##[set-output name=x]' {CLEAR}\r::notice::y\n\
         printf '{TITLE}'\n\"ap{INJECT}\" --serve\n"
    );
    let dockerfile = format!(
        "FROM alpine:3.20\n# {TITLE} ##[warning]x\nCOPY --chmod=755 [\"s{INJECT}.sh\", \"/start.sh\"]\n\
         RUN echo {CLEAR}\u{202e}\u{9b}\x7f\nCMD /start.sh\n"
    );
    let config = format!("\"k{INJECT}\" = 1\ncolour{CLEAR} ##[x] = 2\n");
    for name in [
        "Dockerfile".to_string(),
        format!("x{INJECT}/Dockerfile"),
        COMMAND_NAME.to_string(),
        format!("a{CLEAR}##[b]/Dockerfile"),
    ] {
        for config in [config.as_str(), "colour\x1b[2J = 1\n"] {
            let mut input = format!("{name}\x01").into_bytes();
            input.extend(join_context(
                &dockerfile,
                &[
                    (&format!("s{INJECT}.sh"), &script),
                    ("start.sh", &script),
                    ("dsig.toml", config),
                ],
            ));
            let problems = check_output(&input);
            assert!(problems.is_empty(), "{name:?}:\n{}", problems.join("\n"));
        }
    }
    // The checker itself finds what it looks for.
    let bad = check_rendered(
        "x",
        "a\n  ::warning::x\n\x1b[2J ##[y]\n",
        Allowed::default(),
    );
    assert_eq!(bad.len(), 3, "{bad:?}");
    let sneaky = "::error file=a,line=1::m%0A::warning::x\n";
    let allowed = Allowed {
        annotations: true,
        ..Allowed::default()
    };
    assert_eq!(check_rendered("x", sneaky, allowed).len(), 1);
    assert!(check_rendered("x", "::error file=a%0Ab,line=1::m\n", allowed).len() == 1);
    assert!(check_rendered("x", "::error file=a,line=1::m%0Aok\n", allowed).is_empty());
}
