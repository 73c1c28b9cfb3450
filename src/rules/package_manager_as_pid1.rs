//! SIG021 package-manager-as-pid1.

use super::Context;
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};
use crate::shell::command_string;
use crate::shell::flow::End;

pub const META: RuleMeta = RuleMeta {
    code: "SIG021",
    slug: "package-manager-as-pid1",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes(FixSafety::Safe),
    summary:
        "A package manager (npm start, yarn, poetry run, ...) sits between SIGTERM and the app",
    doc: include_str!("../../rules/package-manager-as-pid1.md"),
};

/// `Some(script name)` for `npm start` / `npm run X`; `Some("")` for other
/// package-manager launches; `None` for anything else.
fn launch(argv: &[String]) -> Option<String> {
    let prog = argv.first()?;
    let base = crate::shell::base_name(prog);
    let a1 = argv.get(1).map(String::as_str);
    let a2 = argv.get(2).map(String::as_str);
    match (base, a1) {
        ("npm", Some("start")) => Some("start".into()),
        ("npm", Some("run" | "run-script")) => a2.map(str::to_string),
        ("yarn" | "pnpm", Some("start")) => Some("start".into()),
        ("yarn" | "pnpm", Some("run")) => a2.map(str::to_string),
        ("yarn" | "pnpm", Some(s)) if !s.starts_with('-') => Some(s.to_string()),
        ("npx", _) | ("pm2", Some("start")) => Some(String::new()),
        ("poetry" | "pipenv" | "uv", Some("run")) => Some(String::new()),
        ("gradle" | "gradlew" | "./gradlew", Some("run" | "bootRun")) => Some(String::new()),
        ("mvn" | "mvnw" | "./mvnw", Some(g))
            if g.starts_with("exec:") || g.starts_with("spring-boot:run") =>
        {
            Some(String::new())
        }
        _ => None,
    }
}

/// The package.json script `name`, when it is one literal `node ...` command.
fn node_command(package_json: &str, name: &str) -> Option<Vec<String>> {
    let v: serde_json::Value = serde_json::from_str(package_json).ok()?;
    let script = v.get("scripts")?.get(name)?.as_str()?;
    let argv = command_string(script).literal_argv?;
    (argv.first()? == "node").then_some(argv)
}

/// The `pre<name>` and `post<name>` scripts of package.json that exist:
/// npm (and yarn v1; pnpm with `enable-pre-post-scripts`) runs them around
/// `npm start` / `npm run <name>`, so running `<name>`'s command directly
/// would skip them.
fn lifecycle_hooks(package_json: &str, name: &str) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(package_json) else {
        return Vec::new();
    };
    let Some(scripts) = v.get("scripts").and_then(|s| s.as_object()) else {
        return Vec::new();
    };
    [format!("pre{name}"), format!("post{name}")]
        .into_iter()
        .filter(|hook| scripts.contains_key(hook))
        .collect()
}

pub fn check(ctx: &Context) {
    let Some(at) = ctx.chain.started_by else {
        return;
    };
    let mut found: Vec<(Vec<String>, bool)> = Vec::new();
    if let Some((_, argv, _)) = ctx.chain.final_program() {
        found.push((argv.to_vec(), false));
    }
    for s in &ctx.chain.scripts {
        for p in &s.flow.paths {
            if let End::Foreground { prog, .. } | End::Exec { prog, .. } = &p.end {
                let argv: Option<Vec<String>> = prog.argv.iter().cloned().collect();
                if let Some(argv) = argv {
                    found.push((argv, true));
                }
            }
        }
    }
    for (argv, in_script) in found {
        let Some(script) = launch(&argv) else {
            continue;
        };
        let tool = crate::shell::base_name(&argv[0]).to_string();
        let ins = &ctx.dockerfile.instructions[at];
        let shown = argv.iter().take(3).cloned().collect::<Vec<_>>().join(" ");
        let d = ctx.report(
            &META,
            ins.span(),
            format!(
                "`{shown}` makes {tool} the parent of the app: {tool} stays between PID 1's SIGTERM and the app (npm and yarn start it through `sh -c`) and does not reliably pass the signal on, so `docker stop` can end in SIGKILL and the app's shutdown never runs"
            ),
        )
        .label(format!("{tool} is PID 1, not the app"));
        let direct = (!in_script && !script.is_empty())
            .then(|| {
                ctx.chain.package_json.as_deref().and_then(|p| {
                    node_command(p, &script).map(|cmd| (cmd, lifecycle_hooks(p, &script)))
                })
            })
            .flatten();
        match direct {
            // Running the script's command directly would silently drop the
            // hooks (a `prestart` migration, say): no automatic fix.
            Some((cmd, hooks)) if !hooks.is_empty() => {
                let new = crate::syntax::json_array(&cmd);
                let names = hooks.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(" and ");
                d.help(format!(
                    "package.json also has {names}, which `{shown}` runs around `{script}`, so `{} {new}` alone would skip {them}: do that work at build time, or in an entrypoint script that runs {them} and then `exec`s the app (no automatic fix)",
                    ins.keyword().to_ascii_uppercase(),
                    them = if hooks.len() == 1 { "it" } else { "them" },
                ));
            }
            Some((cmd, _)) => {
                let new = crate::syntax::json_array(&cmd);
                d.help(format!("run what `{shown}` runs, directly: `{} {new}`", ins.keyword().to_ascii_uppercase()))
                    .fix(ctx.fix(FixSafety::Safe, format!("Run the package.json `{script}` script directly: {new}"), vec![(ins.args_span(), new)]));
            }
            None if tool == "pm2" => {
                d.help("use `pm2-runtime`, which is made to be PID 1 and forwards signals");
            }
            None => {
                d.help("run the app's own command (for npm: the `scripts.start` of package.json, e.g. `CMD [\"node\", \"server.js\"]`)");
            }
        }
        break;
    }
}
