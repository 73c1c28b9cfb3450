//! SIG020 pid1-ignores-sigterm.

use super::{shared, Context};
use crate::diagnostic::{Diagnostic, FixAvailability, FixSafety, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    code: "SIG020",
    slug: "pid1-ignores-sigterm",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes(FixSafety::Unsafe),
    summary: "PID 1 is a program that has no SIGTERM handler by default, and no init is in front",
    doc: include_str!("../../rules/pid1-ignores-sigterm.md"),
};

/// A runtime's default SIGTERM behaviour as PID 1 of a PID namespace, and
/// the command that measures it (tests/runtimes.rs runs each one).
pub struct Runtime {
    /// Program names (basename) it covers.
    pub names: &'static [&'static str],
    /// True: no handler by default, so SIGTERM to PID 1 is dropped.
    pub ignores: bool,
    /// argv of a long-running instance, for the measurement.
    pub probe: &'static [&'static str],
}

/// The runtime table of rules/pid1-ignores-sigterm.md.
pub const RUNTIMES: &[Runtime] = &[
    Runtime {
        names: &["node", "nodejs"],
        ignores: true,
        probe: &["node", "-e", "setTimeout(()=>{},100000)"],
    },
    Runtime {
        names: &["python", "python3"],
        ignores: true,
        probe: &["python3", "-c", "import time; time.sleep(100)"],
    },
    Runtime {
        names: &["perl"],
        ignores: true,
        probe: &["perl", "-e", "sleep(100)"],
    },
    Runtime {
        names: &["sleep"],
        ignores: true,
        probe: &["sleep", "100"],
    },
    Runtime {
        names: &["tail"],
        ignores: true,
        probe: &["tail", "-f", "/dev/null"],
    },
    Runtime {
        names: &["cat"],
        ignores: true,
        probe: &["cat"],
    },
    Runtime {
        names: &["bash", "sh", "dash", "ash"],
        ignores: true,
        probe: &["bash", "-c", "sleep 100; true"],
    },
    Runtime {
        names: &["ruby"],
        ignores: false,
        probe: &["ruby", "-e", "sleep(100)"],
    },
    Runtime {
        names: &["java"],
        ignores: false,
        probe: &["java", "-XX:+UseSerialGC", "-e"],
    },
];

/// The runtime entry for a program, by basename (`python3.12` → python3).
pub fn runtime(program: &str) -> Option<&'static Runtime> {
    let base = program.rsplit('/').next().unwrap_or(program);
    let trimmed = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    RUNTIMES
        .iter()
        .find(|r| r.names.contains(&base) || r.names.contains(&trimmed))
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(at) = ctx.chain.started_by else {
        return;
    };
    if ctx.chain.has_init() {
        return;
    }
    let Some((prog, _argv, as_child)) = shared::final_program(ctx) else {
        return;
    };
    if as_child {
        return; // a shell or script is PID 1: SIG001/SIG010 say so
    }
    let Some(rt) = runtime(prog).filter(|r| r.ignores) else {
        return;
    };
    let name = prog.rsplit('/').next().unwrap_or(prog);
    if crate::shell::is_shell_program(prog) && !ctx.chain.scripts.is_empty() {
        return; // a script's shell: the script rules judge it
    }
    let ins = &ctx.dockerfile.instructions[at];
    let mut d = ctx.diagnostic(
        &META,
        ins.span.clone(),
        format!(
            "`{name}` is PID 1 and, unless the app installs its own handler, has none for SIGTERM: the kernel drops SIGTERM sent to PID 1 without a handler, so `docker stop` SIGKILLs it after the grace period; nothing reaps zombies either"
        ),
    );
    d.label = Some(format!("PID 1 is `{name}`"));
    let hint = match rt.names[0] {
        "node" => " (`process.on('SIGTERM', ...)`)",
        "python" => " (`signal.signal(signal.SIGTERM, ...)`)",
        _ => "",
    };
    // Programs a script left in the background before it exec'd this one:
    // an init in front signals only its child, and they are SIGKILLed when
    // it exits (adversarial scenario h-tail-devnull-keepalive).
    let left_behind = ctx.chain.scripts.iter().any(|s| {
        s.flow.paths.iter().any(|p| {
            matches!(p.end, crate::shell::flow::End::Exec { .. })
                && p.jobs
                    .iter()
                    .any(|j| j.prog.lifetime != crate::shell::flow::Lifetime::OneShot)
        })
    });
    let fix = if left_behind {
        Err("a script leaves programs in the background before it execs this one, and an init in front would signal only its own child".to_string())
    } else {
        shared::init_fix(ctx, false)
    };
    match fix {
        Ok(fix) => {
            d.help = Some(format!(
                "run an init in front that forwards signals and reaps zombies ({}, or `docker run --init`), or make sure the app handles SIGTERM{hint}",
                ctx.init.name()
            ));
            d.fix = Some(fix);
        }
        Err(why) => {
            d.help = Some(format!(
                "make sure the app handles SIGTERM{hint}, or add an init: {why}"
            ))
        }
    }
    let _ = rt.probe;
    out.push(d);
}
