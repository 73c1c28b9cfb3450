//! The PID 1 chain: from the argv Docker execs, through inits, wrappers,
//! shells and startup scripts, to the program that finally runs.

use super::context::{made_executable, ContextFs, CopyIndex, Origin, ReadError};
use super::{Command, Image, Setting, SystemShell};
use crate::diagnostic::SourceFile;
use crate::shell::flow::{self, End, Flow};
use crate::shell::script::ScriptAnalysis;
use crate::shell::{is_shell_program, ShellKind};
use crate::syntax::Dockerfile;
use std::ops::Range;

/// How far dsig follows scripts that exec or run other scripts.
pub const MAX_DEPTH: usize = 8;

/// How a script is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// Executed as a program: the kernel reads its shebang.
    Direct,
    /// Given to an interpreter (`bash /start.sh`).
    Interpreter(String),
}

/// A startup script dsig reached and read.
#[derive(Debug, Clone)]
pub struct LoadedScript {
    /// Index into the report's files of the file holding the text (0 for a
    /// heredoc in the Dockerfile).
    pub file: usize,
    /// Offset of the script's first byte in that file.
    pub base: usize,
    pub text: String,
    /// Where it is in the image.
    pub image_path: String,
    pub analysis: ScriptAnalysis,
    pub invocation: Invocation,
    /// The shell that runs it, when known.
    pub shell: Option<ShellKind>,
    /// The script is PID 1 (reached through `exec` all the way), not a child.
    pub is_pid1: bool,
    /// It is the image's ENTRYPOINT and a CMD is set (the CMD is its
    /// arguments).
    pub entrypoint_with_cmd: bool,
    /// Whether it is executable in the image (`None`: unknown).
    pub executable: Option<bool>,
    /// The Dockerfile instruction (CMD or ENTRYPOINT) that starts the chain.
    pub started_by: Option<usize>,
    /// The COPY that puts it in the image, if any.
    pub copied_by: Option<usize>,
    /// Its arguments, when known literally.
    pub args: Option<Vec<String>>,
    /// The image's ENV where the script runs (`None`: a value dsig does not
    /// know).
    pub env: Vec<(String, Option<String>)>,
    /// The image's whole environment is `env` (see
    /// [`flow::Env::env_complete`]).
    pub env_complete: bool,
    /// The script run in run order (see [`crate::shell::flow`]): the paths
    /// it can take with these arguments, this image's ENV and its shell.
    pub flow: Flow,
    /// For each file of [`Flow::sourced`] (by index), the report file that
    /// holds it and its offset there, when it is in the build context.
    pub sourced_files: Vec<Option<(usize, usize)>>,
}

/// Something in the chain dsig could not follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// COPY names a context file that is not there. `assumed`: why the
    /// build may still work (the file is gitignored, or the context is only
    /// assumed and a directory above it has the file); `None`: dsig is sure
    /// that the build fails.
    Missing {
        image_path: String,
        rel: String,
        copy: usize,
        assumed: Option<String>,
        /// It is on disk, but the context's `.dockerignore` leaves it out.
        excluded: bool,
    },
    /// A startup script of the context that cannot be read (binary,
    /// invalid UTF-8, too large, not a regular file, permission denied):
    /// reported as an error naming the file (exit 2).
    Unreadable(crate::diagnostic::FileError),
    /// The file is in the image but not from this build context.
    NotAnalysable {
        image_path: String,
        why: String,
        at: usize,
    },
}

/// One link of the chain, for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An init; `options` are its own words before the command (`--`, `-g`).
    Init {
        name: String,
        options: Vec<String>,
        command: Vec<String>,
        as_child: bool,
    },
    Wrapper(String),
    Shell {
        program: String,
        hands_over: bool,
    },
    Script {
        path: String,
        as_child: bool,
    },
    Program {
        name: String,
        argv: Vec<String>,
        as_child: bool,
    },
}

/// The chain as far as dsig could follow it.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    /// The CMD or ENTRYPOINT instruction the chain starts from (`None` when
    /// it is inherited from the base image).
    pub started_by: Option<usize>,
    pub steps: Vec<Step>,
    pub scripts: Vec<LoadedScript>,
    /// The package.json in WORKDIR, when the program is a package manager.
    pub package_json: Option<String>,
    pub gaps: Vec<Gap>,
    /// The chain starts at the CMD while the ENTRYPOINT is inherited from
    /// this base image, which dsig cannot see: that entrypoint may take the
    /// CMD as its arguments instead of running it (a game-server image), so
    /// what the chain says of the CMD holds only if it runs as a program.
    pub cmd_may_be_arguments: Option<String>,
    /// What dsig read of the apps that interpreters of the chain run (see
    /// [`super::app`]).
    pub apps: Vec<super::app::AppScan>,
}

impl Chain {
    /// The program that ends up running, as far as dsig knows.
    pub fn final_program(&self) -> Option<(&str, bool)> {
        self.steps.iter().rev().find_map(|s| match s {
            Step::Program { name, as_child, .. } => Some((name.as_str(), *as_child)),
            _ => None,
        })
    }

    /// An init in front signals the whole process group: `tini -g`, or
    /// dumb-init (its default), so children of a shell get SIGTERM too.
    pub fn init_signals_group(&self) -> bool {
        self.steps.iter().any(|s| match s {
            Step::Init {
                name,
                options,
                as_child: false,
                ..
            } => {
                (name.starts_with("tini") && options.iter().any(|o| o == "-g"))
                    || (name == "dumb-init"
                        && !options.iter().any(|o| o == "-c" || o == "--single-child"))
            }
            _ => false,
        })
    }

    /// The init that is PID 1, if any (`tini`, `dumb-init`, ...).
    pub fn pid1_init(&self) -> Option<&str> {
        self.steps.iter().find_map(|s| match s {
            Step::Init {
                name,
                as_child: false,
                ..
            } => Some(name.as_str()),
            _ => None,
        })
    }

