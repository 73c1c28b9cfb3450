//! Startup-script analysis with tree-sitter-bash.
//!
//! For a script that runs as (or on behalf of) PID 1, decide what the
//! top-level flow ends with: an `exec` hand-over, a workload run in the
//! foreground as a child, a `wait` for background children, or an `exec` that
//! cannot replace the shell (in a pipeline or subshell). Functions called at
//! the end (`_main "$@"` in docker-library scripts) and `if`/`case` branches
//! are followed. Traps are collected with the signals they name and whether
//! their handler forwards the signal (`kill`) and waits (`wait`).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use tree_sitter::{Node, Parser, Tree};

/// `#!/bin/bash`, `#!/usr/bin/env bash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shebang {
    /// The interpreter program (after `env` when it is `env`).
    pub interpreter: String,
    pub span: Range<usize>,
}

/// A `trap` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap {
    /// Signal names without `SIG`, upper case; numbers translated (15 = TERM).
    pub signals: Vec<String>,
    pub handler: String,
    pub span: Range<usize>,
    /// The handler (or a function it calls) runs `kill` with a catchable signal.
    pub forwards: bool,
    /// The handler (or a function it calls) runs `wait`.
    pub waits: bool,
}

impl Trap {
    /// Does it catch `signal` (`TERM`)?
    #[must_use]
    pub fn catches(&self, signal: &str) -> bool {
        self.signals.iter().any(|s| s == signal)
    }

    /// `trap - TERM` or `trap '' TERM`: reset or ignore, no handler.
    #[must_use]
    pub fn is_reset(&self) -> bool {
        self.handler.is_empty() || self.handler == "-"
    }
}

/// How the script passes on its arguments (CMD, when it is an ENTRYPOINT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ArgsUse {
    /// Never reads `$@`, `$*`, `$1`...
    None,
    /// Only `$*` (joins and re-splits arguments).
    Star,
    /// `$@` unquoted (re-splits arguments).
    Unquoted,
    /// `$1`, `$#`, `shift`...: reads arguments one by one.
    Positional,
    /// `"$@"`.
    Quoted,
}

/// A word of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptWord {
    pub raw: String,
    /// The value when it is a literal (quotes removed), else `None`.
    pub value: Option<String>,
    pub span: Range<usize>,
}

/// A simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    /// The whole statement (redirections included).
    pub span: Range<usize>,
    /// Where the command word starts (after `VAR=x` assignments).
    pub name_start: usize,
    /// Command name and arguments.
    pub words: Vec<ScriptWord>,
}

impl Cmd {
    /// The literal command name, if it is one.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.words.first().and_then(|w| w.value.as_deref())
    }

    /// The words after `exec` and its options (`exec -a name app` → app...).
    #[must_use]
    pub fn exec_target(&self) -> &[ScriptWord] {
        let mut i = 1;
        while let Some(w) = self.words.get(i) {
            match w.value.as_deref() {
                Some("-a") => i += 2,
                Some(v) if v.starts_with('-') && v.len() > 1 => i += 1,
                _ => break,
            }
        }
        self.words.get(i..).unwrap_or(&[])
    }

    /// The argument words as the program will see them: `Some` for each
    /// literal word, `None` where the value is only known at run time.
    #[must_use]
    pub fn values(&self) -> Vec<Option<String>> {
        self.words.iter().map(|w| w.value.clone()).collect()
    }
}

/// What the script's top-level flow ends with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// `exec prog args`: the shell is replaced.
    Exec(Cmd),
    /// The workload runs as a child in the foreground; the shell waits for it
    /// and stays. `last` is true when nothing runs after it (an `exec` can be
    /// inserted without changing what runs).
    Foreground { cmd: Cmd, last: bool },
    /// A compound or pipeline workload in the foreground (no `exec` fits).
    ForegroundCompound {
        span: Range<usize>,
        what: &'static str,
    },
    /// `wait` (or a loop that waits) for children started with `&`.
    /// `forward` is where a forwarding trap can be added, when the script's
    /// shape allows it (see [`WaitForward`]).
    Wait {
        span: Range<usize>,
        forward: Option<WaitForward>,
    },
    /// `exec` where it cannot replace the shell.
    ExecLost {
        span: Range<usize>,
        why: &'static str,
    },
    /// The flow branches (`if`, `case`): each branch's ending.
    Branches(Vec<Ending>),
    /// A command dsig cannot judge: a function from a sourced file.
    Opaque { span: Range<usize>, why: String },
    /// Nothing that runs a long-lived program (only one-shot tools, or
    /// nothing at all): the script finishes by itself.
    Nothing,
}

impl Ending {
    /// Where a leaf ending starts (none for branches and for nothing).
    #[must_use]
    pub fn start(&self) -> Option<usize> {
        match self {
            Ending::Exec(cmd) | Ending::Foreground { cmd, .. } => Some(cmd.span.start),
            Ending::ForegroundCompound { span, .. }
            | Ending::Wait { span, .. }
            | Ending::ExecLost { span, .. }
            | Ending::Opaque { span, .. } => Some(span.start),
            Ending::Branches(_) | Ending::Nothing => None,
        }
    }

    /// Every leaf ending (branches flattened).
    #[must_use]
    pub fn leaves(&self) -> Vec<&Ending> {
        match self {
            Ending::Branches(v) => v.iter().flat_map(|e| e.leaves()).collect(),
            e => vec![e],
        }
    }
}

/// Where a TERM trap that forwards to the background children can be added:
/// the `wait` is a bare `wait` statement and every `cmd &` of the script is a
/// simple command in the same block (so `$!` after each `&` is the program).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitForward {
    /// Byte offsets just after each background `&`.
    pub amp_ends: Vec<usize>,
    /// Byte offset of the `wait` command.
    pub wait_start: usize,
}

/// What dsig reads of a script besides its run (see [`crate::shell::flow`]).
#[derive(Debug, Clone)]
pub struct ScriptAnalysis {
    pub shebang: Option<Shebang>,
    /// Lines end in `\r\n`.
    pub crlf: bool,
    /// tree-sitter reported syntax errors (analysis went on).
    pub has_errors: bool,
    pub args: ArgsUse,
    /// The script was not parsed at all: too large, or over the parse budget
    /// (see [`parse_counted`]).
    pub unparsed: Option<Unparsed>,
}

