//! The PID 1 chain: from the argv Docker execs, through inits, wrappers,
//! shells and startup scripts, to the program that finally runs.

use super::context::{made_executable, ContextFs, CopyIndex, Origin, ReadError};
use super::{Command, Image, Setting, SystemShell};
use crate::diagnostic::SourceFile;
use crate::shell::flow::{self, End, Flow};
use crate::shell::script::ScriptAnalysis;
use crate::shell::{base_name, is_shell_program, ShellKind};
use crate::syntax::Dockerfile;
use std::fmt::Write as _;
use std::ops::{ControlFlow, Range};

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
    /// The program that ends up running, as far as dsig knows: its name,
    /// its argv, and whether it runs as a child (a shell or script stayed
    /// PID 1).
    #[must_use]
    pub fn final_program(&self) -> Option<(&str, &[String], bool)> {
        self.steps.iter().rev().find_map(|s| match s {
            Step::Program {
                name,
                argv,
                as_child,
            } => Some((name.as_str(), argv.as_slice(), *as_child)),
            _ => None,
        })
    }

    /// An init in front signals the whole process group: `tini -g`, or
    /// dumb-init (its default), so children of a shell get SIGTERM too.
    #[must_use]
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
    #[must_use]
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
    #[must_use]
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
    if argv.first().is_some_and(|p| base_name(p) == "busybox") {
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
    match Walker::start(image, df, fs, files) {
        Some(walker) => walker.walk(),
        None => Chain::default(),
    }
}

/// Walks the chain from the argv Docker execs, one link per [`Walker::step`]:
/// inits and wrappers, shells, the base image's scripts, and scripts or
/// programs run directly.
struct Walker<'a> {
    /// The image and where the chain runs in it.
    run: RunCtx<'a>,
    /// The report's files: the scripts read are added.
    files: &'a mut Vec<SourceFile>,
    chain: Chain,
    /// What runs next.
    argv: Vec<String>,
    /// The CMD or ENTRYPOINT that starts the chain (or the FROM that
    /// inherits it).
    started_by: usize,
    /// The ENTRYPOINT is exec form and a CMD is set (its arguments).
    entrypoint_with_cmd: bool,
    /// A link before runs what follows as a child, not as PID 1.
    as_child: bool,
    /// No script reached yet.
    first_script: bool,
    /// The image paths of the scripts reached (one reached again is a loop).
    seen: Vec<String>,
}

/// A file of this build that the walk reached and read.
struct Loaded {
    /// The report file holding the text (0 for a heredoc in the Dockerfile).
    file: usize,
    /// Offset of the text in that file.
    base: usize,
    text: String,
    /// Where it is in the image.
    image_path: String,
    /// The copy whose `--chmod` decides its mode, or the one that puts it
    /// there.
    copied_by: Option<usize>,
}

/// Where the text of a script that the walk runs is in the report's files.
enum InFile {
    /// In a report file already: (file, offset).
    At(usize, usize),
    /// A script of a parent image's context, added after its run: this disk
    /// path (`None`: not on disk, the chain ends there).
    Disk(Option<std::path::PathBuf>),
    /// A script read from the base image itself (`--images`), added as a
    /// report file of this name (`docker-image://REFERENCE@DIGEST/PATH`).
    Image(String),
}

impl InFile {
    /// Where the findings of a base image's script go.
    fn of(f: &super::base::BaseFile) -> InFile {
        if f.in_image {
            InFile::Image(f.stored.clone())
        } else {
            InFile::Disk(f.disk.clone())
        }
    }
}

/// A shell script the walk reached, to run and add to the chain.
struct Reached {
    text: String,
    image_path: String,
    in_file: InFile,
    copied_by: Option<usize>,
    invocation: Invocation,
    shell: Option<ShellKind>,
    executable: Option<bool>,
    args: Vec<String>,
}

