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
    /// The image's ENV where the script runs.
    pub env: Vec<(String, String)>,
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
    /// COPY names a context file that is not there.
    Missing {
        image_path: String,
        rel: String,
        copy: usize,
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
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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

/// Options of `sh`/`bash` before the script or `-c`: (index of the operand,
/// whether `-c` was given).
fn shell_operand(argv: &[String]) -> (Option<usize>, bool) {
    let mut j = 1;
    let mut c = false;
    while j < argv.len() {
        let a = &argv[j];
        if a == "-o" || a == "+o" || a == "-O" || a == "+O" || a == "--rcfile" || a == "--init-file"
        {
            j += 2;
            continue;
        }
        if a == "--" {
            return ((j + 1 < argv.len()).then_some(j + 1), c);
        }
        if (a.starts_with('-') || a.starts_with('+')) && a.len() > 1 {
            if a.starts_with('-') && !a.starts_with("--") && a.contains('c') {
                c = true;
            }
            j += 1;
            continue;
        }
        return (Some(j), c);
    }
    (None, c)
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
    let copies = || copies_cell.get_or_init(|| CopyIndex::new(stage, fs));
    let (mut argv, started_by, entrypoint_with_cmd) = match (&stage.entrypoint, &stage.cmd) {
        (Setting::Set { value: ep, at }, cmd) => {
            let mut v = ep.argv();
            let has_cmd = matches!(cmd, Setting::Set { .. }) && matches!(ep, Command::Exec(_));
            if let (Setting::Set { value: c, .. }, Command::Exec(_)) = (cmd, ep) {
                v.extend(c.argv());
            }
            (v, *at, has_cmd)
        }
        // Unknown ENTRYPOINT (external base image): follow CMD, assuming the
        // base's entrypoint (if any) ends in `exec "$@"`, as official images do.
        (_, Setting::Set { value, at }) => (value.argv(), *at, false),
        _ => return chain,
    };
    let path_var = stage
        .env
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| DEFAULT_PATH.to_string());
    let stage_env: Vec<(String, String)> = stage.env.iter().cloned().collect();
    let env_complete = image.base_env_known();
    let workdir = stage
        .workdir
        .get()
        .map(|(w, _)| w.clone())
        .unwrap_or_else(|| "/".to_string());
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
            let (operand, dash_c) = shell_operand(&argv);
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
                    if let Origin::Context { rel, .. } = copies().locate(&path, df, fs) {
                        chain.package_json = fs.read(&rel).and_then(Result::ok);
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
    env: &'a [(String, String)],
    /// See [`flow::Env::env_complete`].
    env_complete: bool,
    copies: &'a CopyIndex<'a>,
    df: &'a Dockerfile,
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
        match self.copies.locate(image_path, self.df, self.fs) {
            Origin::Context { rel, .. } => {
                let text = self.fs.read_script(&rel)?.ok()?;
                Some((text, self.fs.disk(&rel), 0))
            }
            Origin::Heredoc {
                instruction,
                heredoc,
            } => {
                let h = &self.df.instructions[instruction].heredocs[heredoc];
                Some((h.content.clone(), None, h.body.start))
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
    let candidates: Vec<String> = if prog.starts_with('/') {
        vec![super::context::normalize(prog)]
    } else if prog.contains('/') || is_script_arg {
        vec![super::context::normalize(&format!("{workdir}/{prog}"))]
    } else {
        path_var
            .split(':')
            .filter(|d| !d.is_empty())
            .map(|d| super::context::normalize(&format!("{d}/{prog}")))
            .collect()
    };
    let looks_like_script = prog.ends_with(".sh") || is_script_arg;
    for image_path in &candidates {
        match copies.locate(image_path, df, fs) {
            Origin::Context { rel, copy } => {
                let disk = fs.disk(&rel)?;
                let text = match fs.read_script(&rel)? {
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
                return Some((idx, 0, text, image_path.clone(), Some(copy)));
            }
            Origin::Heredoc {
                instruction,
                heredoc,
            } => {
                let h = &df.instructions[instruction].heredocs[heredoc];
                return Some((
                    0,
                    h.body.start,
                    h.content.clone(),
                    image_path.clone(),
                    Some(instruction),
                ));
            }
            Origin::Missing { rel, copy } => {
                chain.gaps.push(Gap::Missing {
                    image_path: image_path.clone(),
                    rel,
                    copy,
                });
                return None;
            }
            Origin::Git { rel, copy } => {
                chain.gaps.push(Gap::NotAnalysable {
                    image_path: image_path.clone(),
                    why: format!("it comes from `{rel}`, inside `.git/`, which dsig never reads"),
                    at: copy,
                });
                return None;
            }
            Origin::OtherStage { from, copy } => {
                chain.gaps.push(Gap::NotAnalysable {
                    image_path: image_path.clone(),
                    why: format!("it is copied from `{from}`, not from the build context"),
                    at: copy,
                });
                return None;
            }
            Origin::NotCopied => {}
        }
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

/// Offsets of a script inside its file.
pub fn span_in_file(s: &LoadedScript, r: Range<usize>) -> Range<usize> {
    s.base + r.start..s.base + r.end
}
