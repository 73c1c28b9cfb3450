//! What a command name means to the shell, and whether `exec` may go
//! before it.
//!
//! `exec NAME` looks `NAME` up on `PATH` only: a shell function, alias,
//! builtin or reserved word of that name is not found (the container fails
//! at start with exit 127) or a different program runs. And `exec` ends the
//! script: every command that could run after it no longer does. [`Script`]
//! answers both for a command of a script or `sh -c` string, from the
//! tree-sitter tree, and [`syntax_error`] says when a text is not a valid
//! script at all (then no fix may touch it).
//!
//! The builtin tables are those of POSIX.1-2024 (XCU 2.15 special built-ins,
//! 1.7 intrinsic utilities), dash 0.5.12, bash 5.2 (`compgen -b`, `compgen
//! -k`) and busybox 1.35 ash. A builtin that also exists as a program
//! (`echo`, `test`, `kill`) is in the tables too: `exec` would run that
//! program instead, with its own options and behaviour.

use super::script::text_of;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use tree_sitter::{Node, Tree};

/// POSIX special built-ins: never looked up on `PATH`.
pub const POSIX_SPECIAL: &[&str] = &[
    "break", ":", "continue", ".", "eval", "exec", "exit", "export", "readonly", "return", "set",
    "shift", "times", "trap", "unset",
];

/// POSIX intrinsic (regular) built-ins: always the shell's own.
pub const POSIX_INTRINSIC: &[&str] = &[
    "alias", "bg", "cd", "command", "fc", "fg", "getopts", "hash", "jobs", "kill", "read", "type",
    "ulimit", "umask", "unalias", "wait", "true", "false", "pwd", "newgrp",
];

/// Built into dash 0.5.12 besides the POSIX ones.
pub const DASH: &[&str] = &["chdir", "echo", "local", "printf", "test", "["];

/// Built into bash 5.2 besides the POSIX ones.
pub const BASH: &[&str] = &[
    "bind",
    "builtin",
    "caller",
    "compgen",
    "complete",
    "compopt",
    "declare",
    "dirs",
    "disown",
    "echo",
    "enable",
    "help",
    "history",
    "let",
    "local",
    "logout",
    "mapfile",
    "popd",
    "printf",
    "pushd",
    "readarray",
    "shopt",
    "source",
    "suspend",
    "test",
    "[",
    "typeset",
];

/// Built into busybox 1.35 ash besides the POSIX ones.
pub const ASH: &[&str] = &[
    "chdir", "echo", "help", "history", "let", "local", "printf", "source", "test", "[", "[[",
];

/// Reserved words (bash's `compgen -k`; dash and ash know a subset).
pub const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do",
    "done", "in", "function", "time", "{", "}", "!", "[[", "]]", "coproc",
];

/// What a command word names, when `exec` cannot run it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Keyword,
    Builtin,
    Function,
    Alias,
}

impl NameKind {
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            NameKind::Keyword => "a shell keyword",
            NameKind::Builtin => "a shell builtin",
            NameKind::Function => "a shell function",
            NameKind::Alias => "an alias",
        }
    }
}

/// A keyword or a builtin of any of the shells above (not a path).
#[must_use]
pub fn builtin_kind(name: &str) -> Option<NameKind> {
    if KEYWORDS.contains(&name) {
        return Some(NameKind::Keyword);
    }
    [POSIX_SPECIAL, POSIX_INTRINSIC, DASH, BASH, ASH]
        .iter()
        .any(|t| t.contains(&name))
        .then_some(NameKind::Builtin)
}

/// May `exec` go before a command, and how safely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecFit {
    /// Nothing that could run after it is lost.
    Safe,
    /// It hands PID 1 over, but something that ran after it no longer does.
    Unsafe(String),
    /// `exec` would break the script or do nothing: the reason.
    No(String),
}

impl ExecFit {
    /// The worse of two.
    fn worst(self, other: ExecFit) -> ExecFit {
        match (self, other) {
            (a @ ExecFit::No(_), _) => a,
            (_, b @ ExecFit::No(_)) => b,
            (a @ ExecFit::Unsafe(_), _) => a,
            (_, b) => b,
        }
    }
}

/// What a text has that tree-sitter did not parse (over the parse budget or
/// the size limit): not known to be valid, so nothing is fixed in it.
const NOT_PARSED: &str = "text too large or too complex to parse";

/// How deep function calls are followed to find what runs after a command.
const MAX_CALL_DEPTH: usize = 32;
/// Past this many calls of one function, whether they all end the script
/// is not worked out (each call is found by descending from the root, which
/// costs the width of every block on the way): the fix is unsafe.
const MAX_CALL_SITES: usize = 256;

