//! SIG016 script-not-runnable.

use super::Context;
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};
use crate::model::chain::{Gap, Invocation};

pub const META: RuleMeta = RuleMeta {
    code: "SIG016",
    slug: "script-not-runnable",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes(FixSafety::Safe),
    summary: "A startup script that cannot run: no shebang, CRLF line endings, not executable, or missing",
    doc: include_str!("../../rules/script-not-runnable.md"),
};

fn wants_bash(text: &str) -> bool {
    text.contains("[[")
        || text.contains("function ")
        || text.contains("${BASH")
        || text.contains("<(")
        || text.contains("declare -a")
}

pub fn check(ctx: &Context) {
    for s in &ctx.chain.scripts {
        let first_line = 0..s.text.find('\n').unwrap_or(s.text.len());
        let direct = s.invocation == Invocation::Direct;
        if s.analysis.crlf {
            let how = if direct && s.analysis.shebang.is_some() {
                "the kernel reads the interpreter as `...\\r` and the container fails with `no such file or directory`"
            } else {
                "the shell reads `\\r` as part of every command (`$'\\r': command not found`)"
            };
            let d = ctx.report_script(
                &META,
                s,
                first_line.clone(),
                format!("{} has Windows (CRLF) line endings: {how}", s.image_path),
            )
            .label("CRLF line endings")
            .help("convert the file to LF line endings (and add `*.sh text eol=lf` to .gitattributes)");
            // Every CR before a line feed goes (`\r\r\n` too), so that the
            // fixed text has no CRLF left and a second run changes nothing.
            let edits: Vec<_> = s
                .text
                .match_indices("\r\n")
                .map(|(i, _)| {
                    let start = s.text[..i].trim_end_matches('\r').len();
                    (start..i + 1, String::new())
                })
                .collect();
            d.fix(ctx.script_fix(
                s,
                FixSafety::Safe,
                "Convert CRLF line endings to LF".into(),
                edits,
            ));
        }
        if direct && s.analysis.shebang.is_none() {
            let sh = if wants_bash(&s.text) {
                "#!/bin/bash"
            } else {
                "#!/bin/sh"
            };
            ctx.report_script(
                &META,
                s,
                first_line.clone(),
                format!("{} is run as a program but has no `#!` line: the container fails with `exec format error`", s.image_path),
            )
            .label("no shebang")
            .help(format!("start the script with `{sh}`"))
            .fix(ctx.script_fix(
                s,
                FixSafety::Safe,
                format!("Add `{sh}`"),
                vec![(0..0, format!("{sh}\n"))],
            ));
        }
        if direct && s.executable == Some(false) {
            ctx.report_script(
                &META,
                s,
                first_line.clone(),
                format!("{} is run as a program but is not executable: the context file has no execute bit and no `COPY --chmod` or `RUN chmod +x` sets one, so the container fails with `permission denied`", s.image_path),
            )
            .label("not executable")
            .help("`chmod +x` the file in the repository (git keeps the bit), or copy it with `COPY --chmod=755`");
        }
    }
    for gap in &ctx.chain.gaps {
        if let Gap::Missing {
            image_path,
            rel,
            copy,
            assumed,
            excluded,
        } = gap
        {
            let ins = &ctx.dockerfile.instructions[*copy];
            let (message, label, help) = match assumed {
                Some(why) => (
                    format!("{image_path}, which CMD/ENTRYPOINT runs, comes from `{rel}`, which {why}"),
                    format!("`{rel}` is not in the context"),
                    "if the build does make it, give dsig the real context (`--context DIR`, or a bake/compose file), or lint the image after that step",
                ),
                None if *excluded => (
                    format!("{image_path}, which CMD/ENTRYPOINT runs, comes from `{rel}`, which `.dockerignore` leaves out of the build context: the build fails"),
                    format!("`{rel}` is excluded by .dockerignore"),
                    "remove the pattern that matches it from `.dockerignore`, or add an exception (`!path`)",
                ),
                None => (
                    format!("{image_path}, which CMD/ENTRYPOINT runs, comes from `{rel}`, which is not in the build context: the build fails"),
                    format!("`{rel}` is missing"),
                    "check the path (it is relative to the build context, not to the Dockerfile when `--context` differs)",
                ),
            };
            let d = ctx
                .report(&META, ins.span(), message)
                .label(label)
                .help(help);
            // dsig is not sure: a warning that states its assumption, never
            // "the build fails". A file that a step before the build makes
            // (it is gitignored, or a build file names it) is dsig's own
            // assumption, nothing to fix: info. One that is only found
            // above an assumed context: a warning.
            if let Some(why) = assumed {
                d.severity(if why.contains("dsig assumes") {
                    Severity::Info
                } else {
                    Severity::Warning
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{lint, Build, LintOptions, Severity};

    /// `COPY bin/app` in `docker/Dockerfile` of a repository whose `bin/app`
    /// is at its root: with the context assumed (the Dockerfile's
    /// directory) a warning that names the directory holding it; with that
    /// context known (a bake file, `--context`) the error that the build
    /// fails; with the real context, nothing.
    #[cfg(unix)]
    #[test]
    fn missing_sources_error_only_when_sure() {
        let base = std::env::temp_dir().join(format!("dsig-sig016-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        for d in [".git", "bin", "docker"] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        std::fs::write(base.join("bin/app"), [0x7f, b'E', b'L', b'F', 0]).unwrap();
        let text = "FROM alpine:3.19\nCOPY bin/app /usr/local/bin/app\nENTRYPOINT [\"/usr/local/bin/app\"]\n";
        let dockerfile = base.join("docker/Dockerfile");
        std::fs::write(&dockerfile, text).unwrap();
        let sig016 = |opts: &LintOptions| {
            lint("docker/Dockerfile", text, opts)
                .diagnostics
                .into_iter()
                .filter(|d| d.code == "SIG016")
                .map(|d| (d.severity, d.message))
                .collect::<Vec<_>>()
        };
        let assumed = LintOptions::for_file(&dockerfile);
        let found = sig016(&assumed);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Severity::Warning);
        assert!(
            found[0].1.contains("comes from `bin/app`, which is not in the assumed build context `.` (the Dockerfile's directory), but is in `..`: built from there? give --context"),
            "{}",
            found[0].1
        );
        let known = LintOptions {
            build: Build {
                context_known: true,
                origin: Some("docker-bake.hcl target \"app\"".into()),
                ..Build::default()
            },
            ..LintOptions::for_file(&dockerfile)
        };
        let found = sig016(&known);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Severity::Error);
        assert!(found[0].1.ends_with("the build fails"), "{}", found[0].1);
        let right = LintOptions {
            context: Some(base.clone()),
            ..known.clone()
        };
        assert_eq!(sig016(&right), vec![]);
        let _ = std::fs::remove_dir_all(&base);
    }
}