    /// An init (tini, dumb-init, ...) runs before the workload.
    pub fn has_init(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Init { .. }))
    }
}

/// Inits and supervisors that only do their job as PID 1.
pub const INITS: &[&str] = &[
    "tini",
    "tini-static",
    "dumb-init",
    "docker-init",
    "catatonit",
    "s6-svscan",
    "runsvdir",
    "supervisord",
];

fn base(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Skip an init's or wrapper's own options and arguments; returns how many
/// words (after the program) belong to it.
fn wrapper_arity(name: &str, rest: &[String]) -> usize {
    let mut i = 0;
    match name {
        "tini" | "tini-static" | "docker-init" | "catatonit" => {
            while i < rest.len() {
                let a = &rest[i];
                if a == "--" {
                    return i + 1;
                }
                if !a.starts_with('-') {
                    return i;
                }
                // -e CODE and -p SIGNAL take a value.
                if matches!(a.as_str(), "-e" | "-p") {
                    i += 1;
                }
                i += 1;
            }
            i
        }
        "dumb-init" => {
            while i < rest.len() && rest[i].starts_with('-') {
                if rest[i] == "--" {
                    return i + 1;
                }
                if matches!(rest[i].as_str(), "-r" | "--rewrite") {
                    i += 1;
                }
                i += 1;
            }
            i
        }
        "env" => {
            while i < rest.len() && (rest[i].starts_with('-') || rest[i].contains('=')) {
                i += 1;
            }
            i
        }
        "gosu" | "su-exec" | "s6-setuidgid" => 1.min(rest.len()),
        "setpriv" => {
            while i < rest.len() && rest[i].starts_with('-') {
                i += 1;
            }
            i
        }
        "chpst" => {
            while i < rest.len() && rest[i].starts_with('-') {
                if rest[i].len() == 2
                    && matches!(
                        &rest[i][1..],
                        "u" | "U"
                            | "e"
                            | "/"
                            | "n"
                            | "l"
                            | "L"
                            | "m"
                            | "d"
                            | "o"
                            | "p"
                            | "f"
                            | "c"
                            | "r"
                            | "t"
                    )
                {
                    i += 1;
                }
                i += 1;
            }
            i
        }
        "exec" => 0,
        _ => 0,
    }
}

fn is_wrapper(name: &str) -> bool {
    matches!(
        name,
        "env" | "gosu" | "su-exec" | "setpriv" | "chpst" | "s6-setuidgid" | "exec"
    )
}

/// What a shell's argv runs, read from its options as the shell reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellRun {
    /// `-c`: word `.0` is the command string (`$0` and the arguments follow).
    CommandString(usize),
    /// Word `.0` is a script file (its arguments follow).
    Script(usize),
    /// No operand, or `-s`: commands come from standard input.
    Stdin,
    /// An option this shell rejects (it exits with an error), one that runs
    /// nothing (`-n`, `--version`), or one dsig does not know.
    Unknown,
}

/// Read the options of `sh`/`bash`/`dash`/`ash` (argv\[0\] is the shell,
/// `busybox sh` included) as `kind` does; `None`: a shell dsig does not know,
/// read with what dash, bash and busybox ash all accept.
///
/// Measured with dash 0.5.12, bash 5.2.15 and busybox 1.35.0 (the table of
/// the tests below): short options combine (`-eo pipefail`, `-xeuo
/// pipefail`, `-ec`), each `o` (and bash's `O`) in a group takes the next
/// word as its argument; `-c` is a flag, not followed by its string: the
/// string is the first operand (`-c -e STRING`, `-oc pipefail STRING`);
/// `+` turns an option off (`+e`, `+o NAME`); `-` or `--` ends the options.
/// Long options: bash takes them only before the short ones (`-e --norc`
/// fails), busybox ash takes `--login`, `--norc` and `--noprofile`, dash
/// none. Unknown letters make the shell exit with an error. The name after
/// `-o` is not checked (dash 0.5.12 rejects `-o pipefail`, later versions
/// accept it).
pub fn shell_run(argv: &[String], kind: Option<ShellKind>) -> ShellRun {
    // Letters each shell accepts (after `-`, and after `+`), besides the
    // ones that take an argument.
    let (minus, plus, big_o) = match kind {
        Some(ShellKind::Dash) => ("abcefilmpsuvxCEIV", "abefmuvxCl", false),
        Some(ShellKind::Bash) => ("abcefhiklmprstuvxBCEHPT", "abefhmuvxCl", true),
        Some(ShellKind::Ash) => ("abcefilmsuvxCEI", "abefmuvxCl", false),
        None => ("abcefilmsuvxCE", "abefmuvxCl", false),
    };
    let mut j = 1;
    if argv.first().is_some_and(|p| base(p) == "busybox") {
        match argv.get(1).map(String::as_str) {
            Some("sh" | "ash") => j = 2,
            _ => return ShellRun::Unknown,
        }
    }
    let (mut c, mut s) = (false, false);
    let mut short_seen = false;
    while j < argv.len() {
        let a = argv[j].as_str();
        if a == "--" || a == "-" {
            j += 1;
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let takes = match kind {
                Some(ShellKind::Bash) if !short_seen => match long {
                    "login" | "norc" | "noprofile" | "posix" | "verbose" | "noediting"
                    | "restricted" | "debugger" => 0,
                    "rcfile" | "init-file" => 1,
                    _ => return ShellRun::Unknown,
                },
                Some(ShellKind::Ash) => match long {
                    "login" | "norc" | "noprofile" => 0,
                    _ => return ShellRun::Unknown,
                },
                _ => return ShellRun::Unknown,
            };
            j += 1 + takes;
            continue;
        }
        let (on, letters) = match (a.strip_prefix('-'), a.strip_prefix('+')) {
            (Some(l), _) if !l.is_empty() => (true, l),
            (_, Some(l)) if !l.is_empty() => (false, l),
            _ => break, // the first operand
        };
        short_seen = true;
        let mut takes = 0;
        for ch in letters.chars() {
            match ch {
                'o' => takes += 1,
                'O' if big_o => takes += 1,
                'c' if on => c = true,
                's' if on => s = true,
                _ if (if on { minus } else { plus }).contains(ch) => {}
                _ => return ShellRun::Unknown,
            }
        }
        if takes > 0 && j + takes >= argv.len() {
            return ShellRun::Unknown; // `-o` without its name lists the options
        }
        j += 1 + takes;
    }
    match (c, j < argv.len()) {
        (true, true) => ShellRun::CommandString(j),
        (true, false) => ShellRun::Unknown, // "-c requires an argument"
        (false, _) if s => ShellRun::Stdin,
        (false, true) => ShellRun::Script(j),
        (false, false) => ShellRun::Stdin,
    }
}

