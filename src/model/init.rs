//! Putting an init (tini or dumb-init) in front of what the image runs,
//! without changing what runs: the new PID 1 argv is
//! `[init, "--", <old ENTRYPOINT argv>, <old CMD argv>]`.

use super::{classify_image, Command, Image, Setting, SystemShell};
use crate::diagnostic::line_start;
use crate::shell::ShellKind;
use crate::syntax::{json_array, Dockerfile, Kind, PieceKind};
use std::fmt::Write as _;
use std::ops::Range;

/// Which init to install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Init {
    #[default]
    Tini,
    DumbInit,
}

impl Init {
    #[must_use]
    pub fn parse(s: &str) -> Option<Init> {
        match s {
            "tini" => Some(Init::Tini),
            "dumb-init" => Some(Init::DumbInit),
            _ => None,
        }
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Init::Tini => "tini",
            Init::DumbInit => "dumb-init",
        }
    }
}

/// How the init gets into the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Install {
    /// `RUN <command>` in the final stage; the init is then at `path`.
    Run { command: String, path: &'static str },
    /// A helper stage that installs Debian's static tini, copied in with
    /// `COPY --from` (scratch, distroless, unknown or non-root bases).
    Stage { stage: String, path: &'static str },
}

/// Name of the helper stage the fix adds.
pub const HELPER_STAGE: &str = "dsig-tini";

/// The distro family of the final stage's base image, from its FROM chain.
fn family(image: &Image) -> (Option<ShellKind>, String) {
    let Some(st) = image.final_stage() else {
        return (None, String::new());
    };
    let mut s = st;
    loop {
        match &s.base {
            super::Base::Stage(i) => s = &image.stages[*i],
            super::Base::Scratch => return (None, "scratch".into()),
            super::Base::Image(r) => {
                return match classify_image(r) {
                    SystemShell::Known(k, _) => (Some(k), r.to_ascii_lowercase()),
                    _ => (None, r.to_ascii_lowercase()),
                }
            }
        }
    }
}

/// How to install `init` in the final stage.
#[must_use]
pub fn install(image: &Image, init: Init) -> Option<Install> {
    let (kind, reference) = family(image);
    let non_root = image
        .final_stage()
        .and_then(|s| s.user.get())
        .is_some_and(|(u, _)| !matches!(u.split(':').next().unwrap_or(""), "root" | "0"));
    let stage = || match init {
        // Debian's tini package ships a static build that runs on any base.
        Init::Tini => Some(Install::Stage {
            stage: HELPER_STAGE.into(),
            path: "/tini",
        }),
        Init::DumbInit => None,
    };
    if non_root {
        return stage();
    }
    let fedora = reference.contains("fedora");
    match (kind, init) {
        (Some(ShellKind::Ash), Init::Tini) if !reference.contains("busybox") && !reference.contains("distroless") => {
            Some(Install::Run { command: "apk add --no-cache tini".into(), path: "/sbin/tini" })
        }
        (Some(ShellKind::Ash), Init::DumbInit) if !reference.contains("busybox") && !reference.contains("distroless") => {
            Some(Install::Run { command: "apk add --no-cache dumb-init".into(), path: "/usr/bin/dumb-init" })
        }
        (Some(ShellKind::Dash), _) => Some(Install::Run {
            command: format!(
                "apt-get update && apt-get install -y --no-install-recommends {} && rm -rf /var/lib/apt/lists/*",
                init.name()
            ),
            path: if init == Init::Tini { "/usr/bin/tini" } else { "/usr/bin/dumb-init" },
        }),
        (Some(ShellKind::Bash), _) if fedora => Some(Install::Run {
            command: format!("dnf install -y {} && dnf clean all", init.name()),
            path: if init == Init::Tini { "/usr/bin/tini" } else { "/usr/bin/dumb-init" },
        }),
        _ => stage(),
    }
}

/// Why no injection is offered, or the edits that make it.
pub type Plan = Result<Vec<(Range<usize>, String)>, String>;

/// Plan the edits that put `init` in front of the final stage's ENTRYPOINT
/// and CMD. `group` makes tini signal the child's whole process group (`-g`),
/// for scripts that keep their children in the foreground.
///
/// # Errors
/// Why the init cannot be put in front (the message says what to do by
/// hand).
pub fn plan(df: &Dockerfile, image: &Image, text: &str, init: Init, group: bool) -> Plan {
    let Some(st) = image.final_stage() else {
        return Err("no stage".into());
    };
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let how = install(image, init).ok_or_else(|| {
        format!("no install of {} fits this base image; run the container with `docker run --init` (compose: `init: true`)", init.name())
    })?;
    let own = st.from_at + 1..st.end;
    let in_final = |at: usize| own.contains(&at);
    let mut argv: Vec<String> = match &how {
        Install::Run { path, .. } | Install::Stage { path, .. } => vec![path.to_string()],
    };
    if group && init == Init::Tini {
        argv.push("-g".into());
    }
    argv.push("--".into());
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    // Where the install goes: before the first USER of the final stage, or
    // before its ENTRYPOINT/CMD, or at its end.
    let install_at = own
        .clone()
        .find(|&i| df.instructions[i].kind == Kind::User)
        .or_else(|| {
            own.clone()
                .find(|&i| matches!(df.instructions[i].kind, Kind::Entrypoint | Kind::Cmd))
        });
    let install_line = match &how {
        Install::Run { command, .. } => format!("RUN {command}{nl}"),
        Install::Stage { stage, path } => {
            format!("COPY --from={stage} /usr/bin/tini-static {path}{nl}")
        }
    };
    let file_end_nl = if text.ends_with('\n') || text.is_empty() {
        ""
    } else {
        nl
    };
    let mut tail = String::new();
    match install_at {
        Some(i) => {
            let p = line_start(text, df.instructions[i].span().start);
            edits.push((p..p, install_line));
        }
        None => tail.push_str(&install_line),
    }
    if let Install::Stage { stage, .. } = &how {
        let p = line_start(text, df.instructions[st.from_at].span().start);
        edits.push((
            p..p,
            format!(
                "FROM debian:bookworm-slim AS {stage}{nl}RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*{nl}{nl}"
            ),
        ));
    }
    match &st.entrypoint {
        Setting::Unknown => {
            return Err("the ENTRYPOINT comes from the base image, which dsig cannot see; run the container with `docker run --init` (compose: `init: true`)".into())
        }
        Setting::Set { value, at } if in_final(*at) => {
            let ins = &df.instructions[*at];
            let mut v = argv.clone();
            v.extend(value.argv());
            edits.push((ins.args_span(), json_array(&v)));
        }
        ep => {
            // A new ENTRYPOINT at the end of the final stage. Setting it
            // resets a CMD inherited from an earlier stage: declare it again.
            if let Setting::Set { value, .. } = ep {
                argv.extend(value.argv());
            }
            let _ = write!(tail, "ENTRYPOINT {}{nl}", json_array(&argv));
            match &st.cmd {
                Setting::Set { at, .. } if in_final(*at) => {}
                Setting::Set { value, .. } => {
                    let cmd = match value {
                        Command::Exec(v) => json_array(v),
                        Command::Shell { text, .. } => text.clone(),
                    };
                    let _ = write!(tail, "CMD {cmd}{nl}");
                }
                Setting::Unset => {}
                Setting::Unknown => {
                    return Err("adding an ENTRYPOINT would reset the CMD inherited from the base image, which dsig cannot see; run the container with `docker run --init` (compose: `init: true`)".into())
                }
            }
        }
    }
    if !tail.is_empty() {
        // A line continuation left open at the end of the file would join
        // the new lines to the last instruction (BuildKit skips blank and
        // comment lines inside it): close it by removing the escape.
        let open = df.pieces.iter().rev().find(|p| {
            !matches!(
                p.kind,
                PieceKind::Newline | PieceKind::Blank | PieceKind::Comment | PieceKind::Indent
            )
        });
        if let Some(p) = open.filter(|p| p.kind == PieceKind::Continuation) {
            edits.push((p.span.clone(), String::new()));
        }
        edits.push((text.len()..text.len(), format!("{file_end_nl}{tail}")));
    }
    edits.sort_by_key(|e| e.0.start);
    Ok(edits)
}

/// Is an init already in front (tini, dumb-init, ...)?
#[must_use]
pub fn is_init(program: &str) -> bool {
    matches!(
        crate::shell::base_name(program),
        "tini"
            | "tini-static"
            | "dumb-init"
            | "docker-init"
            | "catatonit"
            | "s6-svscan"
            | "runsvdir"
            | "supervisord"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn apply(text: &str, init: Init) -> String {
        let df = parse(text).unwrap();
        let image = Image::from_dockerfile(&df);
        let edits = plan(&df, &image, text, init, false).unwrap();
        let edits: Vec<crate::diagnostic::Edit> = edits
            .into_iter()
            .map(|(range, replacement)| crate::diagnostic::Edit {
                file: 0,
                range,
                replacement,
            })
            .collect();
        crate::fix::apply_edits(text, &edits)
    }

    fn argv(text: &str) -> Vec<String> {
        Image::from_dockerfile(&parse(text).unwrap())
            .pid1_argv()
            .unwrap()
    }

    /// Every combination of ENTRYPOINT and CMD: the injected image runs
    /// `[init, "--", <what ran before>]`.
    #[test]
    fn keeps_what_runs() {
        let cases = [
            "FROM debian:bookworm\nCMD [\"app\", \"-x\"]\n",
            "FROM debian:bookworm\nCMD app -x\n",
            "FROM debian:bookworm\nENTRYPOINT [\"/e\", \"a\"]\n",
            "FROM debian:bookworm\nENTRYPOINT /e a\n",
            "FROM debian:bookworm\nENTRYPOINT [\"/e\"]\nCMD [\"c\"]\n",
            "FROM debian:bookworm\nENTRYPOINT /e\nCMD c\n",
            "FROM debian:bookworm\nCMD [\"c\"]\nENTRYPOINT [\"/e\"]\n",
            "FROM debian:bookworm AS base\nCMD [\"c\", \"d\"]\nFROM base\nRUN true\n",
            "FROM debian:bookworm AS base\nENTRYPOINT [\"/e\"]\nCMD [\"c\"]\nFROM base\nRUN true\n",
            "FROM debian:bookworm AS base\nCMD c d\nFROM base\nUSER app\nRUN true\n",
            "FROM alpine:3.20\nUSER nobody\nCMD [\"app\"]\n",
            "FROM scratch\nCOPY app /app\nCMD [\"/app\"]",
            // A line continuation left open at the end of the file.
            "FROM debian:bookworm\nCMD app -x \\\n",
            "FROM debian:bookworm\nCMD [\"app\"] \\\n\n# note\n",
            "FROM debian:bookworm AS base\nCMD [\"c\"]\nFROM base\nRUN true \\",
        ];
        for init in [Init::Tini, Init::DumbInit] {
            for c in cases {
                let before = argv(c);
                let df = parse(c).unwrap();
                let image = Image::from_dockerfile(&df);
                let Ok(_) = plan(&df, &image, c, init, false) else {
                    assert_eq!(init, Init::DumbInit, "tini fits every base: {c}");
                    continue;
                };
                let after_text = apply(c, init);
                let after = argv(&after_text);
                let n = after.iter().position(|a| a == "--").unwrap() + 1;
                assert!(
                    after[0].ends_with(init.name()) || after[0] == "/tini",
                    "{after_text}"
                );
                assert_eq!(after[n..], before[..], "{init:?}\n{c}\n->\n{after_text}");
            }
        }
    }

    #[test]
    fn installs_the_distro_way() {
        let t = apply("FROM alpine:3.20\nCMD [\"app\"]\n", Init::Tini);
        assert!(
            t.contains(
                "RUN apk add --no-cache tini\nCMD [\"app\"]\nENTRYPOINT [\"/sbin/tini\", \"--\"]\n"
            ),
            "{t}"
        );
        let t = apply("FROM debian:bookworm\nENTRYPOINT [\"/e\"]\n", Init::Tini);
        assert!(
            t.contains("apt-get install -y --no-install-recommends tini"),
            "{t}"
        );
        assert!(
            t.contains("ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"/e\"]"),
            "{t}"
        );
        let t = apply("FROM scratch\nCOPY app /app\nCMD [\"/app\"]\n", Init::Tini);
        assert!(
            t.starts_with("FROM debian:bookworm-slim AS dsig-tini\n"),
            "{t}"
        );
        assert!(
            t.contains("COPY --from=dsig-tini /usr/bin/tini-static /tini\n"),
            "{t}"
        );
        let t = apply("FROM fedora:40\nCMD [\"app\"]\n", Init::DumbInit);
        assert!(t.contains("dnf install -y dumb-init"), "{t}");
        let text = "FROM myorg/node:20\nCMD [\"node\", \"a.js\"]\n";
        let df = parse(text).unwrap();
        assert!(
            plan(&df, &Image::from_dockerfile(&df), text, Init::Tini, false).is_err(),
            "unknown ENTRYPOINT"
        );
    }
}
