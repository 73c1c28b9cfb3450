//! The model on the constructs of issue 13, one small script each.

use super::*;
use std::fmt::Write as _;

/// A compact rendering of the paths: `exec ./server`, `fg ./app`,
/// `fg(pipeline) ./app`, `wait`, `exit`, `fails`, `unknown`, with traps
/// in force (`TERM:fw`), and conditions after `|`.
fn paths(text: &str, shell: Option<ShellKind>, args: Option<&[&str]>, c: bool) -> Vec<String> {
    let env = Env {
        shell,
        args: args.map(|a| a.iter().map(std::string::ToString::to_string).collect()),
        vars: vec![("MODE".into(), Some("worker".into()))],
        env_complete: false,
        zero: "/entrypoint.sh".into(),
        command_string: c,
        source: &|p, _| match p {
            "./run.sh" | "run.sh" => Some("exec ./app \"$@\"\n".into()),
            "./lib.sh" => Some("start() { ./app; }\n".into()),
            "./migrate.sh" => {
                Some("#!/bin/sh\nfor f in *.sql; do psql -f \"$f\"; done\necho done\n".into())
            }
            "./serve.sh" => Some("#!/bin/sh\n./app\n".into()),
            "./entrypoint.d/10-bg.sh" => Some("./metrics &\n".into()),
            _ => None,
        },
        list: &|p| match p {
            "./entrypoint.d/*.sh" => Some(vec!["./entrypoint.d/10-bg.sh".into()]),
            _ => None,
        },
        depth: 0,
    };
    let flow = run(text, &env);
    let mut out: Vec<String> = flow
        .paths
        .iter()
        .map(|p| {
            let name = |prog: &Prog| {
                prog.argv
                    .iter()
                    .map(|w| w.clone().unwrap_or_else(|| "?".into()))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let mut s = match &p.end {
                End::Exec { prog, explicit } => {
                    format!(
                        "{} {}",
                        if *explicit { "exec" } else { "exec(implicit)" },
                        name(prog)
                    )
                }
                End::Foreground {
                    prog, how, after, ..
                } => {
                    let h = match how {
                        How::Simple => String::new(),
                        h => format!("({h:?})"),
                    };
                    let a = if after.is_empty() { "" } else { " +after" };
                    format!("fg{h} {}{a}", name(prog))
                }
                End::Wait { waits_again, .. } => {
                    format!("wait{}", if *waits_again { " +again" } else { "" })
                }
                End::Exit { .. } => "exit".into(),
                End::Fails { .. } => "fails".into(),
                End::Unknown { .. } => "unknown".into(),
            };
            for t in &p.traps {
                let _ = write!(
                    s,
                    " {}:{}{}{}",
                    t.signal,
                    if t.forwards { "fw" } else { "" },
                    if t.waits { "w" } else { "" },
                    if t.exits { "x" } else { "" }
                );
            }
            if !p.conditions.is_empty() {
                s.push_str(" | ");
                s.push_str(&p.conditions.join(" & "));
            }
            s
        })
        .collect();
    out.sort();
    out
}

fn script(text: &str, args: &[&str]) -> Vec<String> {
    paths(text, Some(ShellKind::Dash), Some(args), false)
}

#[test]
fn or_exit_keeps_the_app() {
    assert_eq!(
        script("./app \"$@\" || exit 1\n", &[]),
        ["exit", "fg ./app +after"]
    );
}

#[test]
fn pipeline_app_is_the_program() {
    assert_eq!(script("printf cfg | ./app\n", &[]), ["fg(Pipeline) ./app"]);
    assert_eq!(script("./app | tee log\n", &[]), ["fg(Pipeline) ./app"]);
    assert_eq!(script("find . -name x | xargs rm\n", &[]), ["exit"]);
}

#[test]
fn sourced_files_are_read() {
    assert_eq!(script(". ./run.sh\n", &["x"]), ["exec ./app x"]);
    assert_eq!(script(". ./lib.sh\nstart\n", &[]), ["fg ./app"]);
}

#[test]
fn cmd_selects_the_branch() {
    let s = "if [ \"$1\" = serve ]; then ./server; exit; fi\nexec \"$@\"\n";
    assert_eq!(script(s, &["serve"]), ["fg ./server +after"]);
    assert_eq!(script(s, &["worker"]), ["exec worker"]);
    let unknown = paths(s, Some(ShellKind::Dash), None, false);
    assert_eq!(unknown.len(), 2, "{unknown:?}");
}

#[test]
fn case_arms_by_value() {
    let s = "case \"$1\" in\n serve) exec ./server;;\n migrate) for f in *.sql; do psql -f \"$f\"; done; exit 0;;\nesac\n";
    assert_eq!(script(s, &["serve"]), ["exec ./server"]);
    assert_eq!(script(s, &["migrate"]), ["exit"]);
    let s2 = "MODE=${1:-serve}\ncase \"$MODE\" in serve) exec ./server;; *) exec ./worker;; esac\n";
    assert_eq!(script(s2, &[]), ["exec ./server"]);
    assert_eq!(script(s2, &["x"]), ["exec ./worker"]);
}

#[test]
fn env_selects_the_branch() {
    let s = "if [ \"$MODE\" = worker ]; then exec ./worker; fi\nexec ./server\n";
    assert_eq!(script(s, &[]), ["exec ./worker"]);
}

#[test]
fn trap_reset_after_first_wait() {
    let s = "trap 'kill -TERM $pid' TERM\n./app & pid=$!\nwait $pid\ntrap - TERM\nwait $pid\n";
    assert_eq!(script(s, &[]), ["wait +again TERM:fw"]);
}

#[test]
fn trap_in_function_after_wait_in_run_order() {
    let s = "setup() { trap 'kill $pid; wait $pid' TERM; }\n./app & pid=$!\nsetup\nwait $pid\n";
    assert_eq!(script(s, &[]), ["wait TERM:fww"]);
}

#[test]
fn restart_loop() {
    let s = "trap 'exit 0' TERM\nwhile true; do ./app; done\n";
    assert_eq!(script(s, &[]), ["fg(RestartLoop) ./app TERM:x"]);
    assert_eq!(
        script("while :; do sleep 1; done\n", &[]),
        ["fg(PollLoop) ?"]
    );
}

#[test]
fn command_strings_per_shell() {
    let c = |t: &str, sh| paths(t, Some(sh), Some(&[]), true);
    assert_eq!(c("./app", ShellKind::Dash), ["fg ./app"]);
    assert_eq!(c("./app", ShellKind::Bash), ["exec(implicit) ./app"]);
    assert_eq!(
        c("cd /x && ./app", ShellKind::Bash),
        ["exec(implicit) ./app"]
    );
    assert_eq!(
        c("trap 'echo bye' EXIT; ./app", ShellKind::Bash),
        ["fg ./app EXIT:"]
    );
    assert_eq!(c("./app > /log 2>&1", ShellKind::Bash), ["fg ./app"]);
    assert_eq!(
        c("./app > /log 2>&1", ShellKind::Ash),
        ["exec(implicit) ./app"]
    );
    assert_eq!(
        c("tini -- ./app && echo done", ShellKind::Ash),
        ["fg tini -- ./app +after"]
    );
}

#[test]
fn exec_a_fails_under_dash() {
    assert_eq!(script("exec -a name ./app\n", &[]), ["fails"]);
    assert_eq!(
        paths(
            "exec -a name ./app\n",
            Some(ShellKind::Bash),
            Some(&[]),
            false
        ),
        ["exec ./app"]
    );
}

#[test]
fn eval_literal_is_run() {
    assert_eq!(script("eval exec ./app\n", &[]), ["exec ./app"]);
    assert_eq!(script("exec eval ./app\n", &[]), ["fails"]);
    assert_eq!(script("eval \"$CMD\"\n", &[]), ["fg eval ?"]);
}

#[test]
fn background_next_to_foreground() {
    let p = script("./app &\n./other\n", &[]);
    assert_eq!(p, ["fg ./other"]);
    let flow = run("./app &\n./other\n", &Env::unknown());
    assert_eq!(flow.paths[0].jobs.len(), 1);
}

#[test]
fn steps_before_exec_are_not_the_workload() {
    assert_eq!(
        script("./migrate\n./wait-for-db && exec ./server\n", &[]),
        ["exec ./server", "exit"]
    );
}

#[test]
fn docker_library_shape() {
    let s = r#"#!/bin/sh
set -e
if [ "${1#-}" != "$1" ]; then
    set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec gosu redis "$0" "$@"
fi
exec "$@"
"#;
    assert_eq!(script(s, &["redis-server"]).len(), 2);
    assert_eq!(script(s, &["--port", "1"]).len(), 2);
    assert_eq!(script(s, &["sh"]), ["exec sh"]);
    let p = script(s, &["--port", "1"]);
    assert!(
        p.iter()
            .any(|p| p.starts_with("exec gosu redis /entrypoint.sh redis-server --port 1")),
        "{p:?}"
    );
}

#[test]
fn functions_with_their_arguments() {
    let s = "_main() {\n if [ \"$1\" = app ]; then exec ./app; fi\n exec \"$@\"\n}\n_main \"$@\"\n";
    assert_eq!(script(s, &["app"]), ["exec ./app"]);
    assert_eq!(script(s, &["sh"]), ["exec sh"]);
}

#[test]
fn recursion_is_bounded() {
    let s = "f() { f; }\nf\n";
    assert_eq!(script(s, &[]), ["unknown"]);
}

#[test]
fn many_ifs_stay_small() {
    let mut s = String::new();
    for i in 0..200 {
        let _ = writeln!(s, "if [ -n \"$V{i}\" ]; then x{i}=1; fi");
    }
    s.push_str("exec ./app\n");
    assert_eq!(script(&s, &[]), ["exec ./app"]);
}

#[test]
fn scripts_run_in_the_foreground_are_followed() {
    assert_eq!(script("./migrate.sh\nexit 0\n", &[]), ["exit"]);
    assert_eq!(script("./serve.sh\n", &[]), ["fg ./serve.sh"]);
}

#[test]
fn eval_of_words_known_at_run_time() {
    assert_eq!(
        script(
            "X=\"${X:-}\"\neval exec ./app \"$@\" $X\n",
            &["--port", "1"]
        ),
        ["exec ./app --port 1 ?"]
    );
}

#[test]
fn daemons_are_background_jobs() {
    let flow = run("nginx\nexec ./app\n", &Env::unknown());
    assert!(matches!(flow.paths[0].end, End::Exec { .. }));
    assert_eq!(flow.paths[0].jobs.len(), 1);
    assert!(flow.paths[0].jobs[0].daemon.is_some());
}

#[test]
fn busybox_applets_without_gnu_options() {
    let p = |sh| {
        paths(
            "exec chroot --userspec=1:1 / ./app\n",
            Some(sh),
            Some(&[]),
            false,
        )
    };
    assert_eq!(p(ShellKind::Ash), ["fails"]);
    assert_eq!(p(ShellKind::Dash), ["exec chroot --userspec=1:1 / ./app"]);
}

#[test]
fn subshells_in_command_strings() {
    let c = |t: &str, sh| paths(t, Some(sh), Some(&[]), true);
    assert_eq!(c("(app)", ShellKind::Ash), ["exec(implicit) app"]);
    assert_eq!(c("( (app) )", ShellKind::Dash), ["fg(Subshell) app"]);
    assert_eq!(c("((app))", ShellKind::Dash), ["unknown"]);
}

#[test]
fn files_sourced_through_a_glob_loop() {
    let s = "for f in ./entrypoint.d/*.sh; do\n  case \"$f\" in *.sh) . \"$f\";; esac\ndone\nexec ./app\n";
    let flow = run(
        s,
        &Env {
            list: &|p| (p == "./entrypoint.d/*.sh").then(|| vec!["./entrypoint.d/10-bg.sh".into()]),
            source: &|p, _| (p == "./entrypoint.d/10-bg.sh").then(|| "./metrics &\n".into()),
            ..Env::unknown()
        },
    );
    assert_eq!(flow.paths.len(), 1, "{:?}", flow.paths);
    assert_eq!(flow.paths[0].jobs.len(), 1);
}

#[test]
fn trap_handlers_and_what_they_call() {
    // A double-quoted handler is read between its quotes.
    let s = "./app & pid=$!\ntrap \"kill -TERM $pid; wait $pid\" TERM\nwait $pid\n";
    assert_eq!(script(s, &[]), ["wait TERM:fww"]);
    // Through a chain of functions, defined after the trap.
    let mut s = String::from("trap f0 TERM\n");
    for i in 0..50 {
        let _ = writeln!(s, "f{i}() {{ f{}; }}", i + 1);
    }
    s.push_str("f50() { kill -TERM \"$p\"; wait \"$p\"; }\n./app & p=$!\nwait\n");
    assert_eq!(script(&s, &[]), ["wait TERM:fww"]);
    // Reset and ignore.
    assert_eq!(
        script("trap 'exit' TERM\ntrap - TERM\n./app & wait\n", &[]),
        ["wait"]
    );
    assert_eq!(script("trap '' TERM\n./app & wait\n", &[]), ["wait TERM:"]);
}

#[test]
fn too_complex_is_reported_not_guessed() {
    let s = format!(
        "{}./app\n{}",
        "if true; then\n".repeat(200),
        "fi\n".repeat(200)
    );
    let flow = run(&s, &Env::unknown());
    assert!(flow.too_complex.is_some());
    assert!(flow
        .paths
        .iter()
        .all(|p| matches!(p.end, End::Unknown { .. })));
}

#[test]
fn setup_subcommand_of_a_server_before_exec() {
    // shlinkio/shlink data/infra/roadrunner.Dockerfile: `rr get` downloads
    // the server binary and ends; `rr serve` is the workload.
    let s = "if [ ! -f ./bin/rr ]; then ./vendor/bin/rr get --location bin/ && chmod +x bin/rr ; fi && exec ./bin/rr serve\n";
    assert_eq!(script(s, &[]), ["exec ./bin/rr serve", "exit"]);
}

#[test]
fn eval_of_exec_from_a_variable() {
    // neo4j/docker-neo4j docker-entrypoint.sh: `exec_cmd` holds "exec" or
    // "exec su-exec neo4j:neo4j", the command comes from a function's output.
    // (When both values meet after an `if`, the variable is unknown: the
    // model keeps one value per variable.)
    let s = "exec_cmd=\"exec su-exec neo4j:neo4j\"\nreadonly exec_cmd\ncmd=\"$(get_cmd)\"\neval ${exec_cmd} ${cmd?:none}\n";
    assert_eq!(script(s, &[]), ["exec su-exec neo4j:neo4j ?"]);
    assert_eq!(script("c=exec\neval $c ./app\n", &[]), ["exec ./app"]);
}

#[test]
fn a_handler_that_stops_the_services() {
    // gitlabhq/omnibus-gitlab docker/assets/init-container.
    let s = "trap 'gitlab-ctl stop; exit' TERM\n/opt/gitlab/embedded/bin/runsvdir-start &\nwait\n";
    let p = script(s, &[]);
    assert!(p.iter().all(|e| e.contains("TERM:fwwx")), "{p:?}");
}

#[test]
fn a_step_before_a_background_server_is_a_setup_step() {
    // apache/nifi nifi-docker/dockerhub/sh/start.sh: `nifi.sh
    // set-single-user-credentials` (unknown to dsig) before the server and
    // `tail -F` are started in the background and waited for.
    let s = "./bin/tool set-credentials a b\nredis-server &\npid=$!\nwait $pid\n";
    assert_eq!(script(s, &[]), ["wait"]);
    let s = "./bin/tool set-credentials a b\n./bin/server run &\ntail -F --pid=$! log &\nwait\n";
    assert_eq!(script(s, &[]), ["wait"]);
}

#[test]
fn a_setup_step_stays_one_on_an_error_branch() {
    // apache/nifi start.sh: `nifi.sh set-single-user-credentials`, then a
    // sourced file that exits 1 when a keystore is missing, else the server.
    let s = "./bin/tool set-credentials a b\nif [ ! -f \"$KS\" ]; then\n  exit 1\nfi\n./bin/server run &\nwait $!\n";
    let p = script(s, &[]);
    assert!(!p.iter().any(|e| e.starts_with("fg")), "{p:?}");
    // Without a later server, the unknown program may be the workload.
    let s = "./bin/tool set-credentials a b\nif [ ! -f \"$KS\" ]; then\n  exit 1\nfi\n";
    assert!(script(s, &[]).iter().any(|e| e.starts_with("fg")));
}

#[test]
fn pwd_is_unknown_after_cd() {
    let env = Env {
        vars: vec![("PWD".into(), Some("/srv".into()))],
        ..Env::unknown()
    };
    let p = |t: &str| {
        run(t, &env)
            .paths
            .iter()
            .map(|p| match &p.end {
                End::Exec { prog, .. } => format!("{:?}", prog.argv),
                e => format!("{e:?}"),
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        p("exec ./app --dir=$PWD\n"),
        [r#"[Some("./app"), Some("--dir=/srv")]"#]
    );
    assert_eq!(
        p("cd /tmp\nexec ./app --dir=$PWD\n"),
        [r#"[Some("./app"), None]"#]
    );
}
