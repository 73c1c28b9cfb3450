//! SIG022 init-misplaced.

use super::Context;
use crate::diagnostic::{FixAvailability, RuleMeta, Severity};
use crate::model::chain::{Step, INITS};
use crate::model::{Command, Setting};

pub const META: RuleMeta = RuleMeta {
    code: "SIG022",
    slug: "init-misplaced",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "An init (tini, dumb-init) that is not PID 1, or tini without `--`",
    doc: include_str!("../../rules/init-misplaced.md"),
};

/// Programs that `exec` their arguments (so an init after them still
/// becomes PID 1): `ENTRYPOINT ["nice", "-n", "5"]` + `CMD ["tini", ...]`.
const EXEC_LAUNCHERS: &[&str] = &[
    "nice", "nohup", "setsid", "chroot", "stdbuf", "ionice", "numactl", "taskset", "chrt",
    "unshare", "prlimit", "exec",
];

pub fn check(ctx: &Context) {
    let Some(at) = ctx.chain.started_by else {
        return;
    };
    let ins = &ctx.dockerfile.instructions[at];
    for step in &ctx.chain.steps {
        let Step::Init {
            name,
            options,
            command,
            as_child,
        } = step
        else {
            continue;
        };
        if *as_child {
            ctx.report(
                &META,
                ins.span(),
                format!("`{name}` is not PID 1: a shell or script that stays PID 1 starts it as a child, so SIGTERM never reaches it and it reaps nothing"),
            )
            .label(format!("`{name}` runs as a child"))
            .help(format!("put `{name}` first: `ENTRYPOINT [\"{name}\", \"--\", ...]`, and `exec` anything that starts it"));
        } else if name.starts_with("tini")
            && !options.iter().any(|o| o == "--")
            && command.iter().skip(1).any(|w| w.starts_with('-'))
        {
            ctx.report(
                &META,
                ins.span(),
                format!("`{name}` without `--`: it reads the command's options that start with `-` as its own"),
            )
            .label("no `--` after tini")
            .help("write `tini --` before the command");
        }
    }
    init_in_cmd_behind_entrypoint(ctx);
}

/// `ENTRYPOINT ["/usr/bin/myapp"]` + `CMD ["tini", "--", "app"]`: CMD only
/// gives ENTRYPOINT its arguments (a shell-form ENTRYPOINT ignores it), so the
/// init never runs as PID 1. Reported when dsig followed the ENTRYPOINT to the
/// end (no gaps) and never reached the init.
fn init_in_cmd_behind_entrypoint(ctx: &Context) {
    let Some(stage) = ctx.image.final_stage() else {
        return;
    };
    let (
        Setting::Set { value: ep, .. },
        Setting::Set {
            value: Command::Exec(cmd),
            at: cmd_at,
        },
    ) = (&stage.entrypoint, &stage.cmd)
    else {
        return;
    };
    let Some(written) = cmd.first().filter(|p| INITS.contains(&crate::shell::base_name(p))) else {
        return;
    };
    let init = crate::shell::base_name(written);
    if ctx.chain.has_init() || !ctx.chain.gaps.is_empty() {
        return;
    }
    let Some((program, _, _)) = ctx.chain.final_program() else {
        return;
    };
    if EXEC_LAUNCHERS.contains(&crate::shell::base_name(program)) {
        return;
    }
    let (why, entry) = match ep {
        Command::Exec(argv) => {
            let Some(first) = argv.first() else { return };
            (
                format!("ENTRYPOINT runs `{first}` and CMD only becomes its arguments"),
                argv.iter()
                    .map(|a| serde_json::Value::from(a.as_str()).to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        }
        Command::Shell { .. } => (
            "a shell-form ENTRYPOINT ignores CMD".to_string(),
            "...".to_string(),
        ),
    };
    let ins = &ctx.dockerfile.instructions[*cmd_at];
    ctx.report(
        &META,
        ins.span(),
        format!("`{init}` in CMD is never PID 1: {why}, so `{init}` forwards no signal and reaps nothing"),
    )
    .label(format!("`{init}` is not PID 1"))
    .help(format!(
        "put `{init}` first in an exec-form ENTRYPOINT: `ENTRYPOINT [{}, \"--\", {entry}]`, and leave only the arguments in CMD",
        serde_json::Value::from(written.as_str())
    ));
}
