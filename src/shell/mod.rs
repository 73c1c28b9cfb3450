//! Shell analysis.
//!
//! [`command_string`] reads a `sh -c` command string (a shell-form CMD or
//! ENTRYPOINT, or the argument of `["sh", "-c", "..."]`) far enough to answer
//! what decides PID 1: which command runs last, whether it is already
//! `exec`'d, and whether a shell could hand PID 1 over to it (it is a simple
//! command at the top level, not in a pipeline, not in the background, and
//! nothing follows it).

pub mod facts;
pub mod flow;
mod lex;
pub mod names;
pub mod programs;
pub mod script;

pub use lex::{lex, Tok, TokKind};
use std::ops::Range;

/// The shells whose `-c` behaviour dsig knows (measured as PID 1 of a PID
/// namespace: dash 0.5.12, bash 5.2, busybox 1.35 ash).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShellKind {
    Dash,
    Bash,
    Ash,
}

impl ShellKind {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ShellKind::Dash => "dash",
            ShellKind::Bash => "bash",
            ShellKind::Ash => "busybox ash",
        }
    }

    /// Classify a shell by the path or name of its binary (`/bin/bash`,
    /// `ash`). `sh` is not classified: it depends on the image.
    #[must_use]
    pub fn from_program(p: &str) -> Option<ShellKind> {
        match base_name(p) {
            "bash" => Some(ShellKind::Bash),
            "dash" => Some(ShellKind::Dash),
            "ash" | "busybox" => Some(ShellKind::Ash),
            _ => None,
        }
    }
}

/// The last component of a path: the name a program is run by
/// (`/usr/bin/tini` -> `tini`, `tini` -> `tini`).
#[must_use]
pub fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether a program name is a POSIX-like shell that takes `-c`.
#[must_use]
pub fn is_shell_program(p: &str) -> bool {
    matches!(
        base_name(p),
        "sh" | "bash" | "dash" | "ash" | "busybox" | "zsh" | "ksh" | "mksh"
    )
}

/// How the last command of a list is joined to what came before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// It is the first (or only) command.
    First,
    /// After `;` or a newline.
    Seq,
    /// After `&&` or `||`.
    AndOr,
    /// After `cmd &`.
    AfterBackground,
}

/// The last top-level command of a command string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Last {
    /// A simple command.
    Simple(Simple),
    /// A pipeline (`a | b`): no shell execs its parts.
    Pipeline(Range<usize>),
    /// A compound command (`if`, `for`, `(..)`, `{ ..; }`, ...).
    Compound(Range<usize>),
    /// The string ends with `&`: the command runs in the background.
    Background(Range<usize>),
    /// Nothing to run (empty, or only comments).
    Empty,
}

/// A simple command with what matters for PID 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simple {
    /// Byte range of the whole command (assignments to last word or redirect).
    pub range: Range<usize>,
    /// Offset of the command word (after `VAR=x` assignments).
    pub command_start: usize,
    /// The words after assignments, quotes removed (`None` for a word whose
    /// value is only known at run time: `$x`, globs, command substitution).
    pub words: Vec<Option<String>>,
    pub has_assignments: bool,
    pub has_redirects: bool,
    /// `exec prog ...`: the shell replaces itself with `prog`.
    pub is_exec: bool,
    pub join: Join,
}

impl Simple {
    /// A chore such as `echo done` that follows other commands: the
    /// workload ran before it, with the shell as PID 1.
    pub fn runs_after_workload(&self) -> bool {
        self.join != Join::First && self.program().is_some_and(is_trailing_chore)
    }

    /// The program it runs, past an `exec` and its options.
    #[must_use]
    pub fn program(&self) -> Option<&str> {
        let mut it = self.words.iter();
        if self.is_exec {
            it.next();
            let mut rest: Vec<&Option<String>> = it.collect();
            while let Some(Some(w)) = rest.first() {
                if w == "-a" {
                    rest.drain(..2.min(rest.len()));
                } else if w.starts_with('-') {
                    rest.remove(0);
                } else {
                    break;
                }
            }
            return rest.first().and_then(|w| w.as_deref());
        }
        it.next().and_then(|w| w.as_deref())
    }
}

/// What [`command_string`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandString {
    pub last: Last,
    /// When the whole string is one simple command of literal words (no
    /// assignments, redirections, expansions, globs or `~`): the argv, ready
    /// for exec form.
    pub literal_argv: Option<Vec<String>>,
    /// The number of top-level commands.
    pub commands: usize,
    /// The analysed string.
    pub text: String,
}

