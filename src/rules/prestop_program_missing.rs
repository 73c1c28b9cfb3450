//! SIG028 prestop-program-missing.

use super::Context;
use crate::diagnostic::{FixAvailability, RuleMeta, Severity};
use crate::model::SystemShell;

pub const META: RuleMeta = RuleMeta {
    code: "SIG028",
    slug: "prestop-program-missing",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A preStop exec hook runs a program the image does not have",
    doc: include_str!("../../rules/prestop-program-missing.md"),
};

/// Programs of an OS userland: absent from an image with no `/bin/sh`
/// (scratch, distroless) unless the build copies them in.
const USERLAND: &[&str] = &[
    "sh", "bash", "ash", "dash", "zsh", "sleep", "kill", "pkill", "killall", "curl", "wget",
    "nginx", "timeout", "echo", "cat", "test", "[",
];

pub fn check(ctx: &Context) {
    let Some((argv, span)) = ctx.run.and_then(|r| r.pre_stop.clone()) else {
        return;
    };
    let Some(program) = argv.first() else {
        return;
    };
    let name = crate::shell::base_name(program);
    if !USERLAND.contains(&name) {
        return;
    }
    let SystemShell::Missing(base) = ctx.image.system_shell() else {
        return;
    };
    ctx.report(
        &META,
        span,
        format!(
            "the preStop hook runs `{program}`, but the image ({base}) has no OS userland: the hook fails (FailedPreStopHook), so there is no drain delay and SIGTERM comes at once"
        ),
    )
    .label(format!("`{name}` is not in the image"))
    .help("use a program the image has (the app's own binary), an httpGet hook, or the `sleep` action of Kubernetes 1.30+ (`lifecycle.preStop.sleep.seconds`)");
}
