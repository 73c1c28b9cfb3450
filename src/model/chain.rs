//! The PID 1 chain: from the argv Docker execs, through inits, wrappers,
//! shells and startup scripts, to the program that finally runs.

use super::context::{made_executable, ContextFs, CopyIndex, Origin, ReadError};
use super::{Command, Image, Setting, SystemShell};
use crate::diagnostic::SourceFile;
use crate::shell::script::{analyze, Ending, ScriptAnalysis};
use crate::shell::{command_string, is_shell_program, Handover, Last, ShellKind};
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
        if is_shell_program(&prog) {
            let (operand, dash_c) = shell_operand(&argv);
            let Some(j) = operand else { break };
            if dash_c {
                // `sh -c STRING`: follow its last command when it is literal.
                let cs = command_string(&argv[j]);
                let kind = shell_kind(&prog, image);
                let hands = kind.map_or(cs.explicit_exec(), |k| {
                    cs.handover(k) != Handover::ShellStays
                });
                chain.steps.push(Step::Shell {
                    program: prog.clone(),
                    hands_over: hands,
                });
                as_child |= !hands;
                match cs.last {
                    Last::Simple(s) => {
                        let words: Option<Vec<String>> = s
                            .words
                            .iter()
                            .skip(usize::from(s.is_exec))
                            .cloned()
                            .collect();
                        match words {
                            Some(w) if !w.is_empty() => argv = w,
                            _ => break,
                        }
                    }
                    _ => break,
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
                    let script = LoadedScript {
                        file,
                        base: base_off,
                        analysis: analyze(&text),
                        text,
                        image_path,
                        invocation: Invocation::Interpreter(prog.clone()),
                        shell: shell_kind(&prog, image),
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
                let analysis = analyze(&text);
                let interp = analysis.shebang.as_ref().map(|s| s.interpreter.clone());
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
                let script = LoadedScript {
                    file,
                    base: base_off,
                    text,
                    image_path,
                    invocation: Invocation::Direct,
                    shell: interp.as_deref().and_then(|i| shell_kind(i, image)),
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
    let next = next_argv(&script.analysis, script.args.as_deref().unwrap_or(&[]));
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

/// What runs after the script: `Some((argv, as_child))` when it hands over
/// with `exec` (as_child false) or runs a literal command in the foreground.
fn next_argv(a: &ScriptAnalysis, args: &[String]) -> Option<(Vec<String>, bool)> {
    let leaves = a.ending.leaves();
    // Follow only an unambiguous ending.
    let real: Vec<&&Ending> = leaves
        .iter()
        .filter(|e| !matches!(e, Ending::Nothing))
        .collect();
    if real.len() != 1 {
        return None;
    }
    let (cmd, child) = match real[0] {
        Ending::Exec(c) => (c, false),
        Ending::Foreground { cmd, .. } => (cmd, true),
        _ => return None,
    };
    let words = if child {
        &cmd.words[..]
    } else {
        cmd.exec_target()
    };
    let mut out = Vec::new();
    for w in words {
        match (&w.value, w.raw.as_str()) {
            (_, "\"$@\"" | "$@" | "\"${@}\"" | "${@}") => out.extend(args.iter().cloned()),
            (Some(v), _) => out.push(v.clone()),
            (None, _) => {
                if out.is_empty() {
                    return None;
                }
                break;
            }
        }
    }
    (!out.is_empty()).then_some((out, child))
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