/// The operand of a shell's argv and whether it is a `-c` string (see
/// [`shell_run`]); `None` when the shell runs no operand dsig can follow.
fn shell_operand(argv: &[String], kind: Option<ShellKind>) -> (Option<usize>, bool) {
    match shell_run(argv, kind) {
        ShellRun::CommandString(j) => (Some(j), true),
        ShellRun::Script(j) => (Some(j), false),
        ShellRun::Stdin | ShellRun::Unknown => (None, false),
    }
}

/// Build the chain for the final stage. Scripts read from the build context
/// are appended to `files`.
pub fn build(image: &Image, df: &Dockerfile, fs: &ContextFs, files: &mut Vec<SourceFile>) -> Chain {
    let mut chain = Chain::default();
    let Some(stage) = image.final_stage() else {
        return chain;
    };
    // Built when a path is first looked up.
    let copies_cell = std::cell::OnceCell::new();
    let copies = || copies_cell.get_or_init(|| CopyIndex::new(image, stage, df, fs));
    let (mut argv, started_by, entrypoint_with_cmd) = match (&stage.entrypoint, &stage.cmd) {
        (Setting::Set { value: ep, at }, cmd) => {
            let mut v = ep.argv();
            let has_cmd = matches!(cmd, Setting::Set { .. }) && matches!(ep, Command::Exec(_));
            let mut at = *at;
            if let (
                Setting::Set {
                    value: c,
                    at: cmd_at,
                },
                Command::Exec(_),
            ) = (cmd, ep)
            {
                v.extend(c.argv());
                // The base image's ENTRYPOINT (set at FROM) with this
                // Dockerfile's CMD: the CMD is what the user wrote.
                if at == stage.from_at {
                    at = *cmd_at;
                }
            }
            (v, at, has_cmd)
        }
        // Unknown ENTRYPOINT (external base image): follow CMD as if the
        // base's entrypoint (if any) ended in `exec "$@"`, as official images
        // do, and say so: the rules' findings on it are then not errors.
        (ep, Setting::Set { value, at }) => {
            if matches!(ep, Setting::Unknown) {
                chain.cmd_may_be_arguments = Some(external_base(image, stage));
            }
            (value.argv(), *at, false)
        }
        _ => return chain,
    };
    let path_var = stage.env.path();
    // A variable whose value is not known (`ENV MODE=${MODE}` of an ARG
    // without a default) is `None`: unknown to the script, not empty.
    let mut stage_env: Vec<(String, Option<String>)> = stage.env.to_vec();
    let env_complete = image.base_env_known();
    let workdir = stage
        .workdir
        .get()
        .map(|(w, _)| w.clone())
        .unwrap_or_else(|| "/".to_string());
    // The shell starts in WORKDIR and sets `$PWD` to it (zipkin's
    // `--basedir=${PWD}`), when dsig knows WORKDIR.
    if !matches!(stage.workdir, Setting::Unknown) && !stage_env.iter().any(|(k, _)| k == "PWD") {
        stage_env.push(("PWD".to_string(), Some(workdir.clone())));
    }
    chain.started_by = Some(started_by).filter(|&i| {
        matches!(
            df.instructions[i].kind,
            crate::syntax::Kind::Cmd | crate::syntax::Kind::Entrypoint
        )
    });
    let mut as_child = false;
    let mut first_script = true;
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..MAX_DEPTH * 4 {
        // Inits and wrappers.
        let Some(prog) = argv.first().cloned() else {
            break;
        };
        let name = base(&prog).to_string();
        if INITS.contains(&name.as_str()) || is_wrapper(&name) {
            let n = wrapper_arity(&name, &argv[1..]);
            if INITS.contains(&name.as_str()) {
                let options = argv[1..(1 + n).min(argv.len())].to_vec();
                let command = argv.get(1 + n..).unwrap_or(&[]).to_vec();
                chain.steps.push(Step::Init {
                    name: name.clone(),
                    options,
                    command,
                    as_child,
                });
                if matches!(name.as_str(), "s6-svscan" | "runsvdir" | "supervisord") {
                    break; // a supervisor: what runs is in its configuration
                }
            } else {
                chain.steps.push(Step::Wrapper(name.clone()));
            }
            argv.drain(..(1 + n).min(argv.len()));
            continue;
        }
        // Other programs that run a command: exec'd (nohup, nice, chroot,
        // stdbuf, ...) or as a child (timeout, su, sudo, ...): the table of
        // src/shell/programs.rs.
        let words: Vec<Option<&str>> = argv.iter().map(|a| Some(a.as_str())).collect();
        if let Some(w) = crate::shell::programs::exec_wrapper(&words)
            .filter(|w| !w.init && !w.shell_string && w.command_at > 0 && w.command_at < argv.len())
        {
            chain.steps.push(Step::Wrapper(w.name.to_string()));
            // A child that gets no signal from its wrapper.
            as_child |= !w.execs && !w.forwards;
            argv.drain(..w.command_at);
            continue;
        }
        if is_shell_program(&prog) {
            let (operand, dash_c) = shell_operand(&argv, shell_kind(&prog, image));
            let Some(j) = operand else { break };
            if dash_c {
                // `sh -c STRING [$0 [$1...]]`: run it with the shell's
                // semantics; follow the program every path ends in.
                let kind = shell_kind(&prog, image);
                let env = flow::Env {
                    shell: kind,
                    args: Some(argv.get(j + 2..).unwrap_or(&[]).to_vec()),
                    vars: stage_env.clone(),
                    env_complete,
                    zero: argv.get(j + 1).cloned().unwrap_or_else(|| prog.clone()),
                    command_string: true,
                    source: &|_, _| None,
                    list: &|_| None,
                    depth: 0,
                };
                let f = flow::run(&argv[j], &env);
                let hands = f.running().next().is_some()
                    && f.running().all(|p| match &p.end {
                        End::Exec { explicit, .. } => *explicit || kind.is_some(),
                        _ => false,
                    });
                chain.steps.push(Step::Shell {
                    program: prog.clone(),
                    hands_over: hands,
                });
                as_child |= !hands;
                match next_argv(&f) {
                    Some((w, _)) => argv = w,
                    None => break,
                }
                continue;
            }
            // `bash /start.sh args`
            let path = argv[j].clone();
            let args = argv[j + 1..].to_vec();
            match load(
                &path,
                &workdir,
                &path_var,
                copies(),
                df,
                fs,
                files,
                &mut chain,
                started_by,
                true,
            ) {
                Some((file, base_off, text, image_path, copied_by)) => {
                    if seen.contains(&image_path) {
                        break;
                    }
                    seen.push(image_path.clone());
                    let shell = shell_kind(&prog, image);
                    let run = RunCtx {
                        workdir: &workdir,
                        env: &stage_env,
                        env_complete,
                        copies: copies(),
                        df,
                        fs,
                    };
                    let (flow, sourced_files) =
                        script_flow(&run, &text, &image_path, shell, &args, files);
                    let script = LoadedScript {
                        file,
                        base: base_off,
                        analysis: flow.analysis(&text),
                        flow,
                        sourced_files,
                        env: stage_env.clone(),
                        env_complete,
                        text,
                        image_path,
                        invocation: Invocation::Interpreter(prog.clone()),
                        shell,
                        is_pid1: !as_child,
                        entrypoint_with_cmd: entrypoint_with_cmd
                            && first_script
                            && !args.is_empty(),
                        executable: None,
                        started_by: Some(started_by),
                        copied_by,
                        args: Some(args),
                    };
                    match push_script(&mut chain, script, &mut as_child, &mut first_script) {
                        Some(v) => argv = v,
                        None => break,
                    }
                }
                None => break,
            }
            continue;
        }
        // A startup script of the base image that this Dockerfile does not
        // replace: an official image's docker-entrypoint.sh is run to see
        // what it hands PID 1 to (it is not the user's file: a step of the
        // chain, not a script to judge); a script that a parent image of
        // the project copies from its context is judged like the user's.
        if let Some(f) = base_script(&prog, &workdir, &path_var, stage, copies(), df, fs) {
            if seen.contains(&f.path) {
                break;
            }
            seen.push(f.path.clone());
            let Some(text) = f.text.as_deref() else {
                // An official image's script: what it hands over to was
                // worked out from its text when the table was made.
                chain.steps.push(Step::Script {
                    path: f.path.clone(),
                    as_child,
                });
                first_script = false;
                let Some(template) = &f.handover else { break };
                let mut next = Vec::new();
                for w in template {
                    if w == "$@" {
                        next.extend(argv[1..].iter().cloned());
                    } else {
                        next.push(w.clone());
                    }
                }
                if next.is_empty() {
                    break;
                }
                argv = next;
                continue;
            };
            let interp = crate::shell::script::shebang_of(text).map(|s| s.interpreter);
            if let Some(i) = interp.as_deref().filter(|i| !is_shell_program(i)) {
                let mut full = vec![i.to_string(), f.path.clone()];
                full.extend(argv[1..].iter().cloned());
                chain.steps.push(Step::Program {
                    name: i.to_string(),
                    argv: full,
                    as_child,
                });
                break;
            }
            let shell = interp.as_deref().and_then(|i| shell_kind(i, image));
            let args = argv[1..].to_vec();
            let run = RunCtx {
                workdir: &workdir,
                env: &stage_env,
                env_complete,
                copies: copies(),
                df,
                fs,
            };
            let (flow, sourced_files) = script_flow(&run, text, &f.path, shell, &args, files);
            let Some(disk) = f.disk.clone() else {
                break;
            };
            let file = match files.iter().position(|x| x.disk.as_ref() == Some(&disk)) {
                Some(i) => i,
                None => {
                    files.push(SourceFile {
                        path: disk.to_string_lossy().to_string(),
                        text: text.to_string(),
                        disk: Some(disk),
                    });
                    files.len() - 1
                }
            };
            let script = LoadedScript {
                file,
                base: 0,
                analysis: flow.analysis(text),
                flow,
                sourced_files,
                env: stage_env.clone(),
                env_complete,
                text: text.to_string(),
                image_path: f.path.clone(),
                invocation: Invocation::Direct,
                shell,
                is_pid1: !as_child,
                entrypoint_with_cmd: entrypoint_with_cmd && first_script && !args.is_empty(),
                executable: Some(f.executable),
                started_by: Some(started_by),
                copied_by: None,
                args: Some(args),
            };
            match push_script(&mut chain, script, &mut as_child, &mut first_script) {
                Some(v) => argv = v,
                None => break,
            }
            continue;
        }
        // A program or a script run directly.
        match load(
            &prog,
            &workdir,
            &path_var,
            copies(),
            df,
            fs,
            files,
            &mut chain,
            started_by,
            false,
        ) {
            Some((file, base_off, text, image_path, copied_by)) => {
                if seen.contains(&image_path) {
                    break;
                }
                seen.push(image_path.clone());
                let interp = crate::shell::script::shebang_of(&text).map(|s| s.interpreter);
                if let Some(i) = interp.as_deref().filter(|i| !is_shell_program(i)) {
                    // `#!/usr/bin/env node`: the interpreter is the program
                    // (PID 1 when run directly); the file is not shell.
                    let mut full = vec![i.to_string(), image_path.clone()];
                    full.extend(argv[1..].iter().cloned());
                    chain.steps.push(Step::Program {
                        name: i.to_string(),
                        argv: full,
                        as_child,
                    });
                    break;
                }
                let ctx_rel = match copied_by.map(|_| ()) {
                    Some(()) => fs_rel_of(files, file, fs),
                    None => None,
                };
                let executable = if file == 0 {
                    Some(made_executable(&image_path, copied_by, df))
                } else {
                    let from_ctx = ctx_rel.as_deref().and_then(|r| fs.is_executable(r));
                    match from_ctx {
                        Some(true) => Some(true),
                        other => {
                            if made_executable(&image_path, copied_by, df) {
                                Some(true)
                            } else {
                                other
                            }
                        }
                    }
                };
                let args = argv[1..].to_vec();
                let shell = interp.as_deref().and_then(|i| shell_kind(i, image));
                let run = RunCtx {
                    workdir: &workdir,
                    env: &stage_env,
                    env_complete,
                    copies: copies(),
                    df,
                    fs,
                };
                let (flow, sourced_files) =
                    script_flow(&run, &text, &image_path, shell, &args, files);
                let analysis = flow.analysis(&text);
                let script = LoadedScript {
                    file,
                    base: base_off,
                    flow,
                    sourced_files,
                    env: stage_env.clone(),
                    env_complete,
                    text,
                    image_path,
                    invocation: Invocation::Direct,
                    shell,
                    is_pid1: !as_child,
                    entrypoint_with_cmd: entrypoint_with_cmd && first_script && !args.is_empty(),
                    executable,
                    started_by: Some(started_by),
                    copied_by,
                    args: Some(args),
                    analysis,
                };
                match push_script(&mut chain, script, &mut as_child, &mut first_script) {
                    Some(v) => argv = v,
                    None => break,
                }
            }
            None => {
                chain.steps.push(Step::Program {
                    name: prog.clone(),
                    argv: argv.clone(),
                    as_child,
                });
                if matches!(base(&prog), "npm" | "yarn" | "pnpm") {
                    let path = super::context::normalize(&format!("{workdir}/package.json"));
                    if let Origin::Context { rel, .. } = copies().locate(&path, df, fs).leaf() {
                        chain.package_json = fs.read(rel).and_then(Result::ok);
                    }
                }
                break;
            }
        }
    }
    let files = super::app::Files {
        copies: copies(),
        df,
        fs,
    };
    chain.apps = super::app::scan_chain(&chain, &workdir, &files);
    chain
}

