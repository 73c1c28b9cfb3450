//! Property tests (proptest) of the parser, the shell analysis and the fixer:
//!
//! 1. any bytes, read as dsig reads files (`files::decode`) and parsed and
//!    linted as a Dockerfile, never panic;
//! 2. when they parse, the pieces of the lossless tree print the input back
//!    byte for byte;
//! 3. fixing is idempotent, keeps a parsed file parseable, and its edits never
//!    touch bytes outside their ranges (Dockerfiles, with their entrypoint
//!    scripts in the build context, and scripts alone).
//!
//! Inputs are arbitrary bytes and Dockerfile-like text built from the parts
//! that matter (keywords in any case, shell and JSON forms, flags, escape
//! directives, continuations, heredocs, comments, CRLF, BOM) and scripts built
//! from exec/trap/wait/`&` endings. The checks are the ones the fuzz targets
//! and `tests/fix_invariants.rs` make (tests/common/invariants.rs).
//! Failing cases are kept in tests/properties.proptest-regressions.

mod common;

use common::invariants::{
    check_bytes, check_fix, check_outside_unchanged, check_shell, check_text, join_context,
    split_context,
};
use dsig::diagnostic::Edit;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

/// `cases` per property, or `PROPTEST_CASES` from the environment for a
/// longer local run (`PROPTEST_CASES=20000 cargo test --release --test
/// properties`).
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        ..ProptestConfig::default()
    }
}

// ---- generators ----------------------------------------------------------

const KEYWORDS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "ENTRYPOINT",
    "SHELL",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "COPY",
    "ADD",
    "ENV",
    "ARG",
    "WORKDIR",
    "USER",
    "EXPOSE",
    "LABEL",
    "ONBUILD",
    "VOLUME",
    "MAINTAINER",
    "from",
    "Cmd",
    "entrypoint",
    "BOGUS",
];

const WORDS: &[&str] = &[
    "app",
    "node",
    "server.js",
    "python",
    "-m",
    "http.server",
    "nginx",
    "-g",
    "'daemon off;'",
    "/bin/sh",
    "sh",
    "bash",
    "-c",
    "exec",
    "tini",
    "--",
    "dumb-init",
    "/entrypoint.sh",
    "./start.sh",
    "npm",
    "start",
    "java",
    "-jar",
    "app.jar",
    "alpine:3.20",
    "debian:12",
    "node:20",
    "python:3.12-slim",
    "scratch",
    "AS",
    "build",
    "SIGTERM",
    "SIGQUIT",
    "15",
    "$HOME",
    "${APP:-x}",
    "\"$@\"",
    "\"a b\"",
    "'x y'",
    "&&",
    "||",
    ";",
    "&",
    "|",
    "2>&1",
    ">/dev/null",
    "$(id -u)",
    "`date`",
    "*.sh",
    "--from=build",
    "--chmod=755",
    "--chown=app",
    "--interval=5s",
    "NONE",
    "KEY=value",
    "é",
    "日本",
    "\t",
];

/// A fragment of instruction arguments.
fn arg_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(WORDS).prop_map(String::from),
        2 => select(&[" ", "  ", "\t", "\\", "`", "\\\n", "`\n", "\\  \n", "\\\r\n", "\n", "\r\n",
            "\\\n# comment\n", "\\\n\n", "[", "]", "\"", ",", "\\\"", "\\u00e9", "#", "<<", "-",
            "=", "{", "}", "$", "\r"][..])
            .prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
    ]
}

fn args() -> impl Strategy<Value = String> {
    prop::collection::vec(arg_piece(), 0..8).prop_map(|v| v.join(" "))
}