/// Commands that are not the workload when they come after it.
fn is_chore(name: &str) -> bool {
    crate::shell::is_trailing_chore(name)
        || crate::shell::is_setup_builtin(name)
        || matches!(name, "." | "source")
}

/// Tools that finish by themselves: a script that ends with one is not
/// keeping a workload alive.
#[must_use]
pub fn is_one_shot(name: &str) -> bool {
    let base = crate::shell::base_name(name);
    matches!(
        base,
        "sed"
            | "grep"
            | "egrep"
            | "awk"
            | "cut"
            | "tr"
            | "sort"
            | "head"
            | "cp"
            | "mv"
            | "rm"
            | "mkdir"
            | "chmod"
            | "chown"
            | "ln"
            | "touch"
            | "find"
            | "curl"
            | "wget"
            | "envsubst"
            | "test"
            | "["
            | "apt-get"
            | "apk"
            | "dnf"
            | "yum"
            | "pip"
            | "tar"
            | "gzip"
            | "install"
            | "useradd"
            | "adduser"
            | "groupadd"
            | "id"
            | "whoami"
            | "ls"
            | "stat"
            | "date"
            | "docker"
            | "cat"
            | "tee"
            | "sleep 0"
    )
}

/// How deep dsig follows the flow of a script: `if`, `case`, `{ }`, loops
/// and calls of the script's own functions, nested. Deeper, the flow is
/// "too complex to analyse" (an [`Ending::Opaque`]), never a stack overflow.
pub const MAX_NESTING: usize = 48;

/// How many different endings dsig keeps for one script: past that the
/// flow is "too complex to analyse". Each function's ending is computed once
/// and the endings of branches are merged (the same command reached through
/// many paths is one ending), so a script has at most as many endings as
/// statements; this bounds the copies a hostile script could ask for.
pub const MAX_LEAVES: usize = 256;

/// The most background commands a forwarding trap is offered for: each
/// `&` is an edit (100,000 of them made a fix of 19 MB, twice in the JSON
/// output, and 1.2 GB of memory).
pub const MAX_FORWARDED: usize = 64;

/// The word nodes of a command node, name first (after its assignments,
/// without redirections): each with the node its value is read from (the
/// name's inner word).
pub(crate) fn command_word_nodes(n: Node) -> Vec<(Node, Node)> {
    let mut words = Vec::new();
    let mut c = n.walk();
    let mut seen_name = false;
    for k in n.named_children(&mut c) {
        match k.kind() {
            "command_name" if k.start_byte() != k.end_byte() => {
                seen_name = true;
                words.push((k, k.named_child(0).unwrap_or(k)));
            }
            "file_redirect" | "heredoc_redirect" | "herestring_redirect" | "comment" => {}
            _ if seen_name => words.push((k, k)),
            _ => {}
        }
    }
    words
}

/// The statements of a block, each with whether `&` follows it.
pub(crate) fn statements(n: Node) -> Vec<(Node, bool)> {
    let mut out: Vec<(Node, bool)> = Vec::new();
    let mut c = n.walk();
    for k in n.children(&mut c) {
        if k.kind() == "&" {
            if let Some(last) = out.last_mut() {
                last.1 = true;
            }
            continue;
        }
        if k.is_named() && k.kind() != "comment" {
            out.push((k, false));
        }
    }
    out
}

/// Visit `n` and its descendants in document order without recursion (a
/// script may nest thousands of `$(`): `f` returns whether to go into a
/// node's children.
pub(crate) fn preorder<'t>(n: Node<'t>, mut f: impl FnMut(Node<'t>) -> bool) {
    let mut c = n.walk();
    let mut descend = f(c.node());
    // Counted here: the cursor's own depth() walks its whole stack.
    let mut depth = 0usize;
    loop {
        if descend && c.goto_first_child() {
            depth += 1;
            descend = f(c.node());
            continue;
        }
        loop {
            if depth == 0 {
                return;
            }
            if c.goto_next_sibling() {
                descend = f(c.node());
                break;
            }
            c.goto_parent();
            depth -= 1;
        }
    }
}

fn parser() -> Parser {
    let mut p = Parser::new();
    // The grammar is compiled in; setting it cannot fail for a matching ABI.
    p.set_language(&tree_sitter_bash::LANGUAGE.into())
        .expect("tree-sitter-bash grammar");
    p
}

/// The largest script dsig analyses, in bytes: a larger one is "too large
/// to analyse" (SIG017) without being parsed. Real startup scripts are far
/// smaller (21 KB for the largest entrypoint of the test corpus), while a
/// hostile one of a few MB cost seconds and GBs to parse and walk.
pub const MAX_SCRIPT_BYTES: usize = 256 * 1024;

/// The parse budget, in tree-sitter progress reports (one every 100 parser
/// operations, so the count is the same on every machine): this many, plus
/// [`PARSE_BUDGET_PER_BYTE`] per byte of source. Some inputs make
/// tree-sitter-bash quadratic (thousands of `<<E` or `x=(` on one line:
/// minutes for a few hundred KB); past the budget the parse is cancelled and
/// the source is "too complex to analyse". The real scripts of the test
/// corpus need at most about 0.1 report per byte.
pub const PARSE_BUDGET_BASE: u64 = 2_000;
/// See [`PARSE_BUDGET_BASE`].
pub const PARSE_BUDGET_PER_BYTE: u64 = 2;
/// The lexer reads the source in chunks of this many bytes, each read one
/// unit of the parse budget.
const PARSE_CHUNK: usize = 64;
/// What a progress report (100 parser operations) costs of the budget.
const PARSE_COST_PROGRESS: u64 = 1;

/// Why shell source was not parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unparsed {
    /// Over [`MAX_SCRIPT_BYTES`]: not even tried.
    TooLarge,
    /// The parse went over its budget (see [`PARSE_BUDGET_BASE`]).
    TooComplex,
}

impl Unparsed {
    /// Why, for a message: "... is too large to analyse: {why}".
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Unparsed::TooLarge => format!(
                "it is larger than {} KiB, more than dsig analyses",
                MAX_SCRIPT_BYTES / 1024
            ),
            Unparsed::TooComplex => {
                "its syntax takes the shell parser too long to read (thousands of here-documents, arrays or similar on a line)".into()
            }
        }
    }

    /// "too large" or "too complex".
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Unparsed::TooLarge => "too large to analyse",
            Unparsed::TooComplex => "too complex to analyse",
        }
    }
}