/// Outcome of running a command string with `<shell> -c` as PID 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handover {
    /// The shell replaces itself with the last command (`exec`, or the
    /// shell's own last-command optimisation).
    Execs { explicit: bool },
    /// The shell stays PID 1 (and, without a trap, ignores SIGTERM).
    ShellStays,
}

impl CommandString {
    /// Is the last command exec'd explicitly, so every shell hands over?
    #[must_use]
    pub fn explicit_exec(&self) -> bool {
        matches!(&self.last, Last::Simple(s) if s.is_exec && s.program().is_some())
    }

    /// What `shell -c <this>` does to PID 1, following the measured table in
    /// ../shared/pid1/shell-exec.tsv: dash never execs on its own; bash execs
    /// the last simple command after `;`/`&&` unless it has redirections;
    /// busybox ash execs it with redirections too.
    #[must_use]
    pub fn handover(&self, shell: ShellKind) -> Handover {
        if self.explicit_exec() {
            return Handover::Execs { explicit: true };
        }
        if let (Last::Compound(r), ShellKind::Ash) = (&self.last, shell) {
            return ash_compound(&self.text[r.clone()]);
        }
        let Last::Simple(s) = &self.last else {
            return Handover::ShellStays;
        };
        if s.program().is_none() && s.words.is_empty() {
            return Handover::ShellStays;
        }
        if s.join == Join::AfterBackground || s.runs_after_workload() {
            return Handover::ShellStays;
        }
        match shell {
            ShellKind::Dash => Handover::ShellStays,
            ShellKind::Bash if s.has_redirects => Handover::ShellStays,
            ShellKind::Bash | ShellKind::Ash => Handover::Execs { explicit: false },
        }
    }

    /// Where to insert `exec ` so that every shell hands PID 1 to the last
    /// command, when that is possible.
    #[must_use]
    pub fn exec_insertion(&self) -> Option<usize> {
        match &self.last {
            Last::Simple(s)
                if !s.is_exec
                    && !s.words.is_empty()
                    && s.join != Join::AfterBackground
                    && !s.runs_after_workload() =>
            {
                Some(if s.has_assignments {
                    s.command_start
                } else {
                    s.range.start
                })
            }
            _ => None,
        }
    }
}

/// Builtins that set the shell up (options, traps, variables, the
/// directory, limits): they are never the workload.
#[must_use]
pub fn is_setup_builtin(name: &str) -> bool {
    matches!(
        name,
        "set"
            | "trap"
            | "export"
            | "unset"
            | "shift"
            | "cd"
            | "local"
            | "readonly"
            | "declare"
            | "umask"
            | "ulimit"
    )
}

/// Commands that, when last, are not the workload but something run after
/// it (`app; echo done`): the shell is PID 1 while the workload runs.
#[must_use]
pub fn is_trailing_chore(program: &str) -> bool {
    matches!(
        program,
        "true"
            | "false"
            | ":"
            | "echo"
            | "printf"
            | "exit"
            | "return"
            | "wait"
            | "sync"
            | "rm"
            | "touch"
    )
}

const RESERVED_OPEN: &[&str] = &[
    "if", "for", "while", "until", "case", "{", "select", "function",
];

/// Analyse a `sh -c` command string.
#[must_use]
pub fn command_string(s: &str) -> CommandString {
    // A string larger than a script dsig analyses is not read either (a
    // 3 MB `c|c|...` line made 3 million tokens, half a GB): nothing is
    // known of it, and SIG017 says so.
    if s.len() > script::MAX_SCRIPT_BYTES {
        return CommandString {
            last: Last::Empty,
            literal_argv: None,
            commands: 0,
            text: String::new(),
        };
    }
    let toks = lex(s);
    // Split into top-level commands at ; & && || newline, tracking nesting.
    let mut commands: Vec<(Vec<Tok>, Join)> = Vec::new();
    let mut cur: Vec<Tok> = Vec::new();
    let mut join = Join::First;
    let mut depth: i32 = 0;
    let mut at_cmd_start = true;
    let mut trailing_bg = false;
    for t in toks {
        trailing_bg = false;
        if depth == 0 {
            if let TokKind::Op(op) = &t.kind {
                let next = match op.as_str() {
                    ";" | "\n" => Some(Join::Seq),
                    "&&" | "||" => Some(Join::AndOr),
                    "&" => Some(Join::AfterBackground),
                    _ => None,
                };
                if let Some(j) = next {
                    if !cur.is_empty() {
                        commands.push((std::mem::take(&mut cur), join));
                    }
                    join = j;
                    trailing_bg = op == "&";
                    at_cmd_start = true;
                    continue;
                }
            }
        }
        match &t.kind {
            TokKind::Word { raw, .. } if at_cmd_start && RESERVED_OPEN.contains(&raw.as_str()) => {
                depth += 1;
            }
            TokKind::Word { raw, .. }
                if at_cmd_start && matches!(raw.as_str(), "fi" | "done" | "esac" | "}") =>
            {
                depth -= 1;
            }
            TokKind::Op(op) if op == "(" => depth += 1,
            TokKind::Op(op) if op == ")" => depth -= 1,
            _ => {}
        }
        at_cmd_start = match &t.kind {
            TokKind::Op(op) => op != ")",
            TokKind::Word { raw, .. } => {
                matches!(
                    raw.as_str(),
                    "then" | "do" | "else" | "elif" | "!" | "{" | "if" | "while" | "until"
                )
            }
            TokKind::Redirect { .. } => false,
        };
        cur.push(t);
    }
    if !cur.is_empty() {
        commands.push((cur, join));
    }
    let n = commands.len();
    let last = match commands.pop() {
        None => Last::Empty,
        Some(_) if trailing_bg => {
            let r = lex_range(s);
            Last::Background(r)
        }
        Some((toks, join)) => classify(&toks, join),
    };
    let literal_argv = match (&last, n) {
        (Last::Simple(s), 1) if !s.has_assignments && !s.has_redirects && !s.is_exec => {
            s.words.iter().cloned().collect::<Option<Vec<String>>>()
        }
        _ => None,
    };
    CommandString {
        last,
        literal_argv,
        commands: n,
        text: s.to_string(),
    }
}