/// The image paths where the shell looks for `prog`: itself when absolute,
/// under WORKDIR when it has a `/` (or is a script given to a shell,
/// `relative`), else each PATH entry in order.
fn image_candidates(prog: &str, workdir: &str, path_var: &str, relative: bool) -> Vec<String> {
    if prog.starts_with('/') {
        vec![super::context::normalize(prog)]
    } else if prog.contains('/') || relative {
        vec![super::context::normalize(&format!("{workdir}/{prog}"))]
    } else {
        path_var
            .split(':')
            .filter(|d| !d.is_empty())
            .map(|d| super::context::normalize(&format!("{d}/{prog}")))
            .collect()
    }
}

/// A script of the base image (see [`super::base`]) that `prog` names,
/// when no COPY or ADD of this Dockerfile provides a file where the shell
/// finds it first.
fn base_script<'s>(
    prog: &str,
    workdir: &str,
    path_var: &str,
    stage: &'s super::Stage,
    copies: &CopyIndex,
    df: &Dockerfile,
    fs: &ContextFs,
) -> Option<&'s super::base::BaseFile> {
    if stage.base_files.is_empty() {
        return None;
    }
    for path in image_candidates(prog, workdir, path_var, false) {
        if !matches!(copies.locate(&path, df, fs), Origin::NotCopied) {
            return None;
        }
        if let Some(f) = stage.base_files.iter().find(|f| f.path == path) {
            return Some(f);
        }
    }
    None
}