/// A JSON array, sometimes broken.
fn json_array() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(select(WORDS), 0..5),
        select(&["", "]", ",]", " ] trailing", "\"]"][..]),
    )
        .prop_map(|(ws, end)| {
            let items: Vec<String> = ws
                .iter()
                .map(|w| format!("\"{}\"", w.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect();
            let close = if end.is_empty() { "]" } else { end };
            format!("[{}{close}", items.join(", "))
        })
}

fn heredoc() -> impl Strategy<Value = String> {
    (
        select(&["EOF", "'EOF'", "\"EOF\"", "-EOF", "END"][..]),
        prop::collection::vec(select(WORDS), 0..4),
        any::<bool>(),
    )
        .prop_map(|(tag, body, closed)| {
            let name = tag.trim_matches(['\'', '"', '-']);
            let mut s = format!("<<{tag} {}\n", body.first().unwrap_or(&"cat"));
            for w in &body {
                s.push_str(w);
                s.push('\n');
            }
            if closed {
                s.push_str(name);
            }
            s
        })
}

fn line() -> impl Strategy<Value = String> {
    let instruction = (
        select(KEYWORDS),
        prop::collection::vec(
            select(
                &[
                    "--from=build ",
                    "--chmod=755 ",
                    "--interval=5s ",
                    "--mount=type=cache ",
                ][..],
            ),
            0..2,
        ),
        prop_oneof![3 => args(), 2 => json_array(), 1 => heredoc()],
    )
        .prop_map(|(k, flags, a)| format!("{k} {}{a}", flags.concat()));
    prop_oneof![
        8 => instruction,
        1 => select(&["# comment", "#", "", "   ", "\t# indented", "# dsig: ignore=SIG001"][..])
            .prop_map(String::from),
        1 => args(),
    ]
}

/// Dockerfile-like text: an optional BOM and parser directives, then lines
/// with `\n` or `\r\n` endings; with `# escape=\``, backslashes in the
/// generated text become backticks.
fn dockerfile() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(
            select(
                &[
                    "# escape=`",
                    "# escape=\\",
                    "# syntax=docker/dockerfile:1",
                    "# check=skip=all",
                ][..],
            ),
            0..2,
        ),
        prop::collection::vec(line(), 0..10),
        select(&["\n", "\r\n"][..]),
        any::<bool>(),
    )
        .prop_map(|(bom, directives, lines, nl, final_nl)| {
            let backtick = directives.contains(&"# escape=`");
            let mut s = String::new();
            if bom {
                s.push('\u{feff}');
            }
            for d in directives {
                s.push_str(d);
                s.push_str(nl);
            }
            let body = lines.join(nl);
            s.push_str(&if backtick {
                body.replace('\\', "`")
            } else {
                body
            });
            if final_nl {
                s.push_str(nl);
            }
            s
        })
}

const SCRIPT_LINES: &[&str] = &[
    "set -e",
    "set -eu",
    "cd /app",
    "export PORT=8080",
    "echo starting",
    "app --serve",
    "app --serve \"$@\"",
    "exec app --serve \"$@\"",
    "exec \"$@\"",
    "exec gosu app \"$@\"",
    "exec >/dev/null",
    "node server.js &",
    "nginx -g 'daemon off;' &",
    "pid=$!",
    "wait",
    "wait $pid",
    "wait -n",
    "trap 'kill -TERM $pid' TERM INT",
    "trap 'kill -TERM $pid; wait $pid' TERM",
    "trap 'exit 0' TERM",
    "trap - TERM",
    "trap '' INT",
    "trap term_handler SIGTERM",
    "term_handler() { kill -TERM \"$pid\"; wait \"$pid\"; }",
    "if [ \"$1\" = 'serve' ]; then",
    "if [ -n \"$X\" ]; then exec app; else app; fi",
    "else",
    "fi",
    "case \"$1\" in",
    "  start) exec app ;;",
    "  *) app ;;",
    "esac",
    "while true; do sleep 1; done",
    "for f in /init.d/*; do . \"$f\"; done",
    "source /env.sh",
    "main() {",
    "}",
    "main \"$@\"",
    "python app.py | tee log",
    "(app)",
    "sleep infinity",
    "tail -f /dev/null",
    "exit 0",
    "exit",
    "cat <<EOF",
    "EOF",
    "app \\",
    "  --flag",
    "# comment",
    "",
    "\"unterminated",
];

fn script() -> impl Strategy<Value = String> {
    (
        select(
            &[
                "#!/bin/sh\n",
                "#!/bin/bash\n",
                "#!/usr/bin/env bash\n",
                "#!/bin/ash -e\n",
                "",
            ][..],
        ),
        prop::collection::vec(
            prop_oneof![9 => select(SCRIPT_LINES).prop_map(String::from), 1 => args()],
            0..10,
        ),
        select(&["\n", "\r\n", "; ", " && ", " & "][..]),
    )
        .prop_map(|(shebang, lines, sep)| format!("{shebang}{}\n", lines.join(sep)))
}

/// A Dockerfile that runs a script of its build context, as the fix fuzz
/// target takes it (`split_context`).
fn with_script() -> impl Strategy<Value = Vec<u8>> {
    (
        select(
            &[
                "alpine:3.20",
                "debian:12",
                "node:20",
                "scratch",
                "unknown/img",
            ][..],
        ),
        select(
            &[
                "ENTRYPOINT [\"/entrypoint.sh\"]\nCMD [\"app\"]",
                "ENTRYPOINT /entrypoint.sh",
                "CMD [\"/entrypoint.sh\"]",
                "CMD /entrypoint.sh app",
                "ENTRYPOINT [\"sh\", \"-c\", \"/entrypoint.sh\"]",
                "ENTRYPOINT [\"/sbin/tini\", \"--\", \"/entrypoint.sh\"]",
            ][..],
        ),
        select(
            &[
                "COPY entrypoint.sh /entrypoint.sh",
                "COPY --chmod=755 entrypoint.sh /",
                "ADD . /",
            ][..],
        ),
        script(),
    )
        .prop_map(|(from, run, copy, script)| {
            join_context(
                &format!("FROM {from}\n{copy}\n{run}\n"),
                &[("entrypoint.sh", &script)],
            )
        })
}

