//! The script model: a startup script run abstractly, in run order, with
//! the semantics of the shell that runs it.
//!
//! [`run`] is the one entry point. It interprets tree-sitter-bash's tree of
//! a script (or of a `sh -c` string) statement by statement, the way the
//! shell would, over an abstract state:
//!
//! - variables with literal values (the image's `ENV`, assignments,
//!   defaults such as `${1:-serve}`) or "known only at run time";
//! - the positional parameters (the CMD/ENTRYPOINT arguments when dsig
//!   knows them), `set --` and `shift`;
//! - the script's functions (defined when their definition runs), the trap
//!   in force for each signal (`EXIT` too; `trap - SIG`, `trap '' SIG`),
//!   background jobs and `$!`;
//! - whether each command finishes by itself ([`Lifetime`]).
//!
//! Control follows the shell: sequences, `&&`, `||`, `!`, `if`/`elif`/
//! `else` and `case` (conditions evaluated when their values are known,
//! otherwise both ways, each path carrying its condition), loops (`while
//! true` runs for ever, `for` over a list finishes, a loop around a program
//! is a restart loop), function calls (bounded), `.`/`source` of files in
//! the build context (cycle-safe), `eval` of literal text, subshells,
//! pipelines, `exec` (with the shell's options), `exit`, `return`, `wait`.
//!
//! The result is the set of [`Path`]s the script can take, each ending in
//! an [`End`]: the program `exec` hands PID 1 to, a program in the
//! foreground under the shell (with the traps in force then), a `wait` on
//! background jobs, an exit (a one-shot: the container stops by itself), a
//! failure to start, or "unknown". Rules read the paths; the paths that the
//! known CMD cannot take are never produced.
//!
//! `ShellCheck`'s CFG-based data-flow analysis (src/ShellCheck/CFG.hs) was
//! the reference for the shape; this is a forward abstract interpreter
//! over the syntax tree, with states joined where branches meet.

mod expand;
mod interp;

pub use expand::{glob, Tri};

use super::script::{Cmd, Unparsed};
use super::ShellKind;
use std::ops::Range;

/// What dsig knows of the world the script runs in.
pub struct Env<'e> {
    /// The shell that runs the script (`None`: not known).
    pub shell: Option<ShellKind>,
    /// The arguments (`$1`...), when known.
    pub args: Option<Vec<String>>,
    /// Variables the image sets (`ENV`); `None`: set to a value dsig does
    /// not know (it stays unknown even when `env_complete`).
    pub vars: Vec<(String, Option<String>)>,
    /// The image's whole environment is known (`vars`, on a bare OS base
    /// image or scratch): a variable not in it is empty when the container
    /// starts with its defaults. Otherwise it is "known only at run time".
    pub env_complete: bool,
    /// `$0`: the script's path in the image.
    pub zero: String,
    /// The text is a `sh -c` string (a shell-form CMD, `["sh", "-c", ...]`),
    /// not a script file: the shell may exec its last command itself.
    pub command_string: bool,
    /// Read a file that the script sources (`. ./lib.sh`): the path as the
    /// script names it, and whether it is relative to the script's own
    /// directory (`"$(dirname "$0")/lib.sh"`). `None` when it is not in the
    /// build context.
    pub source: &'e dyn Fn(&str, bool) -> Option<String>,
    /// The files a glob names (`./docker-entrypoint.d/*.sh`), as the shell
    /// would expand it (sorted, the pattern's directory as written); `None`
    /// when dsig cannot list them.
    pub list: &'e dyn Fn(&str) -> Option<Vec<String>>,
    /// How deep this run is inside another (a script that the script runs
    /// in the foreground is run too, to see whether it finishes).
    pub depth: usize,
}

impl Env<'_> {
    /// An environment that knows nothing: unknown shell and arguments.
    #[must_use]
    pub fn unknown() -> Env<'static> {
        Env {
            shell: None,
            args: None,
            vars: Vec::new(),
            env_complete: false,
            zero: String::new(),
            command_string: false,
            source: &|_, _| None,
            list: &|_| None,
            depth: 0,
        }
    }
}

/// A place in the script or in a file it sources.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Loc {
    /// 0: the script itself; `k`: [`Flow::sourced`]`[k - 1]`.
    pub file: usize,
    pub span: Range<usize>,
}

/// A file the script sourced (or literal `eval` text: then `path` is empty
/// and `eval_at` is where the `eval` is).
#[derive(Debug, Clone)]
pub struct Sourced {
    pub path: String,
    pub text: String,
    pub eval_at: Option<Loc>,
}