/// The external image a stage is built on, through the stages it is built
/// FROM.
fn external_base(image: &Image, stage: &super::Stage) -> String {
    let mut st = stage;
    for _ in 0..image.stages.len() {
        match &st.base {
            super::Base::Stage(i) if *i < image.stages.len() => st = &image.stages[*i],
            super::Base::Image(r) => return r.clone(),
            _ => break,
        }
    }
    st.base_ref.clone()
}

/// Add a loaded script to the chain (as a step and as a script to judge):
/// the argv it hands over to next, or `None` where the chain ends.
fn push_script(
    chain: &mut Chain,
    script: LoadedScript,
    as_child: &mut bool,
    first_script: &mut bool,
) -> Option<Vec<String>> {
    chain.steps.push(Step::Script {
        path: script.image_path.clone(),
        as_child: *as_child,
    });
    let next = next_argv(&script.flow);
    chain.scripts.push(script);
    *first_script = false;
    let (argv, child) = next?;
    *as_child |= child;
    Some(argv)
}

/// The display path of a loaded context file, relative to the context.
fn fs_rel_of(files: &[SourceFile], file: usize, fs: &ContextFs) -> Option<String> {
    let disk = files.get(file)?.disk.as_ref()?;
    let root = fs.root.as_ref()?;
    disk.strip_prefix(root)
        .ok()
        .map(|p| p.to_string_lossy().to_string())
}

fn shell_kind(prog: &str, image: &Image) -> Option<ShellKind> {
    if let Some(k) = ShellKind::from_program(prog) {
        return Some(k);
    }
    if base(prog) == "sh" {
        if let SystemShell::Known(k, _) = image.system_shell() {
            return Some(k);
        }
    }
    None
}