/// The facts about a script's names that decide where `exec` fits.
pub struct Script<'a> {
    src: &'a str,
    tree: Option<Tree>,
    functions: HashSet<String>,
    aliases: HashSet<String>,
    /// The script sources other files: any plain name may be a function.
    sources: bool,
    /// Command name → the start offsets of the commands calling it.
    calls: HashMap<String, Vec<usize>>,
    /// Variable → the texts assigned to it (`cmd=setup`, `local c=$1`).
    assigned: HashMap<String, Vec<String>>,
    /// The first words given to the positional parameters: by `set --`
    /// and by calls of the script's functions.
    positional: Vec<String>,
    /// What a non-literal command word may name (computed once per word).
    dynamic: RefCell<HashMap<String, ExecFit>>,
    /// Whether each function's calls all end the script (computed once).
    memo: RefCell<HashMap<String, Option<ExecFit>>>,
    /// [`syntax_error`] of the text (computed once).
    error: std::cell::OnceCell<Option<String>>,
    /// What the statements around a node do to it, by node id: each
    /// ancestor block is scanned once however many commands share it.
    siblings: RefCell<HashMap<usize, Level>>,
    /// The blocks whose children are in `siblings`.
    scanned: RefCell<HashSet<usize>>,
    /// The offsets of the text's newlines (computed once).
    newlines: std::cell::OnceCell<Vec<usize>>,
}

/// A statement's place in its block.
#[derive(Debug, Clone)]
struct Level {
    /// `&` follows it.
    background: bool,
    /// Why it never runs.
    unreached: Option<String>,
    /// What would no longer run after it.
    after: Option<String>,
}

/// The literal value of a command name (quotes removed), if it is one.
fn word_value(src: &str, n: Node) -> Option<String> {
    let t = text_of(src, n);
    if t.contains(['$', '`', '*', '?']) {
        return None;
    }
    Some(
        t.chars()
            .filter(|c| !matches!(c, '\'' | '"' | '\\'))
            .collect(),
    )
}