/// Whether a program finishes by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lifetime {
    OneShot,
    LongRunning,
    Unknown,
}

/// A program the script starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prog {
    pub at: Loc,
    /// The command as written (spans in the file of `at`).
    pub cmd: Cmd,
    /// The words as the program will see them (after expansion): `None`
    /// where the value is known only at run time.
    pub argv: Vec<Option<String>>,
    pub lifetime: Lifetime,
}

impl Prog {
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.argv.first().and_then(|w| w.as_deref())
    }
}

/// How a foreground program runs under the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum How {
    /// A simple command.
    Simple,
    /// An element of a pipeline (each runs in a subshell).
    Pipeline,
    /// Inside `( ... )`.
    Subshell,
    /// `exec` inside a pipeline, subshell or command substitution: it
    /// replaces that child, not PID 1.
    ExecInChild,
    /// Inside a loop that never ends (`while true; do app; done`): the
    /// program is restarted when it exits.
    RestartLoop,
    /// A loop that never ends around commands that finish (`while true; do
    /// sleep 1; done`): the shell itself keeps the container alive.
    PollLoop,
    /// `! app`.
    Negated,
}

/// A trap in force.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Trap {
    /// Signal name without `SIG`, upper case (`TERM`, `INT`, `EXIT`).
    pub signal: String,
    /// The handler text; empty for `trap '' SIG` (ignore).
    pub handler: String,
    pub at: Loc,
    /// The handler (or a function it calls) sends a catchable signal (`kill`).
    pub forwards: bool,
    /// The handler (or a function it calls) runs `wait`.
    pub waits: bool,
    /// The handler (or a function it calls) runs `exit`.
    pub exits: bool,
}

impl Trap {
    /// `trap '' SIG`: the signal is ignored.
    #[must_use]
    pub fn ignores(&self) -> bool {
        self.handler.trim().is_empty()
    }
}

/// A background job (`app &`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub prog: Prog,
    /// The program put itself in the background (it daemonised): the
    /// table entry that says so.
    pub daemon: Option<&'static crate::shell::programs::Daemonises>,
}

/// How a path ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// `exec prog`: the program replaces the shell (`explicit`: written
    /// `exec`; otherwise the shell's own last-command exec of a `-c`
    /// string). `exec_at` is the `exec` word's command (same as the
    /// program's for an implicit one).
    Exec { prog: Prog, explicit: bool },
    /// A program in the foreground: the shell waits for it and stays.
    /// `after`: what would run when it exits (the commands, and whether
    /// they are only `exit`).
    Foreground {
        prog: Prog,
        how: How,
        after: Vec<Loc>,
        only_exit_after: bool,
    },
    /// `wait` for background jobs. `bare`: a `wait` without operands.
    /// `waits_again`: after the wait returns (a trap ran), the script waits
    /// again before it ends.
    Wait {
        at: Loc,
        bare: bool,
        waits_again: bool,
    },
    /// The script finishes by itself (only one-shot commands, or `exit`):
    /// the container stops by itself.
    Exit { at: Option<Loc> },
    /// The shell cannot start the program (`exec -a` under dash, `exec` of
    /// a builtin): the container exits at once.
    Fails { at: Loc, why: String },
    /// dsig cannot tell.
    Unknown { at: Loc, why: String },
}

/// One way through the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub end: End,
    /// The conditions that select this path, in run order ("`[ "$1" =
    /// serve ]` is true"); empty when the path is taken whatever happens.
    pub conditions: Vec<String>,
    /// The traps in force where the path ends.
    pub traps: Vec<Trap>,
    /// Background jobs running where the path ends.
    pub jobs: Vec<Job>,
    /// For a `-c` string whose path ends in a foreground program: why the
    /// shell does not exec it itself (the measured facts of the shell).
    pub no_exec: Option<String>,
}

impl Path {
    /// The trap in force for `signal` (`TERM`), if any.
    #[must_use]
    pub fn trap(&self, signal: &str) -> Option<&Trap> {
        self.traps.iter().find(|t| t.signal == signal)
    }

    /// "when `[ "$1" = serve ]` is true" or "".
    #[must_use]
    pub fn describe_conditions(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("when {}", self.conditions.join(" and "))
        }
    }
}