/// What runs after the script: `Some((argv, as_child))` when every path
/// that keeps running ends in the same program with known words: handed
/// over with `exec` (as_child false) or run in the foreground.
fn next_argv(flow: &Flow) -> Option<(Vec<String>, bool)> {
    let mut found: Option<(Vec<String>, bool)> = None;
    for p in flow.running() {
        let (prog, child) = match &p.end {
            End::Exec { prog, .. } => (prog, false),
            End::Foreground {
                prog,
                how: flow::How::Simple,
                ..
            } => (prog, true),
            _ => return None,
        };
        let mut out = Vec::new();
        for w in &prog.argv {
            match w {
                Some(v) => out.push(v.clone()),
                None if out.is_empty() => return None,
                None => break,
            }
        }
        if out.is_empty() {
            return None;
        }
        match &found {
            Some(f) if *f != (out.clone(), child) => return None,
            _ => found = Some((out, child)),
        }
    }
    found
}

/// What a script's run needs of the image: where it runs, its ENV, and how
/// to read the files it sources.
struct RunCtx<'a> {
    workdir: &'a str,
    env: &'a [(String, Option<String>)],
    /// See [`flow::Env::env_complete`].
    env_complete: bool,
    copies: &'a CopyIndex<'a>,
    df: &'a Dockerfile<'a>,
    fs: &'a ContextFs<'a>,
}

impl RunCtx<'_> {
    /// The image path of a sourced file, as the script names it.
    fn source_path(&self, script: &str, p: &str, rel: bool) -> String {
        let dir = script
            .rsplit_once('/')
            .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
        let path = if rel {
            format!("{dir}/{p}")
        } else if p.starts_with('/') {
            p.to_string()
        } else {
            format!("{}/{p}", self.workdir)
        };
        super::context::normalize(&path)
    }

    /// The files a glob of the script names, as the shell expands it.
    fn list(&self, script: &str, pattern: &str) -> Option<Vec<String>> {
        let (dir, pat) = pattern.rsplit_once('/').unwrap_or((".", pattern));
        if dir.contains(['*', '?', '[', '$']) || !pat.contains(['*', '?', '[']) {
            return None;
        }
        let image_dir = self.source_path(script, if dir.is_empty() { "/" } else { dir }, false);
        let rel = self.copies.locate_dir(&image_dir, self.fs)?;
        let names = self.fs.list_dir(&rel)?;
        Some(
            names
                .into_iter()
                .filter(|n| super::context::glob_match(pat, n) && !n.starts_with('.'))
                .map(|n| format!("{dir}/{n}"))
                .collect(),
        )
    }

    /// A sourced file's text and where it is: (report file or 0 for the
    /// Dockerfile, offset, disk path).
    fn read(&self, image_path: &str) -> Option<(String, Option<std::path::PathBuf>, usize)> {
        match self.copies.locate(image_path, self.df, self.fs).leaf() {
            Origin::Context { rel, .. } => {
                let text = self.fs.read_script(rel)?.ok()?;
                Some((text, self.fs.disk(rel), 0))
            }
            &Origin::Heredoc {
                instruction,
                heredoc,
            } => {
                let h = &self.df.instructions[instruction].heredocs()[heredoc];
                Some((h.content.to_string(), None, h.body.start))
            }
            _ => None,
        }
    }
}

/// Run a script with what dsig knows of its image (see
/// [`crate::shell::flow`]); the files it sources are added to `files`.
fn script_flow(
    run: &RunCtx,
    text: &str,
    image_path: &str,
    shell: Option<ShellKind>,
    args: &[String],
    files: &mut Vec<SourceFile>,
) -> (Flow, Vec<Option<(usize, usize)>>) {
    let source = |p: &str, rel: bool| run.read(&run.source_path(image_path, p, rel)).map(|r| r.0);
    let env = flow::Env {
        shell,
        args: Some(args.to_vec()),
        vars: run.env.to_vec(),
        env_complete: run.env_complete,
        zero: image_path.to_string(),
        command_string: false,
        source: &source,
        list: &|p| run.list(image_path, p),
        depth: 0,
    };
    let f = flow::run(text, &env);
    let mut where_ = Vec::new();
    for s in &f.sourced {
        if s.eval_at.is_some() {
            where_.push(None);
            continue;
        }
        // Resolved as the run did: the first of the two readings that works.
        let found = [false, true].iter().find_map(|rel| {
            run.read(&run.source_path(image_path, &s.path, *rel))
                .filter(|r| r.0 == s.text)
        });
        where_.push(match found {
            Some((_, Some(disk), _)) => {
                let idx = match files.iter().position(|f| f.disk.as_ref() == Some(&disk)) {
                    Some(i) => i,
                    None => {
                        files.push(SourceFile {
                            path: disk.to_string_lossy().to_string(),
                            text: s.text.clone(),
                            disk: Some(disk),
                        });
                        files.len() - 1
                    }
                };
                Some((idx, 0))
            }
            Some((_, None, base)) => Some((0, base)),
            None => None,
        });
    }
    (f, where_)
}