/// The parse budget for `len` bytes (see [`PARSE_BUDGET_BASE`]).
#[must_use]
pub fn parse_budget(len: usize) -> u64 {
    PARSE_BUDGET_BASE.saturating_add(PARSE_BUDGET_PER_BYTE.saturating_mul(len as u64))
}

/// Parse shell source within [`MAX_SCRIPT_BYTES`] and the parse budget;
/// also returns the progress reports used. tree-sitter recovers from syntax
/// errors: only the limits make this fail.
pub fn parse_counted(text: &str) -> (Result<Tree, Unparsed>, u64) {
    if text.len() > MAX_SCRIPT_BYTES {
        return (Err(Unparsed::TooLarge), 0);
    }
    let src = scanner_safe(text);
    let bytes = src.as_bytes();
    let budget = parse_budget(bytes.len());
    // Both counters share the budget: the lexer's reads, in chunks, and the
    // parser's progress reports.
    let used = std::cell::Cell::new(0u64);
    let spend = |n: u64| {
        used.set(used.get().saturating_add(n));
        used.get() > budget
    };
    let mut progress = |_: &tree_sitter::ParseState| spend(PARSE_COST_PROGRESS);
    let mut read = |i: usize, _| {
        // Past the budget the text ends here: the parse stops soon after
        // (and the progress report cancels it).
        if spend(1) {
            return &[][..];
        }
        let end = bytes.len().min(i.saturating_add(PARSE_CHUNK));
        bytes.get(i..end).unwrap_or_default()
    };
    let tree = parser().parse_with_options(
        &mut read,
        None,
        Some(tree_sitter::ParseOptions::new().progress_callback(&mut progress)),
    );
    let result = match tree {
        Some(t) if used.get() <= budget => Ok(t),
        _ => Err(Unparsed::TooComplex),
    };
    (result, used.get())
}

/// Parse shell source within the limits (see [`parse_counted`]).
///
/// # Errors
/// Why the text was not parsed: too large, or over the work budget.
pub fn parse_checked(text: &str) -> Result<Tree, Unparsed> {
    // The same string is parsed by several rules: one that went over the
    // budget is remembered (by hash and length), so that it costs the
    // budget once, not once per rule.
    thread_local! {
        static FAILED: RefCell<Vec<(u64, usize, Unparsed)>> = const { RefCell::new(Vec::new()) };
    }
    if text.len() > MAX_SCRIPT_BYTES {
        return Err(Unparsed::TooLarge);
    }
    let key = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        h.finish()
    };
    let known = FAILED.with(|f| {
        f.borrow()
            .iter()
            .find(|(k, len, _)| *k == key && *len == text.len())
            .map(|e| e.2)
    });
    if let Some(why) = known {
        return Err(why);
    }
    let result = parse_counted(text).0;
    if let Err(why) = result {
        FAILED.with(|f| {
            let mut f = f.borrow_mut();
            if f.len() >= 16 {
                f.remove(0);
            }
            f.push((key, text.len(), why));
        });
    }
    result
}

/// Parse shell source; `None` past the limits (see [`parse_counted`]).
#[must_use]
pub fn parse(text: &str) -> Option<Tree> {
    parse_checked(text).ok()
}

/// tree-sitter-bash 0.25's external scanner calls C `isdigit` on the
/// character after `{`, `.` or a digit (brace ranges `{1..3}`); above U+00FF
/// that reads outside the C library's table: undefined behaviour, a segfault
/// for some characters (found by the property tests: `echo {\u{31E9A}`).
/// For the parser only, such a character becomes as many `_` bytes: offsets
/// stay the same and it is still part of a word.
fn scanner_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut prev = ' ';
    for (i, c) in text.char_indices() {
        let risky = c > '\u{ff}' && matches!(prev, '{' | '.' | '0'..='9');
        prev = c;
        if risky && out.is_none() {
            out = Some(text[..i].to_string());
        }
        if let Some(s) = &mut out {
            if risky {
                s.extend(std::iter::repeat_n('_', c.len_utf8()));
            } else {
                s.push(c);
            }
        }
    }
    out.map_or(std::borrow::Cow::Borrowed(text), std::borrow::Cow::Owned)
}

struct Walker<'a> {
    src: &'a str,
    functions: HashMap<String, Node<'a>>,
    /// The script sources other files (`.` or `source`): names it does not
    /// define may be functions from there.
    sources: bool,
    /// Each function's ending and the background commands on its way,
    /// computed at its first call (by the function's node id): a function
    /// called from many places is analysed once, not once per path.
    summaries: RefCell<HashMap<usize, (Ending, Background)>>,
    /// Functions being analysed now: a call of one is recursion.
    active: RefCell<HashSet<usize>>,
    /// The first place where the analysis gave up.
    too_complex: RefCell<Option<(Range<usize>, String)>>,
    /// See [`Walker::amps`].
    amps: std::cell::Cell<Option<usize>>,
}

/// The source text of a node (empty when its span is not in `src`).
#[must_use]
pub fn text_of<'a>(src: &'a str, n: Node) -> &'a str {
    src.get(n.start_byte()..n.end_byte()).unwrap_or("")
}

/// A literal word's value, quotes removed; `None` when it expands.
fn literal(src: &str, n: Node) -> Option<String> {
    let t = text_of(src, n);
    match n.kind() {
        "word" | "number" => {
            if t.contains(['*', '?', '[', '$', '`']) {
                return None;
            }
            let mut out = String::new();
            let mut it = t.chars();
            while let Some(c) = it.next() {
                if c == '\\' {
                    if let Some(d) = it.next() {
                        out.push(d);
                    }
                } else {
                    out.push(c);
                }
            }
            Some(out)
        }
        "raw_string" => Some(
            t.trim_start_matches('\'')
                .trim_end_matches('\'')
                .to_string(),
        ),
        "string" => {
            let mut c = n.walk();
            if n.named_children(&mut c)
                .any(|k| k.kind() != "string_content")
            {
                return None;
            }
            // An unterminated string (a syntax error) has no closing quote,
            // and may end inside a multi-byte character.
            let inner = t.strip_prefix('"').unwrap_or(t);
            let inner = inner.strip_suffix('"').unwrap_or(inner);
            Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"))
        }
        "concatenation" => {
            let mut c = n.walk();
            let parts: Option<Vec<String>> =
                n.named_children(&mut c).map(|k| literal(src, k)).collect();
            parts.map(|p| p.concat())
        }
        _ => None,
    }
}