impl<'a> Walker<'a> {
    /// Where the final stage's chain starts: its ENTRYPOINT and CMD, its
    /// ENV and WORKDIR. `None` when the image runs nothing dsig knows.
    fn start(
        image: &'a Image,
        df: &'a Dockerfile,
        fs: &'a ContextFs<'a>,
        files: &'a mut Vec<SourceFile>,
    ) -> Option<Walker<'a>> {
        let stage = image.final_stage()?;
        let mut chain = Chain::default();
        let (argv, started_by, entrypoint_with_cmd) = match (&stage.entrypoint, &stage.cmd) {
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
            // base's entrypoint (if any) ended in `exec "$@"`, as official
            // images do, and say so: the rules' findings on it are then not
            // errors.
            (ep, Setting::Set { value, at }) => {
                if matches!(ep, Setting::Unknown) {
                    chain.cmd_may_be_arguments = Some(external_base(image, stage));
                }
                (value.argv(), *at, false)
            }
            _ => return None,
        };
        // An init the runtime adds (compose `init: true`) runs the argv as
        // its child: Docker's docker-init is tini.
        let argv = if image.run_init {
            let mut v = vec!["/sbin/docker-init".to_string(), "--".to_string()];
            v.extend(argv);
            v
        } else {
            argv
        };
        // A variable whose value is not known (`ENV MODE=${MODE}` of an ARG
        // without a default) is `None`: unknown to the script, not empty.
        let mut env: Vec<(String, Option<String>)> = stage.env.to_vec();
        let workdir = stage
            .workdir
            .get()
            .map_or_else(|| "/".to_string(), |(w, _)| w.clone());
        // The shell starts in WORKDIR and sets `$PWD` to it (zipkin's
        // `--basedir=${PWD}`), when dsig knows WORKDIR.
        if !matches!(stage.workdir, Setting::Unknown) && !env.iter().any(|(k, _)| k == "PWD") {
            env.push(("PWD".to_string(), Some(workdir.clone())));
        }
        chain.started_by = Some(started_by).filter(|&i| {
            matches!(
                df.instructions[i].kind,
                crate::syntax::Kind::Cmd | crate::syntax::Kind::Entrypoint
            )
        });
        Some(Walker {
            run: RunCtx {
                image,
                stage,
                df,
                fs,
                copies: std::cell::OnceCell::new(),
                path_var: stage.env.path(),
                workdir,
                env,
                env_complete: image.base_env_known(),
            },
            files,
            chain,
            argv,
            started_by,
            entrypoint_with_cmd,
            as_child: false,
            first_script: true,
            seen: Vec::new(),
        })
    }

    /// Follow the chain as far as dsig can, then read the apps that its
    /// interpreters run.
    fn walk(mut self) -> Chain {
        for _ in 0..MAX_DEPTH * 4 {
            if self.step().is_break() {
                break;
            }
        }
        let files = super::app::Files {
            copies: self.run.copies(),
            df: self.run.df,
            fs: self.run.fs,
        };
        let apps = super::app::scan_chain(&self.chain, &self.run.workdir, &files);
        self.chain.apps = apps;
        self.chain
    }

    /// One link: what runs `argv`; `Continue` with the argv it runs next.
    fn step(&mut self) -> ControlFlow<()> {
        let Some(prog) = self.argv.first().cloned() else {
            return ControlFlow::Break(());
        };
        let name = base_name(&prog);
        // `busybox APPLET ARGS` runs the applet in the same process: it is
        // the applet (`busybox sleep 100` is sleep).
        if name == "busybox" && self.argv.get(1).is_some_and(|a| !a.starts_with('-')) {
            self.argv.remove(0);
            return ControlFlow::Continue(());
        }
        if INITS.contains(&name) || is_wrapper(name) {
            return self.init_or_wrapper(name.to_string());
        }
        if let Some(next) = self.exec_wrapper() {
            return next;
        }
        if is_shell_program(&prog) {
            return self.shell(&prog);
        }
        if let Some(next) = self.base_script(&prog) {
            return next;
        }
        self.program(&prog)
    }

    /// An init or a wrapper of [`INITS`] and [`is_wrapper`]: its options
    /// are skipped.
    fn init_or_wrapper(&mut self, name: String) -> ControlFlow<()> {
        let argv = &self.argv;
        let n = wrapper_arity(&name, &argv[1..]);
        if INITS.contains(&name.as_str()) {
            let options = argv[1..(1 + n).min(argv.len())].to_vec();
            let command = argv.get(1 + n..).unwrap_or(&[]).to_vec();
            let supervisor = matches!(name.as_str(), "s6-svscan" | "runsvdir" | "supervisord");
            self.chain.steps.push(Step::Init {
                name,
                options,
                command,
                as_child: self.as_child,
            });
            if supervisor {
                return ControlFlow::Break(()); // what runs is in its configuration
            }
        } else {
            self.chain.steps.push(Step::Wrapper(name));
        }
        let len = self.argv.len();
        self.argv.drain(..(1 + n).min(len));
        ControlFlow::Continue(())
    }

    /// Other programs that run a command: exec'd (nohup, nice, chroot,
    /// stdbuf, ...) or as a child (timeout, su, sudo, ...): the table of
    /// src/shell/programs.rs.
    fn exec_wrapper(&mut self) -> Option<ControlFlow<()>> {
        let words: Vec<Option<&str>> = self.argv.iter().map(|a| Some(a.as_str())).collect();
        let w = crate::shell::programs::exec_wrapper(&words).filter(|w| {
            !w.init && !w.shell_string && w.command_at > 0 && w.command_at < self.argv.len()
        })?;
        self.chain.steps.push(Step::Wrapper(w.name.to_string()));
        // A child that gets no signal from its wrapper.
        self.as_child |= !w.execs && !w.forwards;
        self.argv.drain(..w.command_at);
        Some(ControlFlow::Continue(()))
    }

    /// A shell: its `-c` string, or the script it is given.
    fn shell(&mut self, prog: &str) -> ControlFlow<()> {
        let kind = shell_kind(prog, self.run.image);
        let (Some(j), dash_c) = shell_operand(&self.argv, kind) else {
            return ControlFlow::Break(());
        };
        if dash_c {
            return self.command_string(prog, kind, j);
        }
        // `bash /start.sh args`
        let path = self.argv[j].clone();
        let args = self.argv[j + 1..].to_vec();
        // A script that a parent image of the project copies in.
        if let Some((f, text)) = self
            .run
            .base_file(&path)
            .and_then(|f| Some((f, f.text.as_deref()?)))
        {
            if self.again(&f.path) {
                return ControlFlow::Break(());
            }
            return self.run_script(Reached {
                text: text.to_string(),
                image_path: f.path.clone(),
                in_file: InFile::of(f),
                copied_by: None,
                invocation: Invocation::Interpreter(prog.to_string()),
                shell: kind,
                executable: None,
                args,
            });
        }
        let Some(loaded) = self.load(&path, true) else {
            return ControlFlow::Break(());
        };
        if self.again(&loaded.image_path) {
            return ControlFlow::Break(());
        }
        self.run_script(Reached {
            text: loaded.text,
            image_path: loaded.image_path,
            in_file: InFile::At(loaded.file, loaded.base),
            copied_by: loaded.copied_by,
            invocation: Invocation::Interpreter(prog.to_string()),
            shell: kind,
            executable: None,
            args,
        })
    }

    /// `sh -c STRING [$0 [$1...]]` (the string is word `j`): run it with
    /// the shell's semantics; follow the program every path ends in.
    fn command_string(&mut self, prog: &str, kind: Option<ShellKind>, j: usize) -> ControlFlow<()> {
        let argv = &self.argv;
        let env = flow::Env {
            shell: kind,
            args: Some(argv.get(j + 2..).unwrap_or(&[]).to_vec()),
            vars: self.run.env.clone(),
            env_complete: self.run.env_complete,
            zero: argv.get(j + 1).cloned().unwrap_or_else(|| prog.to_string()),
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
        self.chain.steps.push(Step::Shell {
            program: prog.to_string(),
            hands_over: hands,
        });
        self.as_child |= !hands;
        match next_argv(&f) {
            Some((w, _)) => {
                self.argv = w;
                ControlFlow::Continue(())
            }
            None => ControlFlow::Break(()),
        }
    }

    /// A startup script of the base image that this Dockerfile does not
    /// replace: an official image's docker-entrypoint.sh is run to see what
    /// it hands PID 1 to (it is not the user's file: a step of the chain,
    /// not a script to judge); a script that a parent image of the project
    /// copies from its context is judged like the user's.
    fn base_script(&mut self, prog: &str) -> Option<ControlFlow<()>> {
        let f = self.run.base_file(prog)?;
        if self.again(&f.path) {
            return Some(ControlFlow::Break(()));
        }
        let Some(text) = f.text.as_deref() else {
            return Some(self.official_script(f));
        };
        let interp = crate::shell::script::shebang_of(text).map(|s| s.interpreter);
        if let Some(i) = interp.as_deref().filter(|i| !is_shell_program(i)) {
            return Some(self.interpreted(i, &f.path));
        }
        Some(
            self.run_script(Reached {
                text: text.to_string(),
                image_path: f.path.clone(),
                in_file: InFile::of(f),
                copied_by: None,
                invocation: Invocation::Direct,
                shell: interp
                    .as_deref()
                    .and_then(|i| shell_kind(i, self.run.image)),
                executable: Some(f.executable),
                args: self.argv[1..].to_vec(),
            }),
        )
    }

    /// An official image's script: what it hands over to was worked out from
    /// its text when the table was made.
    fn official_script(&mut self, f: &super::base::BaseFile) -> ControlFlow<()> {
        self.chain.steps.push(Step::Script {
            path: f.path.clone(),
            as_child: self.as_child,
        });
        self.first_script = false;
        let Some(template) = &f.handover else {
            return ControlFlow::Break(());
        };
        let mut next = Vec::new();
        for w in template {
            if w == "$@" {
                next.extend(self.argv[1..].iter().cloned());
            } else {
                next.push(w.clone());
            }
        }
        if next.is_empty() {
            return ControlFlow::Break(());
        }
        self.argv = next;
        ControlFlow::Continue(())
    }

    /// `#!/usr/bin/env node`: the interpreter is the program (PID 1 when run
    /// directly); the file at `path` is not shell. The chain ends there.
    fn interpreted(&mut self, interpreter: &str, path: &str) -> ControlFlow<()> {
        let mut argv = vec![interpreter.to_string(), path.to_string()];
        argv.extend(self.argv[1..].iter().cloned());
        self.chain.steps.push(Step::Program {
            name: interpreter.to_string(),
            argv,
            as_child: self.as_child,
        });
        ControlFlow::Break(())
    }

    /// A program or a script run directly.
    fn program(&mut self, prog: &str) -> ControlFlow<()> {
        let Some(loaded) = self.load(prog, false) else {
            return self.binary(prog);
        };
        if self.again(&loaded.image_path) {
            return ControlFlow::Break(());
        }
        let interp = crate::shell::script::shebang_of(&loaded.text).map(|s| s.interpreter);
        if let Some(i) = interp.as_deref().filter(|i| !is_shell_program(i)) {
            return self.interpreted(i, &loaded.image_path);
        }
        let executable = self.executable(&loaded);
        self.run_script(Reached {
            in_file: InFile::At(loaded.file, loaded.base),
            copied_by: loaded.copied_by,
            text: loaded.text,
            image_path: loaded.image_path,
            invocation: Invocation::Direct,
            shell: interp
                .as_deref()
                .and_then(|i| shell_kind(i, self.run.image)),
            executable,
            args: self.argv[1..].to_vec(),
        })
    }

    /// A program dsig does not read: the chain ends with it (and the
    /// package.json in WORKDIR of a package manager is read).
    fn binary(&mut self, prog: &str) -> ControlFlow<()> {
        self.chain.steps.push(Step::Program {
            name: prog.to_string(),
            argv: self.argv.clone(),
            as_child: self.as_child,
        });
        if matches!(base_name(prog), "npm" | "yarn" | "pnpm") {
            let run = &self.run;
            let path = super::context::normalize(&format!("{}/package.json", run.workdir));
            if let Origin::Context { rel, .. } = run.copies().locate(&path, run.df, run.fs).leaf() {
                self.chain.package_json = run.fs.read(rel).and_then(Result::ok);
            }
        }
        ControlFlow::Break(())
    }

    /// Whether a script run directly is executable in the image (`None`:
    /// unknown).
    fn executable(&self, loaded: &Loaded) -> Option<bool> {
        let (df, fs) = (self.run.df, self.run.fs);
        let made = || made_executable(&loaded.image_path, loaded.copied_by, df);
        if loaded.file == 0 {
            return Some(made());
        }
        let ctx_rel = loaded
            .copied_by
            .and_then(|_| fs_rel_of(self.files, loaded.file, fs));
        match ctx_rel.as_deref().and_then(|r| fs.is_executable(r)) {
            Some(true) => Some(true),
            _ if made() => Some(true),
            other => other,
        }
    }

    /// Whether the walk reached the script at `image_path` before (a loop:
    /// the chain ends); notes it.
    fn again(&mut self, image_path: &str) -> bool {
        if self.seen.iter().any(|s| s == image_path) {
            return true;
        }
        self.seen.push(image_path.to_string());
        false
    }

    /// Run a script the chain reached with what dsig knows of its image and
    /// add it to the chain (as a step and as a script to judge): `Continue`
    /// with the argv it hands over to next.
    fn run_script(&mut self, r: Reached) -> ControlFlow<()> {
        let (flow, sourced_files) = script_flow(
            &self.run,
            &r.text,
            &r.image_path,
            r.shell,
            &r.args,
            self.files,
        );
        let (file, base) = match r.in_file {
            InFile::At(file, base) => (file, base),
            InFile::Disk(Some(disk)) => (file_index(self.files, disk, &r.text), 0),
            InFile::Disk(None) => return ControlFlow::Break(()),
            InFile::Image(name) => (image_file_index(self.files, name, &r.text), 0),
        };
        let script = LoadedScript {
            file,
            base,
            analysis: flow.analysis(&r.text),
            flow,
            sourced_files,
            env: self.run.env.clone(),
            env_complete: self.run.env_complete,
            text: r.text,
            image_path: r.image_path,
            invocation: r.invocation,
            shell: r.shell,
            is_pid1: !self.as_child,
            entrypoint_with_cmd: self.entrypoint_with_cmd
                && self.first_script
                && !r.args.is_empty(),
            executable: r.executable,
            started_by: Some(self.started_by),
            copied_by: r.copied_by,
            args: Some(r.args),
        };
        self.chain.steps.push(Step::Script {
            path: script.image_path.clone(),
            as_child: self.as_child,
        });
        let next = next_argv(&script.flow);
        self.chain.scripts.push(script);
        self.first_script = false;
        let Some((argv, child)) = next else {
            return ControlFlow::Break(());
        };
        self.as_child |= child;
        self.argv = argv;
        ControlFlow::Continue(())
    }

    /// Find `prog` in the image and read it if it comes from this build
    /// (`is_script_arg`: a script given to a shell); what cannot be followed
    /// is noted as a [`Gap`].
    fn load(&mut self, prog: &str, is_script_arg: bool) -> Option<Loaded> {
        let run = &self.run;
        let (copies, df, fs) = (run.copies(), run.df, run.fs);
        let candidates = image_candidates(prog, &run.workdir, &run.path_var, is_script_arg);
        let looks_like_script = prog.ends_with(".sh") || is_script_arg;
        // A copy that only may provide a candidate (its contents are
        // unknown): a later PATH entry may surely have the program.
        let mut first_maybe: Option<Origin> = None;
        for candidate in &candidates {
            let mut image_path = candidate.clone();
            let (mut origin, mut maybe) = copies.locate_maybe(&image_path, fs);
            // A symlink that a RUN makes there (`ln -s usr/local/bin/x.sh
            // /`): what it points to, a few hops at most.
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
                            self.chain
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
                    let file = file_index(self.files, disk, &text);
                    // The copy whose `--chmod` decides its mode: the
                    // outermost one that has the flag (`COPY --from` keeps
                    // the mode that the other stage's COPY set).
                    return Some(Loaded {
                        file,
                        base: 0,
                        text,
                        image_path,
                        copied_by: chmod_copy(&origin, df).or(outer),
                    });
                }
                &Origin::Heredoc {
                    instruction,
                    heredoc,
                } => {
                    let h = &df.instructions[instruction].heredocs()[heredoc];
                    return Some(Loaded {
                        file: 0,
                        base: h.body.start,
                        text: h.content.to_string(),
                        image_path,
                        copied_by: chmod_copy(&origin, df).or(Some(instruction)),
                    });
                }
                Origin::Missing { rel, copy } => {
                    self.chain.gaps.push(Gap::Missing {
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
                    // From `.git/`, another stage's RUN or base image, an
                    // image, a URL, an archive, or a copy with an unknown
                    // build-time value: not read. A program (no `.sh`, not
                    // given to a shell) is what it is; a script is noted.
                    if looks_like_script || matches!(leaf, Origin::Git { .. }) {
                        self.chain.gaps.push(Gap::NotAnalysable {
                            image_path: image_path.clone(),
                            why: describe_origin(&origin, df),
                            at: outer.unwrap_or(self.started_by),
                        });
                    }
                    return None;
                }
            }
        }
        if let Some(origin) = first_maybe {
            if looks_like_script {
                let why = describe_origin(&origin, df);
                self.chain.gaps.push(Gap::NotAnalysable {
                    // Named as the CMD names it when it is looked up in PATH.
                    image_path: if candidates.len() > 1 {
                        prog.to_string()
                    } else {
                        candidates.first().cloned().unwrap_or_default()
                    },
                    why: format!("no COPY or ADD surely puts it in the image: it may come from the base image or a RUN, or from a copy whose contents dsig cannot see ({why})"),
                    at: origin.copy().unwrap_or(self.started_by),
                });
            }
            return None;
        }
        if looks_like_script && fs.root.is_some() {
            self.chain.gaps.push(Gap::NotAnalysable {
                image_path: candidates.first().cloned().unwrap_or_default(),
                why: "no COPY or ADD of this Dockerfile puts it in the image (it comes from the base image or a RUN)".into(),
                at: self.started_by,
            });
        }
        None
    }
}