/// Find `prog` in the image and read it if it comes from this build.
/// Returns (file index, base offset, text, image path, copying instruction).
#[allow(clippy::too_many_arguments)]
fn load(
    prog: &str,
    workdir: &str,
    path_var: &str,
    copies: &CopyIndex,
    df: &Dockerfile,
    fs: &ContextFs,
    files: &mut Vec<SourceFile>,
    chain: &mut Chain,
    started_by: usize,
    is_script_arg: bool,
) -> Option<(usize, usize, String, String, Option<usize>)> {
    let candidates = image_candidates(prog, workdir, path_var, is_script_arg);
    let looks_like_script = prog.ends_with(".sh") || is_script_arg;
    // A copy that only may provide a candidate (its contents are unknown):
    // a later PATH entry may surely have the program.
    let mut first_maybe: Option<Origin> = None;
    for candidate in &candidates {
        let mut image_path = candidate.clone();
        let (mut origin, mut maybe) = copies.locate_maybe(&image_path, fs);
        // A symlink that a RUN makes there (`ln -s usr/local/bin/x.sh /`):
        // what it points to, a few hops at most.
        for _ in 0..8 {
            if maybe || !matches!(origin, Origin::NotCopied) {
                break;
            }
            let Some(target) = copies.run_link(&image_path) else {
                break;
            };
            image_path = target;
            (origin, maybe) = copies.locate_maybe(&image_path, fs);
        }
        if maybe {
            first_maybe.get_or_insert(origin);
            continue;
        }
        let outer = origin.copy();
        match origin.leaf() {
            Origin::Context { rel, .. } => {
                let disk = fs.disk(rel)?;
                let text = match fs.read_script(rel)? {
                    Ok(t) => t,
                    // A compiled program, not a script.
                    Err(ReadError::NotText { shebang: false, .. }) if !looks_like_script => {
                        return None
                    }
                    Err(e) => {
                        chain
                            .gaps
                            .push(Gap::Unreadable(crate::diagnostic::FileError {
                                file: None,
                                path: disk.to_string_lossy().to_string(),
                                message: format!(
                                    "{} (run by CMD/ENTRYPOINT as {image_path}): {}",
                                    "cannot analyse this startup script",
                                    e.message()
                                ),
                                offset: None,
                                location: None,
                            }));
                        return None;
                    }
                };
                if !text.starts_with("#!") && !looks_like_script {
                    return None;
                }
                let display = disk.to_string_lossy().to_string();
                let idx = match files.iter().position(|f| f.disk.as_ref() == Some(&disk)) {
                    Some(i) => i,
                    None => {
                        files.push(SourceFile {
                            path: display,
                            text: text.clone(),
                            disk: Some(disk),
                        });
                        files.len() - 1
                    }
                };
                // The copy whose `--chmod` decides its mode: the outermost
                // one that has the flag (`COPY --from` keeps the mode that
                // the other stage's COPY set).
                let chmod_copy = origin
                    .copies()
                    .into_iter()
                    .find(|&c| {
                        df.instructions
                            .get(c)
                            .is_some_and(|i| i.flag("chmod").is_some())
                    })
                    .or(outer);
                return Some((idx, 0, text, image_path.clone(), chmod_copy));
            }
            &Origin::Heredoc {
                instruction,
                heredoc,
            } => {
                let h = &df.instructions[instruction].heredocs()[heredoc];
                let chmod_copy = origin.copies().into_iter().find(|&c| {
                    df.instructions
                        .get(c)
                        .is_some_and(|i| i.flag("chmod").is_some())
                });
                return Some((
                    0,
                    h.body.start,
                    h.content.to_string(),
                    image_path.clone(),
                    chmod_copy.or(Some(instruction)),
                ));
            }
            Origin::Missing { rel, copy } => {
                chain.gaps.push(Gap::Missing {
                    image_path: image_path.clone(),
                    rel: rel.clone(),
                    copy: *copy,
                    assumed: fs.missing_assumption(rel),
                    excluded: fs.excluded(rel) && fs.is_file(rel),
                });
                return None;
            }
            Origin::NotCopied => {}
            leaf => {
                // From `.git/`, another stage's RUN or base image, an image,
                // a URL, an archive, or a copy with an unknown build-time
                // value: not read. A program (no `.sh`, not given to a
                // shell) is what it is; a script is noted.
                if looks_like_script || matches!(leaf, Origin::Git { .. }) {
                    chain.gaps.push(Gap::NotAnalysable {
                        image_path: image_path.clone(),
                        why: describe_origin(&origin, df),
                        at: outer.unwrap_or(started_by),
                    });
                }
                return None;
            }
        }
    }
    if let Some(origin) = first_maybe {
        if looks_like_script {
            let why = describe_origin(&origin, df);
            chain.gaps.push(Gap::NotAnalysable {
                // Named as the CMD names it when it is looked up in PATH.
                image_path: if candidates.len() > 1 {
                    prog.to_string()
                } else {
                    candidates.first().cloned().unwrap_or_default()
                },
                why: format!("no COPY or ADD surely puts it in the image: it may come from the base image or a RUN, or from a copy whose contents dsig cannot see ({why})"),
                at: origin.copy().unwrap_or(started_by),
            });
        }
        return None;
    }
    if looks_like_script && fs.root.is_some() {
        chain.gaps.push(Gap::NotAnalysable {
            image_path: candidates.first().cloned().unwrap_or_default(),
            why: "no COPY or ADD of this Dockerfile puts it in the image (it comes from the base image or a RUN)".into(),
            at: started_by,
        });
    }
    None
}

/// Where a file that dsig does not read comes from, as a clause
/// (`it is copied from /out/start.sh of stage `build`, which a RUN makes
/// there (line 4)`).
fn describe_origin(origin: &Origin, df: &Dockerfile) -> String {
    let line = |at: usize| df.instructions.get(at).map_or(0, |i| i.start_line());
    let via = origin.via();
    let mut out = String::new();
    for (i, (from, path)) in via.iter().enumerate() {
        out.push_str(if i == 0 {
            "it is copied from "
        } else {
            ", copied from "
        });
        out.push_str(&format!("`{path}` of stage `{from}`"));
    }
    let leaf = match origin.leaf() {
        Origin::Built {
            run: Some(at),
            stage,
            ..
        } => format!("which a RUN of stage `{stage}` makes (line {})", line(*at)),
        Origin::Built {
            image: Some(image),
            ..
        } => format!("which no COPY puts there: a RUN makes it, or the image `{image}` has it"),
        Origin::Built { .. } => "which no COPY puts there: a RUN makes it".to_string(),
        Origin::Image { reference, .. } => {
            format!("it is copied from the image `{reference}`, not from the build context")
        }
        Origin::Remote { url, .. } => format!("ADD downloads it from `{url}`"),
        Origin::Archive { rel, .. } => {
            format!("ADD extracts it from the archive `{rel}`, which dsig does not read")
        }
        Origin::Unknown { names, .. } if names.is_empty() => {
            "its COPY/ADD uses a build-time value that dsig does not know (give it with --build-arg)".to_string()
        }
        Origin::Unknown { names, .. } => format!(
            "its COPY/ADD uses {} `{}`, which dsig does not know (give {} with --build-arg)",
            if names.len() == 1 { "the build-time value" } else { "the build-time values" },
            names.join("`, `"),
            if names.len() == 1 { "it" } else { "them" },
        ),
        Origin::TooDeep { from, .. } => format!(
            "it is copied from stage `{from}` through more than {} `COPY --from`, which dsig does not follow",
            super::context::MAX_STAGE_DEPTH
        ),
        Origin::Git { rel, .. } => {
            format!("it comes from `{rel}`, inside `.git/`, which dsig never reads")
        }
        _ => "it does not come from the build context".to_string(),
    };
    if out.is_empty() {
        leaf
    } else if leaf.starts_with("which") {
        format!("{out}, {leaf}")
    } else {
        format!("{out}, where {leaf}")
    }
}

