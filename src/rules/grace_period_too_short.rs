//! SIG026 grace-period-too-short.

use super::{shared, Context};
use crate::diagnostic::{FixAvailability, RuleMeta, Severity};
use crate::shell::ShellKind;

pub const META: RuleMeta = RuleMeta {
    code: "SIG026",
    slug: "grace-period-too-short",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A stop grace period shorter than the sleeps of the stop-signal trap",
    doc: include_str!("../../rules/grace-period-too-short.md"),
};

/// Seconds that `sleep` commands in `text` wait, added up (`sleep 5`,
/// `sleep 2s`, `sleep 1m`; a value dsig cannot read counts nothing).
fn sleep_seconds(text: &str) -> u64 {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut total: u64 = 0;
    for pair in words.windows(2) {
        if pair[0] != "sleep" {
            continue;
        }
        let v = pair[1];
        let (num, mult) = match v.strip_suffix('s') {
            Some(n) => (n, 1),
            None => match v.strip_suffix('m') {
                Some(n) => (n, 60),
                None => match v.strip_suffix('h') {
                    Some(n) => (n, 3600),
                    None => (v, 1),
                },
            },
        };
        if let Ok(n) = num.parse::<u64>() {
            total = total.saturating_add(n.saturating_mul(mult));
        }
    }
    total
}

/// The text of the shell function `name` in `script`, when it is defined
/// once as `name() {` ... a line `}`.
fn function_body<'s>(script: &'s str, name: &str) -> Option<&'s str> {
    let mut start = None;
    for (i, line) in script.lines().enumerate() {
        let t = line.trim_start();
        let t = t.strip_prefix("function ").unwrap_or(t);
        if let Some(rest) = t.strip_prefix(name) {
            let rest = rest.trim_start();
            if rest.starts_with("()") || rest.starts_with('{') {
                start = Some(i);
                break;
            }
        }
    }
    let start = start?;
    let lines: Vec<&str> = script.lines().collect();
    let end = (start + 1..lines.len()).find(|&i| lines[i].trim_end() == "}")?;
    let from = script.find(lines[start + 1.min(end - start)])?;
    let to = script[from..].find(lines[end]).map(|i| from + i)?;
    script.get(from..to)
}

pub fn check(ctx: &Context) {
    let Some(run) = ctx.run else {
        return;
    };
    let Some((grace, span)) = run.grace.clone() else {
        return;
    };
    if grace == 0 && !run.grace_default {
        ctx.report(
            &META,
            span,
            "the grace period is 0 s: the runtime sends SIGKILL right after the stop signal, so no app gets to shut down".to_string(),
        )
        .label("0 s")
        .help("give the app the time its shutdown takes (Compose's default is 10 s, Kubernetes' 30 s)");
        return;
    }
    let period = if run.grace_default {
        "the default grace period"
    } else {
        "the grace period"
    };
    let stop = shared::stop_signal(ctx);
    // The scripts PID 1 runs, and a `-c` string it runs.
    let mut flows: Vec<(String, &str, std::borrow::Cow<'_, crate::shell::flow::Flow>)> = Vec::new();
    for s in shared::pid1_scripts(ctx) {
        flows.push((s.image_path.clone(), &s.text, std::borrow::Cow::Borrowed(&s.flow)));
    }
    let argv = ctx.image.pid1_argv().unwrap_or_default();
    if let Some(i) = argv.iter().position(|a| a == "-c").filter(|&i| i > 0) {
        let program = &argv[i - 1];
        if let (Some(text), true) = (
            argv.get(i + 1),
            crate::shell::is_shell_program(program),
        ) {
            // The shell's kind matters little for reading the trap.
            let shell = ShellKind::from_program(program).unwrap_or(ShellKind::Bash);
            let flow = shared::c_flow(text, shell);
            flows.push((
                format!("the `{} -c` string", shell.name()),
                text,
                std::borrow::Cow::Owned(flow),
            ));
        }
    }
    let mut worst: Option<(u64, String)> = None;
    for (name, text, flow) in &flows {
        for p in &flow.paths {
            let Some(trap) = p.trap(&stop).filter(|t| !t.ignores()) else {
                continue;
            };
            let mut secs = sleep_seconds(&trap.handler);
            for word in trap.handler.split_whitespace() {
                if let Some(body) = function_body(text, word) {
                    secs = secs.saturating_add(sleep_seconds(body));
                }
            }
            if secs > 0 && secs >= grace && worst.as_ref().is_none_or(|(w, _)| secs > *w) {
                worst = Some((secs, name.clone()));
            }
        }
    }
    let Some((secs, script)) = worst else {
        return;
    };
    ctx.report(
        &META,
        span,
        format!(
            "the SIG{stop} trap of {script} sleeps {secs} s before the app can finish, but {period} is {grace} s: the runtime SIGKILLs the container before the trap is done"
        ),
    )
    .label(format!("{grace} s"))
    .help(format!(
        "make the grace period longer than the shutdown ({secs} s plus the app's own time), or shorten the trap's sleep"
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_add_up() {
        assert_eq!(sleep_seconds("sleep 5; kill -TERM $pid; sleep 2s"), 7);
        assert_eq!(sleep_seconds("sleep 1m && wait"), 60);
        assert_eq!(sleep_seconds("sleep $DELAY"), 0);
        let script = "#!/bin/sh\nterm() {\n  sleep 20\n  kill $pid\n}\ntrap term TERM\n";
        assert_eq!(function_body(script, "term").map(sleep_seconds), Some(20));
        assert_eq!(function_body(script, "nope"), None);
    }
}