/// The first copy of `origin` (outermost first) that has a `--chmod` flag.
fn chmod_copy(origin: &Origin, df: &Dockerfile) -> Option<usize> {
    origin.copies().into_iter().find(|&c| {
        df.instructions
            .get(c)
            .is_some_and(|i| i.flag("chmod").is_some())
    })
}

/// The index of the report file read from `disk`, added (with `text`) when
/// it is not there yet.
fn file_index(files: &mut Vec<SourceFile>, disk: std::path::PathBuf, text: &str) -> usize {
    if let Some(i) = files.iter().position(|f| f.disk.as_ref() == Some(&disk)) {
        i
    } else {
        // Shown as the user would write it: `startup.sh`, not
        // `./startup.sh`, for a Dockerfile in the current directory.
        let shown = disk.strip_prefix(".").unwrap_or(&disk);
        files.push(SourceFile {
            path: shown.to_string_lossy().to_string(),
            text: text.to_string(),
            disk: Some(disk),
        });
        files.len() - 1
    }
}

/// The index of the report file of a base image's script named `name`,
/// added (with `text`) when it is not there yet.
fn image_file_index(files: &mut Vec<SourceFile>, name: String, text: &str) -> usize {
    if let Some(i) = files
        .iter()
        .position(|f| f.disk.is_none() && f.path == name)
    {
        i
    } else {
        files.push(SourceFile {
            path: name,
            text: text.to_string(),
            disk: None,
        });
        files.len() - 1
    }
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
    if base_name(prog) == "sh" {
        if let SystemShell::Known(k, _) = image.system_shell() {
            return Some(k);
        }
    }
    None
}