/// Offsets of a script inside its file.
pub fn span_in_file(s: &LoadedScript, r: Range<usize>) -> Range<usize> {
    s.base + r.start..s.base + r.end
}

#[cfg(test)]
mod tests {
    use super::{shell_run, ShellRun};
    use crate::shell::ShellKind;

    /// Each row measured on this machine with
    /// `SHELL ARGS 'echo "0=$0 1=$1 opts=$-"' zero one </dev/null`
    /// (dash 0.5.12, bash 5.2.15, busybox 1.35.0 ash).
    #[test]
    fn shell_options_as_each_shell_reads_them() {
        use ShellRun::{CommandString as C, Script as F, Stdin, Unknown as U};
        let (d, b, a) = (
            Some(ShellKind::Dash),
            Some(ShellKind::Bash),
            Some(ShellKind::Ash),
        );
        #[rustfmt::skip]
        let table: &[(&str, [ShellRun; 4])] = &[
            // argv after the shell: [dash, bash, ash, unknown sh]
            ("-c S", [C(2), C(2), C(2), C(2)]),
            // `o` in a group takes the next word: the string comes after it.
            ("-eo pipefail -c S", [C(4), C(4), C(4), C(4)]),
            ("-o pipefail -c S", [C(4), C(4), C(4), C(4)]),
            ("-ec S", [C(2), C(2), C(2), C(2)]),
            ("-ce S", [C(2), C(2), C(2), C(2)]),
            ("-xeuo pipefail -c S", [C(4), C(4), C(4), C(4)]),
            ("-oc pipefail S", [C(3), C(3), C(3), C(3)]),
            ("-ceo pipefail S", [C(3), C(3), C(3), C(3)]),
            // Options after -c are still options: the string is the operand.
            ("-c -e S", [C(3), C(3), C(3), C(3)]),
            ("-c -o pipefail S", [C(4), C(4), C(4), C(4)]),
            ("+e -c S", [C(3), C(3), C(3), C(3)]),
            ("+o pipefail -c S", [C(4), C(4), C(4), C(4)]),
            ("-l -c S", [C(3), C(3), C(3), C(3)]),
            // Long options: bash (first only) and ash; dash rejects them.
            ("--login -c S", [U, C(3), C(3), U]),
            ("--norc -c S", [U, C(3), C(3), U]),
            ("--noprofile -c S", [U, C(3), C(3), U]),
            ("-e --norc -c S", [U, U, C(4), U]),
            ("--rcfile /dev/null -c S", [U, C(4), U, U]),
            // bash's shopt options.
            ("-O extglob -c S", [U, C(4), U, U]),
            ("+O extglob -c S", [U, C(4), U, U]),
            // `--` and `-` end the options.
            ("-c -- S", [C(3), C(3), C(3), C(3)]),
            ("-- -c", [F(2), F(2), F(2), F(2)]),
            ("- S", [F(2), F(2), F(2), F(2)]),
            // Scripts.
            ("/start.sh a", [F(1), F(1), F(1), F(1)]),
            ("-e /start.sh", [F(2), F(2), F(2), F(2)]),
            ("-o pipefail /start.sh", [F(3), F(3), F(3), F(3)]),
            // Standard input: `-s`, or no operand.
            ("-s a b", [Stdin, Stdin, Stdin, Stdin]),
            ("-e", [Stdin, Stdin, Stdin, Stdin]),
            // Errors and options that run nothing.
            ("-c", [U, U, U, U]),
            ("-o", [U, U, U, U]),
            ("-n -c S", [U, U, U, U]),
            ("-y -c S", [U, U, U, U]),
            ("--version", [U, U, U, U]),
            ("+c S", [U, U, U, U]),
            // Letters only some shells take.
            ("-h -c S", [U, C(3), U, U]),
            ("-B -c S", [U, C(3), U, U]),
            ("-i -c S", [C(3), C(3), C(3), C(3)]),
        ];
        for (args, want) in table {
            let mut argv = vec!["sh".to_string()];
            argv.extend(args.split(' ').map(String::from));
            for (kind, w) in [d, b, a, None].into_iter().zip(want) {
                assert_eq!(shell_run(&argv, kind), *w, "{kind:?} sh {args}");
            }
        }
    }

    #[test]
    fn busybox_applet() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ash = Some(ShellKind::Ash);
        assert_eq!(
            shell_run(&v(&["busybox", "sh", "-eo", "pipefail", "-c", "x"]), ash),
            ShellRun::CommandString(5)
        );
        assert_eq!(
            shell_run(&v(&["/bin/busybox", "ash", "/s.sh"]), ash),
            ShellRun::Script(2)
        );
        assert_eq!(
            shell_run(&v(&["busybox", "-c", "x"]), ash),
            ShellRun::Unknown
        );
        assert_eq!(shell_run(&v(&["busybox"]), ash), ShellRun::Unknown);
    }
}