/// Every node of `root`, in document order, without recursion.
fn each_node(root: Node, mut f: impl FnMut(Node)) {
    let mut cursor = root.walk();
    loop {
        f(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// The command name of a `command` node.
fn command_name(n: Node<'_>) -> Option<Node<'_>> {
    n.child_by_field_name("name")
}

impl<'a> Script<'a> {
    #[must_use]
    pub fn new(src: &'a str) -> Script<'a> {
        let tree = crate::shell::script::parse(src);
        let mut functions = HashSet::new();
        let mut aliases = HashSet::new();
        let mut sources = false;
        let mut calls: HashMap<String, Vec<usize>> = HashMap::new();
        let mut assigned: HashMap<String, Vec<String>> = HashMap::new();
        let mut first_args: Vec<(String, String)> = Vec::new();
        if let Some(t) = &tree {
            each_node(t.root_node(), |n| match n.kind() {
                "function_definition" => {
                    if let Some(name) = n.child_by_field_name("name") {
                        functions.insert(text_of(src, name).to_string());
                    }
                }
                "variable_assignment" => {
                    if let Some(name) = n.child_by_field_name("name") {
                        let value = n
                            .child_by_field_name("value")
                            .map_or("", |v| text_of(src, v));
                        assigned
                            .entry(text_of(src, name).to_string())
                            .or_default()
                            .push(value.to_string());
                    }
                }
                "command" => {
                    if let Some(name) = command_name(n).and_then(|k| word_value(src, k)) {
                        let mut c = n.walk();
                        let mut args = n
                            .children_by_field_name("argument", &mut c)
                            .map(|a| text_of(src, a));
                        let first = match (name.as_str(), args.next()) {
                            ("set", Some("--")) => args.next(),
                            ("set", _) => None,
                            (_, a) => a,
                        };
                        if let Some(a) = first {
                            first_args.push((name, a.to_string()));
                        }
                    }
                    let Some(name) = command_name(n).and_then(|k| word_value(src, k)) else {
                        return;
                    };
                    match name.as_str() {
                        "alias" => {
                            let mut c = n.walk();
                            for arg in n.children_by_field_name("argument", &mut c) {
                                if let Some(v) = word_value(src, arg) {
                                    if let Some((a, _)) = v.split_once('=') {
                                        aliases.insert(a.to_string());
                                    }
                                }
                            }
                        }
                        "." | "source" => sources = true,
                        _ => {}
                    }
                    calls.entry(name).or_default().push(n.start_byte());
                }
                _ => {}
            });
        }
        let positional = first_args
            .into_iter()
            .filter(|(name, _)| name == "set" || functions.contains(name))
            .map(|(_, a)| a)
            .collect();
        Script {
            src,
            tree,
            functions,
            aliases,
            sources,
            calls,
            assigned,
            positional,
            dynamic: RefCell::new(HashMap::new()),
            memo: RefCell::new(HashMap::new()),
            error: std::cell::OnceCell::new(),
            siblings: RefCell::new(HashMap::new()),
            scanned: RefCell::new(HashSet::new()),
            newlines: std::cell::OnceCell::new(),
        }
    }

    /// Why the script is not valid ([`syntax_error`]), from the tree
    /// already parsed.
    pub fn syntax_error(&self) -> Option<String> {
        self.error
            .get_or_init(|| match &self.tree {
                Some(t) => tree_error(self.src, t),
                None => Some(NOT_PARSED.into()),
            })
            .clone()
    }

    /// What `name` is to this script's shell, when `exec` cannot run it.
    pub fn kind(&self, name: &str) -> Option<NameKind> {
        if self.functions.contains(name) {
            return Some(NameKind::Function);
        }
        if self.aliases.contains(name) {
            return Some(NameKind::Alias);
        }
        if name.contains('/') {
            return None;
        }
        builtin_kind(name)
    }

    /// Does the script source other files (whose functions dsig cannot see)?
    pub fn sources(&self) -> bool {
        self.sources
    }

    /// Whether `exec` fits before the command whose name starts at `at`.
    pub fn exec_before(&self, at: usize) -> ExecFit {
        let Some(tree) = &self.tree else {
            return ExecFit::No("the script could not be parsed".into());
        };
        if tree.root_node().has_error() {
            return ExecFit::No("the script has a syntax error".into());
        }
        let Some(path) = self.path_to(tree.root_node(), at) else {
            return ExecFit::No("no command starts there".into());
        };
        let cmd = path[path.len() - 1];
        let fit = match command_name(cmd).map(|w| (w, word_value(self.src, w))) {
            None => ExecFit::Safe,
            Some((_, Some(name))) => match self.kind(&name) {
                Some(kind) => {
                    return ExecFit::No(format!(
                        "`{name}` is {}, which `exec` cannot run",
                        kind.describe()
                    ))
                }
                None => ExecFit::Safe,
            },
            Some((word, None)) => self.dynamic_name(text_of(self.src, word)),
        };
        if let ExecFit::No(_) = fit {
            return fit;
        }
        fit.worst(self.at_end(&path, 0))
    }

    /// Whether `exec` may go before a command word that is not a literal
    /// (`"$cmd"`, `"${1:-serve}"`, `"$@"`). Not when one of its known values
    /// (literal assignments, defaults, `set --` and function-call
    /// arguments) names a function or builtin: that path would fail with
    /// 127 or run another program. Unsafe when the script defines functions
    /// or sources files: the value may name one. Aliases do not count: the
    /// shell never expands a word's value as an alias. Safe
    /// otherwise (`exec "$@"`, the docker-entrypoint idiom; a builtin
    /// passed in from CMD, such as `echo`, then runs as the program of that
    /// name).
    fn dynamic_name(&self, word: &str) -> ExecFit {
        if let Some(known) = self.dynamic.borrow().get(word) {
            return known.clone();
        }
        let mut values = Vec::new();
        let mut seen = HashSet::new();
        self.values_of(word, &mut values, &mut seen);
        // The shell expands aliases in the script's text only, never in a
        // word's value: functions and builtins are what `exec` would miss.
        let named = values.iter().find_map(|v| {
            let first = v.split_whitespace().next()?;
            match self.kind(first)? {
                NameKind::Alias => None,
                kind => Some((first, kind)),
            }
        });
        let fit = if let Some((v, kind)) = named {
            ExecFit::No(format!(
                "the command word `{word}` can be `{v}`, which is {}: `exec` cannot run it",
                kind.describe()
            ))
        } else if has_literal_slash(word) {
            ExecFit::Safe
        } else if !self.functions.is_empty() || self.sources {
            let what = if self.sources {
                "the script sources other files"
            } else {
                "the script defines functions"
            };
            ExecFit::Unsafe(format!(
                "the command word `{word}` may name a function ({what}), which `exec` would look up on PATH instead"
            ))
        } else {
            ExecFit::Safe
        };
        self.dynamic
            .borrow_mut()
            .insert(word.to_string(), fit.clone());
        fit
    }

    /// The literal values `word` is known to take, into `out` (at most
    /// [`MAX_VALUES`]; each variable is followed once).
    fn values_of(&self, word: &str, out: &mut Vec<String>, seen: &mut HashSet<String>) {
        if out.len() >= MAX_VALUES {
            return;
        }
        let inner = word
            .strip_prefix('"')
            .and_then(|w| w.strip_suffix('"'))
            .unwrap_or(word);
        if !inner.contains(['$', '`']) {
            let v: String = inner
                .chars()
                .filter(|c| !matches!(c, '\'' | '"' | '\\'))
                .collect();
            out.push(v);
            return;
        }
        let Some((var, default)) = expansion(inner) else {
            return;
        };
        if let Some(d) = default {
            self.values_of(d, out, seen);
        }
        if !seen.insert(var.to_string()) {
            return;
        }
        let texts: &[String] = if matches!(var, "@" | "*" | "1") {
            &self.positional
        } else {
            self.assigned.get(var).map_or(&[], |v| v.as_slice())
        };
        for t in texts {
            if out.len() >= MAX_VALUES {
                return;
            }
            self.values_of(t, out, seen);
        }
    }

    /// The nodes from the root down to the innermost `command` that holds
    /// offset `at` (its name or its assignments). tree-sitter finds a
    /// node's parent and siblings by descending from the root again, so the
    /// path is built once, going down.
    fn path_to<'t>(&self, root: Node<'t>, at: usize) -> Option<Vec<Node<'t>>> {
        let mut path = vec![root];
        let mut c = root.walk();
        while c.goto_first_child_for_byte(at).is_some() {
            let n = c.node();
            if n.start_byte() > at {
                break;
            }
            path.push(n);
        }
        let last = path.iter().rposition(|n| n.kind() == "command")?;
        path.truncate(last + 1);
        Some(path)
    }

    /// Whether nothing can run after `n` (a statement) at run time, and `n`
    /// itself runs in the shell that is PID 1.
    fn at_end(&self, path: &[Node], depth: usize) -> ExecFit {
        let mut fit = ExecFit::Safe;
        for w in path.windows(2).rev() {
            let (parent, n) = (w[0], w[1]);
            let level = self.level(parent, n);
            if level.background {
                return ExecFit::No("it runs in the background".into());
            }
            match parent.kind() {
                "program" | "compound_statement" | "do_group" | "else_clause" | "case_item"
                | "if_statement" | "elif_clause" => {
                    if matches!(parent.kind(), "if_statement" | "elif_clause")
                        && parent.child_by_field_name("condition").is_some_and(|c| {
                            c.start_byte() <= n.start_byte() && n.end_byte() <= c.end_byte()
                        })
                    {
                        fit = fit.worst(ExecFit::Unsafe(
                            "it is the condition of an `if`: the branches would no longer run"
                                .into(),
                        ));
                    }
                    if let Some(why) = level.unreached {
                        return ExecFit::No(why);
                    }
                    if let Some(after) = level.after {
                        fit = fit.worst(ExecFit::Unsafe(after));
                    }
                    if parent.kind() == "do_group" {
                        fit = fit.worst(ExecFit::Unsafe(
                            "it runs in a loop: later rounds and what follows the loop would no longer run"
                                .into(),
                        ));
                    }
                    if parent.kind() == "program" {
                        return fit;
                    }
                }
                "redirected_statement"
                | "while_statement"
                | "until_statement"
                | "for_statement"
                | "c_style_for_statement"
                | "case_statement" => {
                    if matches!(parent.kind(), "while_statement" | "until_statement")
                        && parent.child_by_field_name("body") != Some(n)
                    {
                        fit = fit.worst(ExecFit::Unsafe("it is the condition of a loop".into()));
                    }
                }
                "list" => {
                    let mut c = parent.walk();
                    let last = parent
                        .named_children(&mut c)
                        .filter(|k| k.kind() != "comment")
                        .last();
                    if last != Some(n) {
                        fit = fit.worst(ExecFit::Unsafe(
                            "commands after `&&` or `||` would no longer run".into(),
                        ));
                    }
                }
                "function_definition" => {
                    let Some(name) = parent.child_by_field_name("name") else {
                        return ExecFit::No("an unnamed function".into());
                    };
                    return fit.worst(self.calls_end(text_of(self.src, name), depth));
                }
                "pipeline" => return ExecFit::No("it is part of a pipeline".into()),
                "subshell" | "command_substitution" | "process_substitution" => {
                    return ExecFit::No("it runs in a subshell, not in PID 1".into())
                }
                "negated_command" => return ExecFit::No("it is negated with `!`".into()),
                other => return ExecFit::No(format!("it is inside {other}")),
            }
        }
        fit
    }

    /// Whether every call of function `name` ends the script.
    fn calls_end(&self, name: &str, depth: usize) -> ExecFit {
        if depth >= MAX_CALL_DEPTH {
            return ExecFit::Unsafe(format!(
                "`{name}` is called through more than {MAX_CALL_DEPTH} functions"
            ));
        }
        if let Some(known) = self.memo.borrow().get(name) {
            return known
                .clone()
                .unwrap_or_else(|| ExecFit::Unsafe(format!("`{name}` calls itself")));
        }
        self.memo.borrow_mut().insert(name.to_string(), None);
        let Some(tree) = &self.tree else {
            return ExecFit::No("the script could not be parsed".into());
        };
        let sites = self.calls.get(name).cloned().unwrap_or_default();
        if sites.len() > MAX_CALL_SITES {
            let fit = ExecFit::Unsafe(format!(
                "`{name}` is called in more than {MAX_CALL_SITES} places"
            ));
            self.memo
                .borrow_mut()
                .insert(name.to_string(), Some(fit.clone()));
            return fit;
        }
        let mut fit = if sites.is_empty() {
            ExecFit::No(format!("`{name}` is never called"))
        } else {
            ExecFit::Safe
        };
        for at in sites {
            let Some(call) = self.path_to(tree.root_node(), at) else {
                continue;
            };
            let here = match self.at_end(&call, depth + 1) {
                ExecFit::No(why) if sites_reach(&why) => ExecFit::No(why),
                ExecFit::No(why) => ExecFit::Unsafe(format!("`{name}` is called where {why}")),
                f => f,
            };
            fit = fit.worst(here);
        }
        self.memo
            .borrow_mut()
            .insert(name.to_string(), Some(fit.clone()));
        fit
    }

    /// What the statements around `n` in `parent` do to it. The first
    /// time a block is asked about, all its children are judged in one pass
    /// (a block of many statements is not scanned again for each).
    fn level(&self, parent: Node, n: Node) -> Level {
        if !self.scanned.borrow().contains(&parent.id()) {
            let mut c = parent.walk();
            let kids: Vec<Node> = parent.children(&mut c).collect();
            // Why each child never runs: the first `exit` / `exec` before it.
            let mut unreached: Vec<Option<String>> = Vec::with_capacity(kids.len());
            let mut seen: Option<String> = None;
            for k in &kids {
                unreached.push(seen.clone());
                if seen.is_none() {
                    seen = self.ends_shell(*k);
                }
            }
            // What would no longer run: the first real statement after it.
            let mut after: Vec<Option<String>> = vec![None; kids.len()];
            let mut next: Option<String> = None;
            for (i, k) in kids.iter().enumerate().rev() {
                after[i].clone_from(&next);
                if let Some(what) = self.would_run(*k) {
                    next = Some(what);
                }
            }
            let mut levels = self.siblings.borrow_mut();
            for (i, k) in kids.iter().enumerate() {
                levels.insert(
                    k.id(),
                    Level {
                        background: kids.get(i + 1).is_some_and(|s| s.kind() == "&"),
                        unreached: unreached[i].take(),
                        after: after[i].take(),
                    },
                );
            }
            self.scanned.borrow_mut().insert(parent.id());
        }
        self.siblings
            .borrow()
            .get(&n.id())
            .cloned()
            .unwrap_or(Level {
                background: false,
                unreached: None,
                after: None,
            })
    }

    /// A statement that would no longer run after an `exec` before it:
    /// anything but `exit`, a function definition, a comment or a clause.
    fn would_run(&self, k: Node) -> Option<String> {
        if !k.is_named()
            || matches!(
                k.kind(),
                "comment" | "function_definition" | "elif_clause" | "else_clause" | "case_item"
            )
        {
            return None;
        }
        let name = match k.kind() {
            "command" => command_name(k).and_then(|c| word_value(self.src, c)),
            _ => None,
        };
        let line = self.line(k.start_byte());
        let what = text_of(self.src, k).lines().next().unwrap_or("").trim();
        let what: String = what.chars().take(40).collect();
        if matches!(name.as_deref(), Some("exit" | "return")) {
            // `exit`, `exit $?`: the status is the program's either way.
            return (!self.keeps_status(k)).then(|| {
                format!(
                    "`{what}` on line {line} would no longer set the exit status: it would be the program's instead"
                )
            });
        }
        Some(format!("`{what}` on line {line} would no longer run"))
    }

    /// The 1-based line of byte `at`, as [`line_of`], without scanning
    /// the text again for each statement of a long block.
    fn line(&self, at: usize) -> usize {
        let nl = self.newlines.get_or_init(|| {
            self.src
                .bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i)
                .collect()
        });
        nl.partition_point(|&i| i < at) + 1
    }

    /// An `exit` or `return` without an argument, or with `$?`.
    fn keeps_status(&self, cmd: Node) -> bool {
        let mut c = cmd.walk();
        let args: Vec<Node> = cmd.children_by_field_name("argument", &mut c).collect();
        match args.as_slice() {
            [] => true,
            [a] => matches!(text_of(self.src, *a), "$?" | "\"$?\"" | "${?}" | "\"${?}\""),
            _ => false,
        }
    }

    /// A statement after which nothing in its block runs: `exit`, `return`
    /// or `exec prog`.
    fn ends_shell(&self, k: Node) -> Option<String> {
        let cmd = match k.kind() {
            "command" => k,
            "redirected_statement" => match k.child_by_field_name("body") {
                Some(b) if b.kind() == "command" => b,
                _ => return None,
            },
            _ => return None,
        };
        let name = command_name(cmd).and_then(|c| word_value(self.src, c));
        let args = {
            let mut c = cmd.walk();
            cmd.children_by_field_name("argument", &mut c).count()
        };
        match name.as_deref() {
            Some("exit" | "return") => Some(format!("it comes after `{}`", text_of(self.src, cmd))),
            Some("exec") if args > 0 => {
                Some("it comes after an `exec` that replaces the shell".into())
            }
            _ => None,
        }
    }
}

/// How many values of a command word are looked at.
const MAX_VALUES: usize = 64;

/// A whole-word parameter expansion: `$v`, `${v}`, `${v:-def}`, `${v-def}`,
/// `${v:=def}`, `${v=def}` → the parameter and the default.
fn expansion(w: &str) -> Option<(&str, Option<&str>)> {
    let body = w.strip_prefix('$')?;
    let is_param = |p: &str| {
        matches!(p, "@" | "*")
            || (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            || (p
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    };
    let Some(braced) = body.strip_prefix('{') else {
        return is_param(body).then_some((body, None));
    };
    let braced = braced.strip_suffix('}')?;
    let end = braced
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_alphanumeric() || c == '_' || (i == 0 && matches!(c, '@' | '*')))
        })
        .map_or(braced.len(), |(i, _)| i);
    let (var, rest) = braced.split_at(end);
    if !is_param(var) {
        return None;
    }
    if rest.is_empty() {
        return Some((var, None));
    }
    let default = [":-", "-", ":=", "="]
        .iter()
        .find_map(|op| rest.strip_prefix(op))?;
    Some((var, Some(default)))
}

/// A `/` outside any expansion: the word is a path, never a function.
fn has_literal_slash(w: &str) -> bool {
    let mut depth = 0usize;
    let mut prev = ' ';
    for c in w.chars() {
        match c {
            '{' if prev == '$' || depth > 0 => depth += 1,
            '}' if depth > 0 => depth -= 1,
            '/' if depth == 0 => return true,
            _ => {}
        }
        prev = c;
    }
    false
}

/// The 1-based line of byte `at` (counted in bytes: tree-sitter offsets
/// may fall inside a character that the parser saw replaced).
fn line_of(text: &str, at: usize) -> usize {
    let end = at.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Reasons that hold for every call, not just one.
fn sites_reach(why: &str) -> bool {
    why.contains("never called") || why.contains("comes after")
}

/// Why `text` is not a valid script: tree-sitter's error nodes, or an
/// unterminated quote (error recovery can hide one).
#[must_use]
pub fn syntax_error(text: &str) -> Option<String> {
    let Some(tree) = crate::shell::script::parse(text) else {
        return Some(NOT_PARSED.into());
    };
    tree_error(text, &tree)
}

fn tree_error(text: &str, tree: &Tree) -> Option<String> {
    let root = tree.root_node();
    if root.has_error() {
        let mut at = None;
        each_node(root, |n| {
            if at.is_none() && (n.is_error() || n.is_missing()) {
                at = Some(n.start_byte());
            }
        });
        let line = at.map_or(1, |a| line_of(text, a));
        return Some(format!("a syntax error on line {line}"));
    }
    unbalanced_quote(text).map(|q| format!("an unterminated {q} quote"))
}

/// A quote left open at the end of `text` (`'`, `"` or `` ` ``), reading it
/// as the shell does: backslash escapes outside single quotes, comments from
/// a `#` that starts a word. Texts with heredocs are not judged.
fn unbalanced_quote(text: &str) -> Option<char> {
    if text.contains("<<") {
        return None;
    }
    let mut open: Option<char> = None;
    let mut prev_blank = true;
    let mut it = text.chars();
    while let Some(c) = it.next() {
        match open {
            Some('\'') => {
                if c == '\'' {
                    open = None;
                }
            }
            Some(q) => match c {
                '\\' => {
                    it.next();
                }
                _ if c == q => open = None,
                _ => {}
            },
            None => match c {
                '\\' => {
                    it.next();
                }
                '\'' | '"' | '`' => open = Some(c),
                '#' if prev_blank => {
                    for d in it.by_ref() {
                        if d == '\n' {
                            break;
                        }
                    }
                    // The newline that ends the comment was read: the
                    // next line starts a word (its own `#` is a comment).
                    prev_blank = true;
                    continue;
                }
                _ => {}
            },
        }
        prev_blank = open.is_none() && matches!(c, ' ' | '\t' | '\n' | ';' | '&' | '|' | '(');
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn quotes_in_consecutive_comment_lines_are_not_quotes() {
        // Ethorbit/steamcmd-server-docker start.sh: two comment lines, the
        // second with an apostrophe.
        let text = "# Copy files\n# it won't make its way\nfind . -exec sh -c \"cp '$D/'\" \\;\n";
        assert_eq!(unbalanced_quote(text), None);
        assert_eq!(unbalanced_quote("# a\necho 'x\n"), Some('\''));
    }

    fn fit(src: &str, needle: &str) -> ExecFit {
        let at = src.find(needle).expect("needle");
        Script::new(src).exec_before(at)
    }

    #[test]
    fn a_function_called_in_too_many_places_is_not_judged_call_by_call() {
        let calls = |n: usize| {
            let mut s = String::from("g() {\n  app\n}\ncase \"$1\" in\n");
            for i in 0..n {
                let _ = writeln!(s, "  {i}) g;;");
            }
            s + "esac\n"
        };
        assert_eq!(fit(&calls(3), "app"), ExecFit::Safe);
        let many = fit(&calls(MAX_CALL_SITES + 1), "app");
        assert!(
            matches!(&many, ExecFit::Unsafe(why) if why.contains("more than 256 places")),
            "{many:?}"
        );
    }

    #[test]
    fn names_exec_cannot_run() {
        assert_eq!(builtin_kind("command"), Some(NameKind::Builtin));
        assert_eq!(builtin_kind(":"), Some(NameKind::Builtin));
        assert_eq!(builtin_kind("time"), Some(NameKind::Keyword));
        assert_eq!(builtin_kind("node"), None);
        for program in [
            "env",
            "nohup",
            "gosu",
            "su-exec",
            "setpriv",
            "chroot",
            "tini",
            "dumb-init",
            "sleep",
        ] {
            assert_eq!(builtin_kind(program), None, "{program} is a program");
        }
        let s = Script::new("alias x='node a'\nf() { :; }\nx\n");
        assert_eq!(s.kind("x"), Some(NameKind::Alias));
        assert_eq!(s.kind("f"), Some(NameKind::Function));
        assert_eq!(s.kind("/bin/echo"), None);
        assert!(matches!(fit("f() { :; }\nf\n", "f\n"), ExecFit::No(_)));
        assert!(matches!(fit("command node a\n", "command"), ExecFit::No(_)));
    }

    #[test]
    fn only_the_true_end_is_safe() {
        assert_eq!(fit("cd /app\nnode a\nexit $?\n", "node"), ExecFit::Safe);
        assert_eq!(
            fit("if x; then\n node a\nelse\n node b\nfi\n", "node b"),
            ExecFit::Safe
        );
        assert!(matches!(
            fit("if x; then\n node a\nfi\nrm -f /tmp/x\n", "node"),
            ExecFit::Unsafe(_)
        ));
        assert!(matches!(
            fit(
                "r() { node \"$1\"; }\nfor j in a b; do r $j; done\nr c\n",
                "node"
            ),
            ExecFit::Unsafe(_)
        ));
        assert!(matches!(
            fit("r() { node a; }\nr\necho done\n", "node"),
            ExecFit::Unsafe(_)
        ));
        assert_eq!(fit("r() { node a; }\nr \"$@\"\n", "node"), ExecFit::Safe);
        assert!(matches!(
            fit("node a || echo failed\n", "node"),
            ExecFit::Unsafe(_)
        ));
        assert!(matches!(fit("exit 0\nnode a\n", "node"), ExecFit::No(_)));
        assert!(matches!(fit("node a | tee x\n", "node"), ExecFit::No(_)));
        assert!(matches!(fit("(node a)\n", "node"), ExecFit::No(_)));
        assert!(matches!(fit("node a &\n", "node"), ExecFit::No(_)));
        assert!(matches!(
            fit("r() { node a; }\nx=$(r)\n", "node"),
            ExecFit::Unsafe(_)
        ));
        assert!(matches!(
            fit("r() { r; node a; }\nr\n", "node a"),
            ExecFit::Unsafe(_)
        ));
    }

    #[test]
    fn command_words_that_are_not_literal() {
        assert_eq!(expansion("$cmd"), Some(("cmd", None)));
        assert_eq!(expansion("${1:-serve}"), Some(("1", Some("serve"))));
        assert_eq!(expansion("${@}"), Some(("@", None)));
        assert_eq!(expansion("${x#y}"), None);
        assert_eq!(expansion("$cmd.sh"), None);
        assert!(has_literal_slash("$HOME/bin/app"));
        assert!(!has_literal_slash("${X:-/bin/app}"));
        let no = |f: ExecFit| matches!(f, ExecFit::No(why) if why.contains("shell function"));
        assert!(no(fit("s() { :; }\nc=${1:-s}\n\"$c\"\n", "\"$c")));
        assert!(no(fit("s() { :; }\nc=s\nd=$c\n$d\n", "$d\n")));
        assert!(no(fit("s() { :; }\nset -- s\n\"$@\"\n", "\"$@")));
        assert!(matches!(
            fit("echo() { :; }\n${X:-echo}\n", "${X"),
            ExecFit::No(_)
        ));
        // Cycles end.
        assert!(matches!(
            fit("a=$b\nb=${a}\ns() { :; }\n$a\n", "$a\n"),
            ExecFit::Unsafe(_)
        ));
        assert!(matches!(
            fit("s() { :; }\n\"$@\"\n", "\"$@"),
            ExecFit::Unsafe(why) if why.contains("may name a function")
        ));
        assert!(matches!(
            fit(". /env.sh\n\"$@\"\n", "\"$@"),
            ExecFit::Unsafe(why) if why.contains("sources")
        ));
        assert_eq!(fit("s() { :; }\n\"$D/app\"\n", "\"$D"), ExecFit::Safe);
        assert_eq!(fit("cd /\n\"$@\"\n", "\"$@"), ExecFit::Safe);
        assert_eq!(fit("alias a=b\nc=a\n$c\n", "$c\n"), ExecFit::Safe);
    }

    #[test]
    fn a_later_exit_with_its_own_status_makes_exec_unsafe() {
        let unsafe_ = |f: ExecFit| matches!(f, ExecFit::Unsafe(why) if why.contains("exit status"));
        assert!(unsafe_(fit("app\nexit 0\n", "app")));
        assert!(unsafe_(fit("app\nexit $rc\n", "app")));
        assert!(unsafe_(fit("f() { app; }\nf\nexit 3\n", "app")));
        assert!(unsafe_(fit("f() {\n app\n return 1\n}\nf\n", "app")));
        for keeps in ["exit", "exit $?", "exit \"$?\"", "exit ${?}"] {
            assert_eq!(
                fit(&format!("app\n{keeps}\n"), "app"),
                ExecFit::Safe,
                "{keeps}"
            );
        }
        assert_eq!(fit("f() {\n app\n return\n}\nf\n", "app"), ExecFit::Safe);
    }

    #[test]
    fn syntax_errors_and_open_quotes() {
        assert!(syntax_error("node \"server.js").is_some());
        assert!(syntax_error("cd /app && node 'server.js").is_some());
        assert!(syntax_error("if true; then node a").is_some());
        assert_eq!(syntax_error("node 'a b' \"c\\\"d\" # it's\n"), None);
        assert_eq!(syntax_error("echo \"$(date \"+%s\")\"\n"), None);
        assert_eq!(syntax_error("echo it\\'s\n"), None);
        // Offsets inside a character the parser saw replaced do not panic.
        assert!(syntax_error("x {\u{31E9A}'\n").is_some());
        let _ = fit("f() { node {\u{31E9A}; }\nf\necho {\u{31E9A}\n", "node");
    }
}