/// What runs after the script: `Some((argv, as_child))` when every path
/// that keeps running ends in the same program with known words: handed
/// over with `exec` (`as_child` false) or run in the foreground.
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
    image: &'a Image,
    /// The final stage.
    stage: &'a super::Stage,
    df: &'a Dockerfile<'a>,
    fs: &'a ContextFs<'a>,
    /// Built when a path is first looked up (see [`RunCtx::copies`]).
    copies: std::cell::OnceCell<CopyIndex<'a>>,
    /// `$PATH`, where a program is looked up.
    path_var: String,
    workdir: String,
    /// A variable whose value is not known (`ENV MODE=${MODE}` of an ARG
    /// without a default) is `None`: unknown to the script, not empty.
    env: Vec<(String, Option<String>)>,
    /// See [`flow::Env::env_complete`].
    env_complete: bool,
}

impl<'a> RunCtx<'a> {
    /// Where the files of the final stage come from.
    fn copies(&self) -> &CopyIndex<'a> {
        self.copies
            .get_or_init(|| CopyIndex::new(self.image, self.stage, self.df, self.fs))
    }

    /// A script of the base image (see [`super::base`]) that `prog` names,
    /// when no COPY or ADD of this Dockerfile provides a file where the
    /// shell finds it first.
    fn base_file(&self, prog: &str) -> Option<&'a super::base::BaseFile> {
        let stage = self.stage;
        if stage.base_files.is_empty() {
            return None;
        }
        for path in image_candidates(prog, &self.workdir, &self.path_var, false) {
            if !matches!(
                self.copies().locate(&path, self.df, self.fs),
                Origin::NotCopied
            ) {
                return None;
            }
            if let Some(f) = stage.base_files.iter().find(|f| f.path == path) {
                // A script dsig reads whose text a RUN edits: not the one
                // that runs (the table's official scripts keep their
                // hand-over).
                if f.text.is_some() && self.copies().run_may_write(&path) {
                    return None;
                }
                return Some(f);
            }
        }
        None
    }

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
        let rel = self.copies().locate_dir(&image_dir, self.fs)?;
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
        match self.copies().locate(image_path, self.df, self.fs).leaf() {
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
        vars: run.env.clone(),
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
            Some((_, Some(disk), _)) => Some((file_index(files, disk, &s.text), 0)),
            Some((_, None, base)) => Some((0, base)),
            None => None,
        });
    }
    (f, where_)
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
        let _ = write!(out, "`{path}` of stage `{from}`");
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
#[must_use]
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
        let v = |a: &[&str]| {
            a.iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>()
        };
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