impl<'a> Walker<'a> {
    fn new(src: &'a str, functions: HashMap<String, Node<'a>>) -> Walker<'a> {
        Walker {
            src,
            functions,
            sources: false,
            summaries: RefCell::default(),
            active: RefCell::default(),
            too_complex: RefCell::default(),
            amps: std::cell::Cell::default(),
        }
    }

    /// A command that tree-sitter's error recovery made up or cut short: it
    /// holds an ERROR, a missing or an empty node, it is inside an ERROR or
    /// right after one, or it starts inside a word.
    fn recovered(&self, n: Node<'a>) -> bool {
        fn empty_inside(n: Node) -> bool {
            let mut found = false;
            preorder(n, |k| {
                if k != n && k.is_named() && k.start_byte() == k.end_byte() {
                    found = true;
                }
                !found
            });
            found
        }
        let mut up = n.parent();
        while let Some(p) = up {
            if p.is_error() {
                return true;
            }
            up = p.parent();
        }
        let after_error = n
            .prev_sibling()
            .is_some_and(|p| p.is_error() && p.end_byte() == n.start_byte());
        n.has_error() || after_error || self.glued(n.start_byte()) || empty_inside(n)
    }

    /// Whether the text just before `at` continues a word: a command starts
    /// after a blank, an operator, `(`, `` ` `` or a case pattern's `)`
    /// (`{`, `}` and `!` are words unless a blank follows; `\r` is no blank).
    fn glued(&self, at: usize) -> bool {
        at > 0
            && !matches!(
                self.src.as_bytes()[at - 1],
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'`'
            )
    }

    fn cmd(&self, n: Node<'a>) -> Cmd {
        let span = n.start_byte()..n.end_byte();
        let words: Vec<ScriptWord> = command_word_nodes(n)
            .into_iter()
            .map(|(k, inner)| ScriptWord {
                raw: text_of(self.src, k).to_string(),
                value: literal(self.src, inner),
                span: k.start_byte()..k.end_byte(),
            })
            .collect();
        Cmd {
            name_start: words.first().map_or(span.start, |w| w.span.start),
            span,
            words,
        }
    }

    /// Statements between `then`/`do`/`else` keywords of an if/elif/else.
    fn branch_bodies(&self, n: Node<'a>) -> Vec<Vec<(Node<'a>, bool)>> {
        let mut bodies = Vec::new();
        let mut cur: Vec<(Node<'a>, bool)> = Vec::new();
        let mut in_body = false;
        let mut has_else = false;
        let mut c = n.walk();
        for k in n.children(&mut c) {
            match k.kind() {
                "then" => in_body = true,
                "elif_clause" | "else_clause" => {
                    if k.kind() == "else_clause" {
                        has_else = true;
                    }
                    if in_body {
                        bodies.push(std::mem::take(&mut cur));
                    }
                    in_body = false;
                    bodies.extend(self.branch_bodies_of_clause(k));
                }
                "fi" => {
                    if in_body {
                        bodies.push(std::mem::take(&mut cur));
                    }
                    in_body = false;
                }
                "&" if in_body => {
                    if let Some(l) = cur.last_mut() {
                        l.1 = true;
                    }
                }
                _ if in_body && k.is_named() && k.kind() != "comment" => cur.push((k, false)),
                _ => {}
            }
        }
        if in_body {
            bodies.push(cur);
        }
        if !has_else {
            // Without else the flow may fall through: an empty branch.
            bodies.push(Vec::new());
        }
        bodies
    }

    fn branch_bodies_of_clause(&self, n: Node<'a>) -> Vec<Vec<(Node<'a>, bool)>> {
        if n.kind() == "else_clause" {
            return vec![statements(n)];
        }
        let mut cur = Vec::new();
        let mut in_body = false;
        let mut c = n.walk();
        for k in n.children(&mut c) {
            match k.kind() {
                "then" => in_body = true,
                "&" if in_body => {
                    if let Some(l) = cur.last_mut() {
                        let l: &mut (Node<'a>, bool) = l;
                        l.1 = true;
                    }
                }
                _ if in_body && k.is_named() && k.kind() != "comment" => cur.push((k, false)),
                _ => {}
            }
        }
        vec![cur]
    }

    /// The number of `&` in the script (counted once: each `wait` asked).
    fn amps(&self, root: Node<'a>) -> usize {
        if let Some(n) = self.amps.get() {
            return n;
        }
        let mut amps = 0;
        preorder(root, |k| {
            amps += usize::from(k.kind() == "&");
            true
        });
        self.amps.set(Some(amps));
        amps
    }

    /// Whether `n` holds a command named `name`.
    fn contains_command(&self, n: Node<'a>, name: &str) -> bool {
        let mut found = false;
        preorder(n, |k| {
            if k.kind() == "command" && self.name_of(k).as_deref() == Some(name) {
                found = true;
            }
            !found
        });
        found
    }

    /// [`Cmd::name`] of a command node, without building its words (a word
    /// may hold the text of thousands of nested commands).
    fn name_of(&self, n: Node<'a>) -> Option<String> {
        let mut c = n.walk();
        let name = n
            .named_children(&mut c)
            .find(|k| k.kind() == "command_name" && k.start_byte() != k.end_byte())?;
        literal(self.src, name.named_child(0).unwrap_or(name))
    }

    /// An [`Ending::Opaque`] where the analysis gives up on `span`, noted
    /// once for the whole script.
    fn give_up(&self, span: Range<usize>, why: String) -> Ending {
        let mut first = self.too_complex.borrow_mut();
        if first.is_none() {
            *first = Some((span.clone(), why.clone()));
        }
        Ending::Opaque {
            span,
            why: format!("too complex to analyse: {why}"),
        }
    }

    /// The ending of a block of statements; collects background commands.
    fn ending(&self, stmts: &[(Node<'a>, bool)], depth: usize, bg: &mut Background) -> Ending {
        if depth > MAX_NESTING {
            let Some((first, _)) = stmts.first() else {
                return Ending::Nothing;
            };
            let span = first.start_byte()..stmts[stmts.len() - 1].0.end_byte();
            return self.give_up(
                span,
                format!("blocks, branches and function calls nest more than {MAX_NESTING} deep"),
            );
        }
        // Background commands anywhere in this block run before the end.
        for (n, amp) in stmts {
            if *amp {
                self.collect_background(*n, bg);
            }
        }
        let mut only_exit_after = true;
        for (i, (n, amp)) in stmts.iter().enumerate().rev() {
            if *amp {
                continue;
            }
            let last = only_exit_after;
            match self.ending_of(*n, depth, bg, last, &stmts[..i]) {
                Some(Ending::Wait { span, .. }) => {
                    let forward = self.wait_forward(*n, stmts, bg);
                    return Ending::Wait { span, forward };
                }
                Some(e) => return e,
                None => {
                    // Skipped: a chore. Anything but `exit` makes insertion unsafe.
                    let is_exit =
                        n.kind() == "command" && self.name_of(*n).as_deref() == Some("exit");
                    if !is_exit {
                        only_exit_after = false;
                    }
                }
            }
        }
        Ending::Nothing
    }

    /// A bare `wait` whose block holds every background command of the
    /// script, each a simple command: where a forwarding trap fits.
    fn wait_forward(
        &self,
        wait: Node<'a>,
        stmts: &[(Node<'a>, bool)],
        bg: &Background,
    ) -> Option<WaitForward> {
        if wait.kind() != "command" || wait.named_child_count() != 1 {
            return None; // `wait $pid` or `wait -n`: the script chose what to wait for
        }
        let parent = wait.parent()?;
        let mut amp_ends = Vec::new();
        let mut c = parent.walk();
        let mut prev: Option<Node<'a>> = None;
        for k in parent.children(&mut c) {
            if k.kind() == "&" {
                let stmt = prev?;
                let simple = match stmt.kind() {
                    "command" => true,
                    "redirected_statement" => stmt
                        .child_by_field_name("body")
                        .is_some_and(|b| b.kind() == "command"),
                    _ => false,
                };
                if !simple || k.start_byte() > wait.start_byte() {
                    return None;
                }
                amp_ends.push(k.end_byte());
            } else if k.is_named() && k.kind() != "comment" {
                prev = Some(k);
            }
        }
        let here = stmts.iter().filter(|(_, amp)| *amp).count();
        if amp_ends.is_empty() || amp_ends.len() != here || bg.len() != here {
            return None;
        }
        if amp_ends.len() > MAX_FORWARDED {
            return None; // not a fix to write into a script (one edit per `&`)
        }
        // No `&` anywhere else in the script (a function, a branch).
        let mut root = parent;
        while let Some(p) = root.parent() {
            root = p;
        }
        if self.amps(root) != amp_ends.len() {
            return None;
        }
        Some(WaitForward {
            amp_ends,
            wait_start: wait.start_byte(),
        })
    }

    fn collect_background(&self, n: Node<'a>, bg: &mut Background) {
        self.collect_background_in(n, bg, 0);
    }

    fn collect_background_in(&self, n: Node<'a>, bg: &mut Background, depth: usize) {
        match n.kind() {
            "command" => push_new(bg, self.cmd(n)),
            // Deeper than the flow is followed: the nested part is not read.
            _ if depth > MAX_NESTING => {}
            "redirected_statement" | "list" | "pipeline" | "subshell" | "compound_statement" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in kids {
                    if k.kind() == "command" {
                        push_new(bg, self.cmd(k));
                        break;
                    }
                    self.collect_background_in(k, bg, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// The ending of a call of function `f` at `span`: its summary, computed
    /// once (later calls reuse it, and add the background commands on its
    /// way). A call of a function that is running (recursion) or deeper than
    /// [`MAX_NESTING`] is not followed.
    fn call_ending(
        &self,
        f: &str,
        span: Range<usize>,
        depth: usize,
        bg: &mut Background,
    ) -> Ending {
        let body = self.functions[f];
        let id = body.id();
        if let Some((e, more)) = self.summaries.borrow().get(&id) {
            for c in &more.cmds {
                push_new(bg, c.clone());
            }
            return e.clone();
        }
        if self.active.borrow().contains(&id) {
            return Ending::Opaque {
                span,
                why: format!("`{f}` calls itself (recursion)"),
            };
        }
        if depth >= MAX_NESTING {
            return self.give_up(
                span,
                format!("function calls nest more than {MAX_NESTING} deep at `{f}`"),
            );
        }
        self.active.borrow_mut().insert(id);
        let stmts = self.function_statements(body);
        let mut own = Background::default();
        let e = self.ending(&stmts, depth + 1, &mut own);
        self.active.borrow_mut().remove(&id);
        for c in &own.cmds {
            push_new(bg, c.clone());
        }
        self.summaries.borrow_mut().insert(id, (e.clone(), own));
        e
    }

    /// The endings of the branches of `span`, merged as each is computed:
    /// nested branches flattened and each ending kept once (a command
    /// reached through many paths is one ending). Past [`MAX_LEAVES`], too
    /// complex to analyse (the branches after are not read). `None` when no
    /// branch runs anything.
    fn branches(
        &self,
        endings: impl Iterator<Item = Ending>,
        span: Range<usize>,
    ) -> Option<Ending> {
        let mut out: Vec<Ending> = Vec::new();
        let mut seen = HashSet::new();
        let mut all_nothing = true;
        for e in endings {
            all_nothing &= e == Ending::Nothing;
            let mut stack = vec![e];
            while let Some(e) = stack.pop() {
                match e {
                    Ending::Branches(v) => stack.extend(v.into_iter().rev()),
                    e => {
                        if seen.insert(leaf_key(&e)) {
                            out.push(e);
                        }
                    }
                }
            }
            if out.len() > MAX_LEAVES {
                out.truncate(MAX_LEAVES);
                out.push(self.give_up(
                    span,
                    format!("the flow can end in more than {MAX_LEAVES} ways"),
                ));
                return Some(Ending::Branches(out));
            }
        }
        (!all_nothing).then_some(Ending::Branches(out))
    }

    /// `None` when the statement is not where the flow ends (a chore).
    fn ending_of(
        &self,
        n: Node<'a>,
        depth: usize,
        bg: &mut Background,
        last: bool,
        before: &[(Node<'a>, bool)],
    ) -> Option<Ending> {
        let span = n.start_byte()..n.end_byte();
        match n.kind() {
            // Error recovery can start a command inside a word (`a &&)b${#}`
            // gives the command `${#}`), after an ERROR (`X=1 a: $0` gives
            // `$0`) or misread it (`exec $\` at the end of the text gives
            // `exec` and `$` with an empty variable name): not a command the
            // shell runs as written.
            "command" if self.recovered(n) => None,
            "command" => {
                let cmd = self.cmd(n);
                let name = cmd.name().map(str::to_string);
                match name.as_deref() {
                    Some("exec") => {
                        if cmd.exec_target().is_empty() {
                            None // `exec >log 2>&1`: a redirect, not a hand-over
                        } else {
                            Some(Ending::Exec(cmd))
                        }
                    }
                    Some("wait") => Some(Ending::Wait {
                        span,
                        forward: None,
                    }),
                    Some(f) if self.functions.contains_key(f) => {
                        match self.call_ending(f, span, depth, bg) {
                            Ending::Nothing => None,
                            e => Some(e),
                        }
                    }
                    Some(c) if is_chore(c) || is_one_shot(c) => None,
                    None if cmd.words.is_empty() => None, // assignments only
                    Some(f) if self.sources && !f.contains('/') && f.contains('_') => {
                        Some(Ending::Opaque {
                            span,
                            why: format!("`{f}` may be a function from a sourced file"),
                        })
                    }
                    _ => {
                        let _ = before;
                        Some(Ending::Foreground { cmd, last })
                    }
                }
            }
            "variable_assignment"
            | "declaration_command"
            | "function_definition"
            | "test_command" => None,
            "redirected_statement" => {
                let body = n.child_by_field_name("body").or_else(|| n.named_child(0))?;
                if body.kind() == "command" {
                    let mut e = self.ending_of(body, depth, bg, last, before)?;
                    // Keep the whole statement (with redirections) as the span.
                    if let Ending::Foreground { cmd, .. } | Ending::Exec(cmd) = &mut e {
                        cmd.span = span;
                    }
                    return Some(e);
                }
                self.ending_of(body, depth, bg, last, before)
            }
            "list" => {
                // `a && b`, `a || b`: the flow ends with the right-hand side.
                let mut c = n.walk();
                let kids: Vec<Node> = n
                    .named_children(&mut c)
                    .filter(|k| k.kind() != "comment")
                    .collect();
                let right = *kids.last()?;
                self.ending_of(right, depth, bg, last, before)
            }
            "pipeline" => {
                if self.contains_command(n, "exec") {
                    Some(Ending::ExecLost {
                        span,
                        why: "exec in a pipeline runs in a subshell",
                    })
                } else if self.pipeline_is_one_shot(n, depth) {
                    None // `find ... | while read`, `docker logs | grep`: finishes by itself
                } else {
                    Some(Ending::ForegroundCompound {
                        span,
                        what: "a pipeline",
                    })
                }
            }
            "subshell" => {
                if self.contains_command(n, "exec") {
                    Some(Ending::ExecLost {
                        span,
                        why: "exec in a subshell replaces the subshell, not PID 1",
                    })
                } else {
                    Some(Ending::ForegroundCompound {
                        span,
                        what: "a subshell",
                    })
                }
            }
            "command_substitution" => Some(Ending::ExecLost {
                span,
                why: "exec in a command substitution runs in a subshell",
            }),
            "if_statement" => {
                let bodies = self.branch_bodies(n);
                let endings = bodies.iter().map(|b| self.ending(b, depth + 1, bg));
                self.branches(endings, span)
            }
            "case_statement" => {
                let mut c = n.walk();
                let items: Vec<Node> = n
                    .named_children(&mut c)
                    .filter(|k| k.kind() == "case_item")
                    .collect();
                let endings = items.iter().map(|item| {
                    let stmts: Vec<(Node, bool)> = statements(*item)
                        .into_iter()
                        .filter(|(k, _)| {
                            k.start_byte()
                                > item
                                    .child_by_field_name("value")
                                    .map_or(0, |v| v.end_byte())
                        })
                        .collect();
                    self.ending(&stmts, depth + 1, bg)
                });
                self.branches(endings, span)
            }
            "while_statement" | "for_statement" | "c_style_for_statement" => {
                if self.contains_command(n, "wait") {
                    // Background commands inside the loop body count too.
                    if let Some(body) = n.child_by_field_name("body") {
                        for (k, amp) in statements(body) {
                            if amp {
                                self.collect_background(k, bg);
                            }
                        }
                    }
                    Some(Ending::Wait {
                        span,
                        forward: None,
                    })
                } else {
                    Some(Ending::ForegroundCompound {
                        span,
                        what: "a loop",
                    })
                }
            }
            "compound_statement" => {
                let stmts = statements(n);
                match self.ending(&stmts, depth + 1, bg) {
                    Ending::Nothing => None,
                    e => Some(e),
                }
            }
            "negated_command" => Some(Ending::ForegroundCompound {
                span,
                what: "a negated command",
            }),
            _ => None,
        }
    }

    /// A pipeline whose first command is a one-shot tool (or a function the
    /// script may have sourced) finishes by itself.
    fn pipeline_is_one_shot(&self, n: Node<'a>, depth: usize) -> bool {
        let mut c = n.walk();
        let Some(first) = n.named_children(&mut c).find(|k| k.kind() != "comment") else {
            return false;
        };
        let first = if first.kind() == "redirected_statement" {
            first.named_child(0).unwrap_or(first)
        } else {
            first
        };
        if first.kind() != "command" {
            return false;
        }
        let cmd = self.cmd(first);
        match cmd.name() {
            Some(name) => {
                is_one_shot(name)
                    || is_chore(name)
                    || matches!(name, "printf" | "echo" | "jq" | "xargs")
                    || (self.sources
                        && !name.contains('/')
                        && !self.functions.contains_key(name)
                        && name.starts_with('_'))
                    || (self.functions.contains_key(name) && {
                        let mut bg = Background::default();
                        self.call_ending(name, cmd.span.clone(), depth, &mut bg) == Ending::Nothing
                    })
            }
            None => false,
        }
    }

    fn function_statements(&self, f: Node<'a>) -> Vec<(Node<'a>, bool)> {
        match f.child_by_field_name("body") {
            Some(b) if b.kind() == "compound_statement" => statements(b),
            Some(b) => vec![(b, false)],
            None => Vec::new(),
        }
    }

    fn args_use(&self, root: Node<'a>, best: &mut ArgsUse) {
        // An explicit stack: scripts may nest deeply.
        let mut stack = vec![(root, false)];
        while let Some((n, in_string)) = stack.pop() {
            self.args_use_of(n, in_string, best);
            let mut c = n.walk();
            let kids: Vec<Node> = n.named_children(&mut c).collect();
            for k in kids.into_iter().rev() {
                stack.push((k, in_string || n.kind() == "string"));
            }
        }
    }

    fn args_use_of(&self, n: Node<'a>, in_string: bool, best: &mut ArgsUse) {
        let t = text_of(self.src, n);
        match n.kind() {
            "simple_expansion" | "expansion" => {
                let u = match t {
                    "$@" | "${@}" => Some(if in_string {
                        ArgsUse::Quoted
                    } else {
                        ArgsUse::Unquoted
                    }),
                    "$*" | "${*}" => Some(ArgsUse::Star),
                    _ if t.starts_with("${@") => Some(if in_string {
                        ArgsUse::Quoted
                    } else {
                        ArgsUse::Unquoted
                    }),
                    _ if t.len() >= 2
                        && t.as_bytes()[1].is_ascii_digit()
                        && t.as_bytes()[1] != b'0' =>
                    {
                        Some(ArgsUse::Positional)
                    }
                    _ if t.starts_with("${")
                        && t.as_bytes()
                            .get(2)
                            .is_some_and(|b| b.is_ascii_digit() && *b != b'0') =>
                    {
                        Some(ArgsUse::Positional)
                    }
                    "$#" | "${#}" => Some(ArgsUse::Positional),
                    _ => None,
                };
                if let Some(u) = u {
                    *best = (*best).max(u);
                }
            }
            "command" => {
                if matches!(self.name_of(n).as_deref(), Some("shift" | "getopts")) {
                    *best = (*best).max(ArgsUse::Positional);
                }
            }
            _ => {}
        }
    }
}

fn collect_functions<'a>(src: &str, n: Node<'a>, out: &mut HashMap<String, Node<'a>>) {
    preorder(n, |k| {
        if k.kind() == "function_definition" {
            if let Some(name) = k.child_by_field_name("name") {
                out.insert(text_of(src, name).to_string(), k);
            }
        }
        true
    });
}

/// Background commands in the order they start, each (span) once.
#[derive(Default)]
struct Background {
    cmds: Vec<Cmd>,
    spans: HashSet<(usize, usize)>,
}

impl Background {
    fn len(&self) -> usize {
        self.cmds.len()
    }
}

/// Add `cmd` unless the same command (span) is there already.
fn push_new(v: &mut Background, cmd: Cmd) {
    if v.spans.insert((cmd.span.start, cmd.span.end)) {
        v.cmds.push(cmd);
    }
}

/// What makes two leaf endings the same: their kind, span and whether
/// nothing runs after them.
fn leaf_key(e: &Ending) -> (u8, usize, usize, bool) {
    match e {
        Ending::Exec(c) => (0, c.span.start, c.span.end, false),
        Ending::Foreground { cmd, last } => (1, cmd.span.start, cmd.span.end, *last),
        Ending::ForegroundCompound { span, .. } => (2, span.start, span.end, false),
        Ending::Wait { span, .. } => (3, span.start, span.end, false),
        Ending::ExecLost { span, .. } => (4, span.start, span.end, false),
        Ending::Opaque { span, .. } => (5, span.start, span.end, false),
        Ending::Nothing => (6, 0, 0, false),
        Ending::Branches(_) => (7, 0, 0, false),
    }
}

fn shebang(text: &str) -> Option<Shebang> {
    let first = text.lines().next()?;
    let rest = first.strip_prefix("#!")?;
    let rest = rest.trim_end_matches('\r');
    let mut parts = rest.split_whitespace();
    let prog = parts.next()?;
    let interpreter = if super::base_name(prog) == "env" {
        parts
            .find(|p| !p.starts_with('-') && !p.contains('='))?
            .to_string()
    } else {
        prog.to_string()
    };
    Some(Shebang {
        interpreter,
        span: 0..first.len(),
    })
}

/// Analyse a script.
#[must_use]
pub fn analyze(text: &str) -> ScriptAnalysis {
    match parse_checked(text) {
        Ok(tree) => analyze_parsed(text, Ok(&tree)),
        Err(u) => analyze_parsed(text, Err(u)),
    }
}

/// [`analyze`] with the tree already parsed (the script model's: see
/// [`crate::shell::flow::Flow::tree`]).
#[must_use]
pub fn analyze_parsed(text: &str, tree: Result<&Tree, Unparsed>) -> ScriptAnalysis {
    let crlf = text.contains("\r\n");
    let shebang = shebang(text);
    let tree = match tree {
        Ok(tree) => tree,
        Err(unparsed) => {
            return ScriptAnalysis {
                shebang,
                crlf,
                has_errors: false,
                args: ArgsUse::None,
                unparsed: Some(unparsed),
            };
        }
    };
    let root = tree.root_node();
    let w = Walker::new(text, HashMap::new());
    let mut args = ArgsUse::None;
    w.args_use(root, &mut args);
    ScriptAnalysis {
        shebang,
        crlf,
        has_errors: root.has_error(),
        args,
        unparsed: None,
    }
}

/// The shebang of a script (`#!/usr/bin/env bash` → bash).
#[must_use]
pub fn shebang_of(text: &str) -> Option<Shebang> {
    shebang(text)
}

/// The ending of a `-c` string's compound command read backwards (the
/// lexer-based [`crate::shell::CommandString::handover`] asks it for busybox
/// ash's `if` and `( )`; everything else reads scripts with
/// [`crate::shell::flow`]).
#[must_use]
pub fn compound_ending(text: &str) -> Ending {
    let Ok(tree) = parse_checked(text) else {
        return Ending::Nothing;
    };
    let root = tree.root_node();
    let mut functions = HashMap::new();
    collect_functions(text, root, &mut functions);
    let w = Walker::new(text, functions);
    let stmts = statements(root);
    let mut background = Background::default();
    w.ending(&stmts, 0, &mut background)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ending(s: &str) -> Ending {
        compound_ending(s)
    }

    fn forward(s: &str) -> Option<WaitForward> {
        match ending(s) {
            Ending::Wait { forward, .. } => forward,
            e => panic!("not a wait: {e:?}"),
        }
    }

    #[test]
    fn a_forwarding_trap_fits_only_simple_background_commands_and_a_bare_wait() {
        let text = "#!/bin/sh\na >log 2>&1 &\n  b &\n  wait\n";
        let fw = forward(text).expect("fits");
        let ends: Vec<&str> = fw.amp_ends.iter().map(|&e| &text[..e]).collect();
        assert!(ends[0].ends_with("a >log 2>&1 &"), "{ends:?}");
        assert!(ends[1].ends_with("b &"), "{ends:?}");
        assert_eq!(&text[fw.wait_start..], "wait\n");
        assert!(forward("a & b & wait\n").is_some());
        assert_eq!(
            forward("a && b &\nwait\n"),
            None,
            "a list in the background"
        );
        assert_eq!(
            forward("a | b &\nwait\n"),
            None,
            "a pipeline in the background"
        );
        assert_eq!(
            forward("a &\npid=$!\nwait \"$pid\"\n"),
            None,
            "wait for one PID"
        );
        assert_eq!(
            forward("f() { a & }\nf\nb &\nwait\n"),
            None,
            "a child elsewhere"
        );
        assert_eq!(forward("while true; do a & wait; done\n"), None, "a loop");
        let many = |n: usize| format!("{}wait\n", "a &\n".repeat(n));
        assert!(forward(&many(MAX_FORWARDED)).is_some());
        assert_eq!(forward(&many(MAX_FORWARDED + 1)), None, "too many edits");
    }

    #[test]
    fn seed_v2_runs_the_app_as_a_child() {
        match ending("#!/bin/bash\n/go/src/signal/main\n") {
            Ending::Foreground { cmd, last } => {
                assert!(last);
                assert_eq!(cmd.name(), Some("/go/src/signal/main"));
                assert_eq!(cmd.name_start, 12);
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn exec_forms() {
        assert!(matches!(ending("exec \"$@\"\n"), Ending::Exec(_)));
        assert!(matches!(ending("exec gosu app \"$@\"\n"), Ending::Exec(_)));
        assert!(matches!(
            ending("app\nexec >/dev/null 2>&1\n"),
            Ending::Foreground { .. }
        ));
        assert!(matches!(
            ending("exec app | tee log\n"),
            Ending::ExecLost { .. }
        ));
        assert!(matches!(ending("(exec app)\n"), Ending::ExecLost { .. }));
        assert!(matches!(ending("cd /x && exec app\n"), Ending::Exec(_)));
        assert!(matches!(
            ending("app; exit $?\n"),
            Ending::Foreground { last: true, .. }
        ));
        assert!(matches!(
            ending("app; echo done\n"),
            Ending::Foreground { last: false, .. }
        ));
        assert!(matches!(
            ending("app >log 2>&1\n"),
            Ending::Foreground { last: true, .. }
        ));
    }

    #[test]
    fn functions_and_branches() {
        let s = "_main() {\n  if [ \"$1\" = x ]; then\n    exec gosu u \"$@\"\n  fi\n  exec \"$@\"\n}\n_main \"$@\"\n";
        assert!(matches!(ending(s), Ending::Exec(_)), "{:?}", ending(s));
        let s = "if [ -n \"$X\" ]; then\n  exec a\nelse\n  b\nfi\n";
        match ending(s) {
            Ending::Branches(v) => {
                assert!(matches!(v[0], Ending::Exec(_)));
                assert!(matches!(v[1], Ending::Foreground { .. }));
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn shebangs() {
        assert_eq!(
            analyze("#!/usr/bin/env bash\nx\n")
                .shebang
                .unwrap()
                .interpreter,
            "bash"
        );
        assert_eq!(
            analyze("#!/bin/sh -e\nx\n").shebang.unwrap().interpreter,
            "/bin/sh"
        );
        assert!(analyze("x\n").shebang.is_none());
    }

    /// The budget leaves a margin of 20 or more over what real scripts use
    /// (those of the repository's test data here; the shared corpus of 287
    /// scripts needs at most 0.06 units per byte against 2).
    #[test]
    fn parse_budget_margin_on_real_scripts() {
        fn walk(p: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            if let Ok(rd) = std::fs::read_dir(p) {
                for e in rd.flatten() {
                    walk(&e.path(), out);
                }
            } else if p.extension().is_some_and(|e| e == "sh") {
                out.push(p.to_path_buf());
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"),
            &mut files,
        );
        assert!(files.len() > 10, "no scripts in testdata");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            let (tree, used) = parse_counted(&text);
            assert!(tree.is_ok(), "{}", f.display());
            assert!(
                used * 20 <= parse_budget(text.len()),
                "{}: {used} of {}",
                f.display(),
                parse_budget(text.len())
            );
        }
    }

    #[test]
    fn scripts_over_the_size_limit_are_not_parsed() {
        let at_limit = format!(
            "#!/bin/sh\n{}exec app\n",
            "#\n".repeat((MAX_SCRIPT_BYTES - 19) / 2)
        );
        assert!(at_limit.len() <= MAX_SCRIPT_BYTES);
        assert_eq!(analyze(&at_limit).unparsed, None);
        let over = format!(
            "{at_limit}{}",
            "#".repeat(MAX_SCRIPT_BYTES + 1 - at_limit.len())
        );
        let a = analyze(&over);
        assert_eq!(a.unparsed, Some(Unparsed::TooLarge));
        assert!(a.shebang.is_some(), "the shebang is still read");
        assert!(parse(&over).is_none());
    }

    #[test]
    fn parses_over_budget_are_cancelled() {
        let s = format!("#!/bin/bash\n{}", "x=( ".repeat(30000));
        let (tree, used) = parse_counted(&s);
        assert_eq!(tree.err(), Some(Unparsed::TooComplex));
        // Stopped just past the budget, not at the end of the parse.
        assert!(used <= parse_budget(s.len()) + 100, "{used}");
        assert_eq!(analyze(&s).unparsed, Some(Unparsed::TooComplex));
        // Remembered: the second time costs nothing, with the same answer.
        assert_eq!(parse_checked(&s).err(), Some(Unparsed::TooComplex));
        // A long but ordinary line is within budget.
        let ok = format!("#!/bin/sh\necho {}\nexec app\n", "word ".repeat(40000));
        assert!(parse_checked(&ok).is_ok());
    }

    #[test]
    fn arguments_use() {
        assert_eq!(
            analyze("#!/bin/sh\nexec app \"$@\"\n").args,
            ArgsUse::Quoted
        );
        assert_eq!(analyze("#!/bin/sh\nexec app $@\n").args, ArgsUse::Unquoted);
        assert_eq!(analyze("#!/bin/sh\nexec app $*\n").args, ArgsUse::Star);
        assert_eq!(analyze("#!/bin/sh\nexec app\n").args, ArgsUse::None);
        assert_eq!(
            analyze("#!/bin/sh\nshift\nexec app\n").args,
            ArgsUse::Positional
        );
    }
}