/// How many nested `( ... )` dsig looks into for busybox ash.
const MAX_SUBSHELLS: usize = 16;

/// busybox ash also execs the last simple command inside `( ... )` and inside
/// an `if` branch (measured: `(sleep 100)` and `if true; then sleep 100; fi`
/// leave sleep as PID 1; dash and bash stay).
fn ash_compound(text: &str) -> Handover {
    let mut t = text.trim();
    // `( ( ... ) )`: a loop over the levels, not recursion (8000 levels in a
    // CMD overflowed the stack and took 40 s, each level lexed again). Past
    // MAX_SUBSHELLS levels dsig does not claim a hand-over.
    for _ in 0..MAX_SUBSHELLS {
        let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
            break;
        };
        let cs = command_string(inner);
        if cs.explicit_exec() {
            return Handover::Execs { explicit: false };
        }
        match &cs.last {
            Last::Compound(r) => t = inner.get(r.clone()).unwrap_or("").trim(),
            _ => {
                return match cs.handover(ShellKind::Ash) {
                    Handover::Execs { .. } => Handover::Execs { explicit: false },
                    h => h,
                }
            }
        }
        let subshell = t.starts_with('(') && t.ends_with(')');
        if !subshell && !t.starts_with("if") {
            return Handover::ShellStays;
        }
    }
    if t.starts_with('(') {
        return Handover::ShellStays;
    }
    if t.starts_with("if") {
        use script::Ending;
        let ending = script::compound_ending(t);
        let leaves = ending.leaves();
        let real: Vec<_> = leaves
            .into_iter()
            .filter(|e| !matches!(e, Ending::Nothing))
            .collect();
        let all_last = !real.is_empty()
            && real
                .iter()
                .all(|e| matches!(e, Ending::Foreground { last: true, .. } | Ending::Exec(_)));
        if all_last {
            return Handover::Execs { explicit: false };
        }
    }
    Handover::ShellStays
}

fn lex_range(s: &str) -> Range<usize> {
    let t = s.trim();
    let start = s.len() - s.trim_start().len();
    start..start + t.len()
}

fn classify(toks: &[Tok], join: Join) -> Last {
    let range = toks[0].range.start..toks[toks.len() - 1].range.end;
    if toks
        .iter()
        .any(|t| matches!(&t.kind, TokKind::Op(op) if op == "|" || op == "|&"))
    {
        // A pipe at top level of this command (nested ones were caught by depth).
        let first_is_compound = matches!(&toks[0].kind, TokKind::Op(op) if op == "(")
            || matches!(&toks[0].kind, TokKind::Word { raw, .. } if RESERVED_OPEN.contains(&raw.as_str()));
        if !first_is_compound {
            return Last::Pipeline(range);
        }
    }
    match &toks[0].kind {
        TokKind::Op(_) => return Last::Compound(range),
        TokKind::Word { raw, .. } if RESERVED_OPEN.contains(&raw.as_str()) || raw == "!" => {
            return Last::Compound(range)
        }
        _ => {}
    }
    let mut words = Vec::new();
    let mut has_assignments = false;
    let mut has_redirects = false;
    let mut command_start = range.start;
    let mut in_assignments = true;
    for t in toks {
        match &t.kind {
            TokKind::Redirect { .. } => has_redirects = true,
            TokKind::Word { raw, value } => {
                if in_assignments && is_assignment(raw) {
                    has_assignments = true;
                    continue;
                }
                if in_assignments {
                    in_assignments = false;
                    command_start = t.range.start;
                }
                words.push(value.clone());
            }
            TokKind::Op(_) => return Last::Compound(range),
        }
    }
    let is_exec = words.first().is_some_and(|w| w.as_deref() == Some("exec"));
    Last::Simple(Simple {
        range,
        command_start,
        words,
        has_assignments,
        has_redirects,
        is_exec,
        join,
    })
}