// ---- properties ----------------------------------------------------------

proptest! {
    #![proptest_config(config(1024))]

    /// (1) and (2) on arbitrary bytes.
    #[test]
    fn any_bytes_decode_parse_and_lint(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        prop_assert_eq!(check_bytes(&bytes).err(), None);
    }

    /// (1) and (2) on arbitrary text made of Dockerfile fragments.
    #[test]
    fn fragment_soup_parses_losslessly(parts in prop::collection::vec(arg_piece(), 0..40)) {
        let text = parts.concat();
        prop_assert_eq!(check_text(&text).err(), None);
        prop_assert_eq!(check_shell(&text).err(), None);
    }

    /// Random non-overlapping edits change only their ranges.
    #[test]
    fn apply_edits_keeps_bytes_outside_edits(
        text in "[a-z \n\\\\é]{0,40}",
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), "[A-Z\n]{0,3}"), 0..4),
    ) {
        let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        let mut edits: Vec<Edit> = Vec::new();
        for (a, b, replacement) in cuts {
            let (a, b) = (*a.get(&bounds), *b.get(&bounds));
            let edit = Edit { file: 0, range: a.min(b)..a.max(b), replacement };
            if !edits.iter().any(|e| common::invariants::overlaps(e, &edit)) {
                edits.push(edit);
            }
        }
        let out = dsig::fix::apply_edits(&text, &edits);
        prop_assert_eq!(check_outside_unchanged(&text, &edits, &out), Ok(()));
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// (2) and (3) on Dockerfile-like text.
    #[test]
    fn dockerfiles_parse_losslessly_and_fix_cleanly(text in dockerfile()) {
        prop_assert_eq!(check_text(&text).err(), None);
        let r = check_fix("Dockerfile", &text, &dsig::LintOptions::default());
        prop_assert!(r.problems.is_empty(), "{}", r.problems.join("\n\n"));
    }

    /// (3) on a Dockerfile with its entrypoint script, and on the script alone.
    #[test]
    fn scripts_analyse_and_fix_cleanly(input in with_script()) {
        let (dockerfile, opts) = split_context(&input).unwrap();
        let r = check_fix("Dockerfile", &dockerfile, &opts);
        prop_assert!(r.problems.is_empty(), "{}", r.problems.join("\n\n"));
        for script in opts.overlay.values() {
            prop_assert_eq!(check_shell(script).err(), None);
            let r = check_fix("entrypoint.sh", script, &dsig::LintOptions::default());
            prop_assert!(r.problems.is_empty(), "{}", r.problems.join("\n\n"));
        }
    }
}

/// The generators reach the interesting paths: most generated Dockerfiles
/// parse, and some of them get findings with fixes that apply (else the
/// properties above would hold vacuously).
#[test]
fn generators_hit_parsed_and_fixed_inputs() {
    let mut runner = TestRunner::new(Config::default());
    let (mut parsed, mut fixed, mut script_fixed, n) = (0, 0, 0, 200);
    let df = dockerfile();
    let ws = with_script();
    for _ in 0..n {
        let text = df.new_tree(&mut runner).unwrap().current();
        let r = check_fix("Dockerfile", &text, &dsig::LintOptions::default());
        parsed += usize::from(r.parsed);
        fixed += usize::from(r.unsafe_applied > 0);
        let (dockerfile, opts) =
            split_context(&ws.new_tree(&mut runner).unwrap().current()).unwrap();
        let out = dsig::fix("Dockerfile", &dockerfile, &opts, true);
        script_fixed += usize::from(!out.others.is_empty());
    }
    println!(
        "generated: {parsed} of {n} Dockerfiles parse, {fixed} get a fix, \
         {script_fixed} entrypoint scripts get a fix"
    );
    assert!(
        parsed > n / 4,
        "only {parsed} of {n} generated Dockerfiles parse"
    );
    assert!(
        fixed > n / 20,
        "only {fixed} of {n} generated Dockerfiles got a fix"
    );
    assert!(script_fixed > 0, "no generated entrypoint script got a fix");
}