/// The model's answer for a script.
#[derive(Debug, Clone, Default)]
pub struct Flow {
    pub paths: Vec<Path>,
    /// Files read by `.`/`source`, and literal `eval` texts.
    pub sourced: Vec<Sourced>,
    /// Where the model stopped following the flow (too many paths, nesting
    /// or steps): that part ends in [`End::Unknown`].
    pub too_complex: Option<(Range<usize>, String)>,
    /// The script was not parsed (too large or too complex for the parser).
    pub unparsed: Option<Unparsed>,
    /// Statements interpreted (the work done).
    pub steps: usize,
    /// How many `&` (background) operators the script's own text has.
    pub amps: usize,
    /// The script's syntax tree (to read more from it without parsing again).
    pub tree: Option<tree_sitter::Tree>,
    /// What the run read from the image (to run the script again, after a
    /// fix, on the same files).
    pub reads: Reads,
}

impl Flow {
    /// What [`crate::shell::script::analyze`] reads, from this run's tree.
    #[must_use]
    pub fn analysis(&self, text: &str) -> super::script::ScriptAnalysis {
        match (&self.tree, self.unparsed) {
            (Some(t), _) => super::script::analyze_parsed(text, Ok(t)),
            (None, Some(u)) => super::script::analyze_parsed(text, Err(u)),
            (None, None) => super::script::analyze(text),
        }
    }

    /// The paths that do not end by the script exiting by itself.
    pub fn running(&self) -> impl Iterator<Item = &Path> {
        self.paths
            .iter()
            .filter(|p| !matches!(p.end, End::Exit { .. }))
    }
}

/// The files a run read ([`Env::source`]) and the globs it listed
/// ([`Env::list`]), with their answers.
#[derive(Debug, Clone, Default)]
pub struct Reads {
    pub reads: Vec<(String, bool, Option<String>)>,
    pub lists: Vec<(String, Option<Vec<String>>)>,
}

impl Reads {
    /// Answer as the first run was answered.
    #[must_use]
    pub fn source(&self, path: &str, rel: bool) -> Option<String> {
        self.reads
            .iter()
            .find(|(p, r, _)| p == path && *r == rel)
            .and_then(|(_, _, t)| t.clone())
    }

    /// See [`Reads::source`].
    #[must_use]
    pub fn list(&self, pattern: &str) -> Option<Vec<String>> {
        self.lists
            .iter()
            .find(|(p, _)| p == pattern)
            .and_then(|(_, l)| l.clone())
    }
}

/// How many states (paths still running) the model keeps at once; past
/// that, states are joined (their differing variables forgotten).
pub const MAX_STATES: usize = 16;
/// How many paths a script may end in; past that it is too complex.
pub const MAX_PATHS: usize = 512;
/// Function calls, `source` and `eval` nested deeper than this are not
/// followed.
pub const MAX_DEPTH: usize = 48;
/// Statement steps per byte of script, over a base: past that, too complex.
pub const STEPS_PER_BYTE: usize = 8;
/// See [`STEPS_PER_BYTE`].
pub const STEPS_BASE: usize = 20_000;
/// How deep scripts run by scripts are followed to see whether they finish.
pub const MAX_SCRIPT_DEPTH: usize = 2;
/// How many values a `for` loop is run with one by one (more: once, with
/// the variable unknown).
pub const MAX_FOR_VALUES: usize = 16;
/// How many files `source` may bring in.
pub const MAX_SOURCED: usize = 16;

/// Run `text` (a script, or a `sh -c` string) in `env`.
#[must_use]
pub fn run(text: &str, env: &Env) -> Flow {
    interp::run(text, env)
}

/// [`run`] a `-c` string once and judge it for each of `shells`: whether a
/// shell execs the last program itself is the only difference (the run
/// uses `env.shell`, usually `None`, for the rest).
#[must_use]
pub fn run_shells(text: &str, env: &Env, shells: &[ShellKind]) -> Vec<Flow> {
    let shells: Vec<Option<ShellKind>> = shells.iter().map(|s| Some(*s)).collect();
    interp::run_shells(text, env, &shells)
}

/// The literal signal name: `SIGTERM`, `term`, `15` → `TERM`.
#[must_use]
pub fn signal_name(s: &str) -> String {
    let u = s.trim().to_ascii_uppercase();
    let u = u.strip_prefix("SIG").unwrap_or(&u).to_string();
    match u.as_str() {
        "0" => "EXIT".into(),
        "1" => "HUP".into(),
        "2" => "INT".into(),
        "3" => "QUIT".into(),
        "6" => "ABRT".into(),
        "9" => "KILL".into(),
        "10" => "USR1".into(),
        "12" => "USR2".into(),
        "15" => "TERM".into(),
        "17" => "CHLD".into(),
        "28" => "WINCH".into(),
        _ => u,
    }
}

#[cfg(test)]
mod tests;