fn is_assignment(raw: &str) -> bool {
    match raw.find('=') {
        Some(0) | None => false,
        Some(i) => {
            let name = &raw[..i];
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !name.as_bytes()[0].is_ascii_digit()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str, sh: ShellKind) -> Handover {
        command_string(s).handover(sh)
    }

    #[test]
    fn measured_table_shapes() {
        use Handover::*;
        use ShellKind::*;
        let stays = ShellStays;
        let execs = Execs { explicit: false };
        for (s, dash, bash, ash) in [
            ("sleep 100", &stays, &execs, &execs),
            ("cd /tmp && sleep 100", &stays, &execs, &execs),
            ("true; sleep 100", &stays, &execs, &execs),
            ("sleep 100; true", &stays, &stays, &stays),
            ("X=1 sleep 100", &stays, &execs, &execs),
            ("sleep 100 > /dev/null 2>&1", &stays, &stays, &execs),
            ("sleep 100 | cat", &stays, &stays, &stays),
            ("set -e; sleep 100", &stays, &execs, &execs),
            ("sleep 100 & wait", &stays, &stays, &stays),
        ] {
            // `sleep 100; true`: the last command is `true`, which is exec'd;
            // the workload is not. Callers compare the program to the workload.
            assert_eq!(&h(s, Dash), dash, "dash {s}");
            assert_eq!(&h(s, Bash), bash, "bash {s}");
            assert_eq!(&h(s, Ash), ash, "ash {s}");
        }
        assert_eq!(h("exec sleep 100", Dash), Execs { explicit: true });
        assert_eq!(h("sleep 100 &", Ash), ShellStays);
        assert_eq!(
            h("echo hello", Ash),
            Execs { explicit: false },
            "a lone echo is the workload"
        );
    }

    #[test]
    fn busybox_ash_looks_into_nested_subshells_a_bounded_number_of_levels() {
        use Handover::*;
        let nest = |n: usize, inner: &str| format!("{}{inner}{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(
            h(&nest(3, "sleep 100"), ShellKind::Ash),
            Execs { explicit: false }
        );
        assert_eq!(
            h(&nest(2, "exec sleep 100"), ShellKind::Ash),
            Execs { explicit: false }
        );
        assert_eq!(h(&nest(2, "a | b"), ShellKind::Ash), ShellStays);
        assert_eq!(
            h(&nest(2, "if true; then sleep 100; fi"), ShellKind::Ash),
            Execs { explicit: false }
        );
        assert_eq!(h(&nest(2, "{ a; }"), ShellKind::Ash), ShellStays);
        assert_eq!(h(&nest(2, "sleep 100"), ShellKind::Dash), ShellStays);
        // 8000 levels took 40 s and deeper ones overflowed the stack.
        assert_eq!(h(&nest(100_000, "sleep 100"), ShellKind::Ash), ShellStays);
    }

    #[test]
    fn literal_and_insertion() {
        let c = command_string("/go/src/signal/main");
        assert_eq!(
            c.literal_argv,
            Some(vec!["/go/src/signal/main".to_string()])
        );
        let c = command_string("node 'my app.js' --port=80");
        assert_eq!(c.literal_argv.unwrap(), ["node", "my app.js", "--port=80"]);
        assert!(command_string("node $APP").literal_argv.is_none());
        assert!(command_string("node *.js").literal_argv.is_none());
        let s = "cd /app && node server.js";
        assert_eq!(command_string(s).exec_insertion(), Some(11));
        let s = "X=1 node a.js";
        assert_eq!(command_string(s).exec_insertion(), Some(4));
        assert_eq!(command_string("a | b").exec_insertion(), None);
        assert_eq!(command_string("if true; then a; fi").exec_insertion(), None);
        assert_eq!(command_string("exec a").exec_insertion(), None);
        assert!(command_string("exec >log 2>&1").exec_insertion().is_none());
    }
}
