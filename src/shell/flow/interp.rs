//! The interpreter behind [`super::run`].

use super::expand::{self, expand, expand_one, text, Tri, Vars};
use super::{
    signal_name, End, Env, Flow, How, Job, Lifetime, Loc, Path, Prog, Sourced, Trap, MAX_DEPTH,
    MAX_PATHS, MAX_SOURCED, MAX_STATES, STEPS_BASE, STEPS_PER_BYTE,
};
use crate::shell::facts::facts;
use crate::shell::script::{command_word_nodes, parse_checked, statements, Cmd, ScriptWord};
use crate::shell::ShellKind;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use tree_sitter::{Node, Tree};

/// A parsed file of the run: the script (0), a sourced file, an `eval` text.
struct FileData {
    text: String,
    tree: Tree,
    path: String,
    eval_at: Option<Loc>,
}

/// Where the command that is about to run sits, for the `-c` exec facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Nest {
    in_if: bool,
    in_group: bool,
    after_and: bool,
    after_or: bool,
    in_function: bool,
    in_eval: bool,
    redirected: bool,
    assigned: bool,
    negated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctl {
    Normal,
    Break(u32),
    Continue(u32),
    Return,
    Exit,
}

/// The last program of a path that may be its workload.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cand {
    prog: std::rc::Rc<Prog>,
    how: How,
    traps: std::rc::Rc<Vec<Trap>>,
    jobs: std::rc::Rc<Vec<Job>>,
    conds: Vec<String>,
    after: Vec<Loc>,
    only_exit: bool,
    nest: Nest,
}

/// How deep statements (blocks, branches, subshells, calls) nest before the
/// rest is "too complex" (each level is a few stack frames).
const MAX_NESTING: usize = 48;
/// How many conditions a path carries (the first ones, in run order).
const MAX_CONDS: usize = 6;

/// How many possible last programs one state keeps.
const MAX_CANDIDATES: usize = 512;

/// One abstract state: a path still running.
#[derive(Debug, Clone)]
struct St {
    vars: Vars,
    traps: BTreeMap<String, Trap>,
    jobs: Vec<Job>,
    conds: Vec<String>,
    status: Tri,
    ctl: Ctl,
    /// The programs that may be the path's workload (several where paths
    /// with different last programs were joined).
    fg: Vec<Cand>,
    /// The path's end was emitted (a program that runs until stopped, or a
    /// `wait`): what follows only annotates it.
    done: Option<usize>,
    /// Inside a subshell or a pipeline element.
    child: u32,
    /// Inside a loop that never ends.
    inf_loop: bool,
    /// Inside a loop (its body may run again: a `wait` there waits again).
    in_loop: bool,
    /// A command that may be a function of a file dsig could not read
    /// (`docker_setup_env` after `source /usr/local/bin/lib.sh`): if the
    /// path ends with nothing else to judge, it ends "unknown" there.
    opaque: Option<(Loc, String)>,
    nest: Nest,
}

impl St {
    fn same_shape(&self, o: &St) -> bool {
        self.ctl == o.ctl
            && self.done == o.done
            && self.child == o.child
            && self.inf_loop == o.inf_loop
            && self.in_loop == o.in_loop
            && self.vars.arrays == o.vars.arrays
            && self.nest == o.nest
            && self.traps == o.traps
            && self.jobs.len() == o.jobs.len()
            && self
                .jobs
                .iter()
                .zip(&o.jobs)
                .all(|(a, b)| a.prog.at == b.prog.at)
            && self.fg.len() + o.fg.len() <= MAX_CANDIDATES
    }

    fn join(&mut self, o: &St) {
        if self.opaque.is_none() {
            self.opaque.clone_from(&o.opaque);
        }
        if !o.fg.is_empty() {
            let have: HashSet<(&Loc, How)> = self.fg.iter().map(|x| (&x.prog.at, x.how)).collect();
            let new: Vec<Cand> =
                o.fg.iter()
                    .filter(|c| !have.contains(&(&c.prog.at, c.how)))
                    .cloned()
                    .collect();
            self.fg.extend(new);
        }
        self.vars.join(&o.vars);
        let common = self
            .conds
            .iter()
            .zip(&o.conds)
            .take_while(|(a, b)| a == b)
            .count();
        self.conds.truncate(common);
        if self.status != o.status {
            self.status = Tri::Unknown;
        }
    }
}

struct Interp<'t, 'e> {
    files: &'t [FileData],
    env: &'t Env<'e>,
    sources: HashMap<String, usize>,
    evals: HashMap<(usize, usize), usize>,
    functions: HashMap<String, (usize, Node<'t>)>,
    paths: Vec<Path>,
    /// The `-c` facts of each Foreground path (by index), for the implicit exec.
    nests: Vec<Option<Nest>>,
    steps: usize,
    budget: usize,
    too_complex: Option<(Range<usize>, String)>,
    depth: usize,
    active_files: Vec<usize>,
    calls: Vec<String>,
    script_lifetimes: HashMap<String, Lifetime>,
    /// Scripts of the build context that exit leaving a program running.
    script_daemons: HashSet<String>,
    /// How many scripts have been followed to see whether they finish.
    script_follows: usize,
    /// What was read through [`Env::source`] and [`Env::list`].
    log: &'t std::cell::RefCell<super::Reads>,
    /// Paths by their end and traps (a path reached again is merged).
    index: HashMap<u64, usize>,
    /// The paths emitted (or reached again) during each function call being
    /// run, innermost last: what a call's summary replays.
    emit_log: Vec<Vec<usize>>,
    /// Function calls already run, by function and entry state (without
    /// its conditions): their exit states and the paths they reached.
    summaries: HashMap<u64, Summary>,
    /// Bumped when a function is defined: summaries are per definitions.
    generation: u64,
    /// Statements being run, nested.
    nesting: usize,
    /// A `source` named a file dsig could not read.
    unresolved_source: bool,
    /// Trap handler effects, by handler text.
    handler_fx: HashMap<String, (bool, bool, bool)>,
    /// Programs of unknown lifetime that a path ran before it exec'd,
    /// started or waited for a long-running program: the script expects
    /// them to finish, so no path takes them for the workload.
    superseded: HashSet<Loc>,
}

/// What a function call did, for the next call with the same entry state.
#[derive(Clone)]
struct Summary {
    /// How many conditions the entry state had.
    prefix: usize,
    /// Exit states (their conditions after the entry's).
    out: Vec<St>,
    /// The paths the call reached.
    paths: Vec<usize>,
}

pub(super) fn run(text: &str, env: &Env) -> Flow {
    run_shells(text, env, &[env.shell])
        .pop()
        .unwrap_or_default()
}

/// [`run`] once, judged for each of `shells` (see [`super::run_shells`]).
pub(super) fn run_shells(text: &str, env: &Env, shells: &[Option<ShellKind>]) -> Vec<Flow> {
    let mut flow = Flow::default();
    let tree = match parse_checked(text) {
        Ok(t) => t,
        Err(u) => {
            flow.unparsed = Some(u);
            flow.paths.push(Path {
                end: End::Unknown {
                    at: Loc {
                        file: 0,
                        span: 0..text.len().min(1),
                    },
                    why: u.describe(),
                },
                conditions: Vec::new(),
                traps: Vec::new(),
                jobs: Vec::new(),
                no_exec: None,
            });
            return shells.iter().map(|_| flow.clone()).collect();
        }
    };
    let mut files = vec![FileData {
        text: text.to_string(),
        tree,
        path: env.zero.clone(),
        eval_at: None,
    }];
    let log = std::cell::RefCell::new(super::Reads::default());
    let (sources, evals) = preload(&mut files, env, &log);
    let budget = STEPS_BASE + STEPS_PER_BYTE * files.iter().map(|f| f.text.len()).sum::<usize>();
    let mut it = Interp {
        files: &files,
        env,
        sources,
        evals,
        functions: HashMap::new(),
        paths: Vec::new(),
        nests: Vec::new(),
        steps: 0,
        budget,
        too_complex: None,
        depth: 0,
        active_files: vec![0],
        calls: Vec::new(),
        script_lifetimes: HashMap::new(),
        script_daemons: HashSet::new(),
        script_follows: 0,
        log: &log,
        index: HashMap::new(),
        emit_log: Vec::new(),
        summaries: HashMap::new(),
        generation: 0,
        nesting: 0,
        handler_fx: HashMap::new(),
        superseded: HashSet::new(),
        unresolved_source: false,
    };
    let mut vars = Vars {
        zero: env.zero.clone(),
        args: env.args.clone(),
        unset_is_empty: env.env_complete,
        ..Vars::default()
    };
    if env.env_complete {
        // What Docker and the shell set besides the image's ENV.
        for k in [
            "HOME",
            "HOSTNAME",
            "PATH",
            "TERM",
            "PWD",
            "OLDPWD",
            "PPID",
            "RANDOM",
            "LINENO",
            "UID",
            "EUID",
            "IFS",
            "PS1",
            "PS4",
            "OPTIND",
            "BASH_SOURCE",
            "BASH_VERSION",
            "SHELL",
            "USER",
        ] {
            vars.set.insert(k.to_string(), None);
        }
    }
    for (k, v) in &env.vars {
        vars.set.insert(k.clone(), v.clone());
    }
    let st = St {
        vars,
        traps: BTreeMap::new(),
        jobs: Vec::new(),
        conds: Vec::new(),
        status: Tri::True,
        ctl: Ctl::Normal,
        fg: Vec::new(),
        done: None,
        child: 0,
        inf_loop: false,
        in_loop: false,
        opaque: None,
        nest: Nest::default(),
    };
    let root = files[0].tree.root_node();
    let stmts = statements(root);
    let out = it.block(0, &stmts, vec![st]);
    for mut st in out {
        it.finish(&mut st, None);
    }
    // A step that some path runs before its workload is a setup step on
    // every path (`tool set-credentials; ... exit 1` on an error branch,
    // the server started on the others: apache/nifi's start.sh).
    for p in &mut it.paths {
        if let End::Foreground {
            prog,
            after,
            only_exit_after,
            ..
        } = &p.end
        {
            if prog.lifetime == Lifetime::Unknown && it.superseded.contains(&prog.at) {
                let at = if *only_exit_after {
                    after.last().cloned()
                } else {
                    None
                };
                p.end = End::Exit { at };
            }
        }
    }
    // A handler runs when the signal comes, with the functions defined by
    // then (often after the `trap` line): its effects are judged at the end.
    let handlers: HashSet<String> = it
        .paths
        .iter()
        .flat_map(|p| p.traps.iter().map(|t| t.handler.clone()))
        .collect();
    let fx: HashMap<String, (bool, bool, bool)> = handlers
        .into_iter()
        .map(|h| {
            let e = it.effects_of(&h);
            (h, e)
        })
        .collect();
    for p in &mut it.paths {
        for t in &mut p.traps {
            if let Some(&(f, w, x)) = fx.get(&t.handler) {
                t.forwards = f;
                t.waits = w;
                t.exits = x;
            }
        }
    }
    let mut amps = 0;
    walk(files[0].tree.root_node(), |k| {
        amps += usize::from(k.kind() == "&");
    });
    flow.amps = amps;
    flow.tree = Some(files[0].tree.clone());
    flow.reads = it.log.borrow().clone();
    flow.too_complex = it.too_complex.take();
    flow.steps = it.steps;
    flow.sourced = files
        .iter()
        .skip(1)
        .map(|f| Sourced {
            path: f.path.clone(),
            text: f.text.clone(),
            eval_at: f.eval_at.clone(),
        })
        .collect();
    // One flow per shell asked for: the run is the same, only whether the
    // shell execs a `-c` string's last program differs.
    let last = shells.len().saturating_sub(1);
    let mut out = Vec::with_capacity(shells.len());
    for (k, sh) in shells.iter().enumerate() {
        let (mut paths, nests) = if k == last {
            (std::mem::take(&mut it.paths), std::mem::take(&mut it.nests))
        } else {
            (it.paths.clone(), it.nests.clone())
        };
        implicit_exec(env.command_string, *sh, &mut paths, &nests);
        let mut f = flow.clone();
        f.paths = dedup(paths);
        out.push(f);
    }
    out
}

/// Read and parse the files the script sources and its literal `eval`
/// texts, before the run (the run holds their trees).
fn preload(
    files: &mut Vec<FileData>,
    env: &Env,
    log: &std::cell::RefCell<super::Reads>,
) -> (HashMap<String, usize>, HashMap<(usize, usize), usize>) {
    let mut sources: HashMap<String, usize> = HashMap::new();
    let mut evals = HashMap::new();
    let mut i = 0;
    while i < files.len() {
        let mut found: Vec<(String, bool)> = Vec::new();
        let mut eval_texts: Vec<(usize, Range<usize>, String)> = Vec::new();
        {
            let f = &files[i];
            walk(f.tree.root_node(), |n| {
                // `for f in ./entrypoint.d/*.sh; do . "$f"; done`: the files
                // the glob names may be sourced.
                if n.kind() == "for_statement" {
                    let mut sources_var = false;
                    if let Some(b) = n.child_by_field_name("body") {
                        walk(b, |k| {
                            if k.kind() == "command_name" {
                                sources_var |= matches!(text(&f.text, k), "." | "source");
                            }
                        });
                    }
                    let mut c = n.walk();
                    for (i, v) in n.children(&mut c).enumerate() {
                        if sources_var && n.field_name_for_child(i as u32) == Some("value") {
                            let pat = text(&f.text, v);
                            if pat.contains(['*', '?', '[']) && !pat.contains(['$', '`', '"', '\''])
                            {
                                let listed = (env.list)(pat);
                                log.borrow_mut()
                                    .lists
                                    .push((pat.to_string(), listed.clone()));
                                for p in listed.unwrap_or_default() {
                                    found.push((p, false));
                                }
                            }
                        }
                    }
                    return;
                }
                if n.kind() != "command" {
                    return;
                }
                let words = command_words(&f.text, n);
                let Some(first) = words.first() else { return };
                match first.value.as_deref() {
                    Some("." | "source") => {
                        if let Some(w) = words.get(1) {
                            if let Some(v) = &w.value {
                                found.push((v.clone(), false));
                            } else {
                                // `"$(dirname "$0")/lib.sh"`: the name after the last `/`.
                                let raw = w.raw.trim_matches('"');
                                if let Some((_, name)) = raw.rsplit_once('/') {
                                    if !name.is_empty() && !name.contains(['$', '`', '"', '\'']) {
                                        found.push((name.to_string(), true));
                                    }
                                }
                            }
                        }
                    }
                    Some("eval") if words.len() > 1 => {
                        let vals: Option<Vec<String>> =
                            words[1..].iter().map(|w| w.value.clone()).collect();
                        if let Some(v) = vals {
                            eval_texts.push((
                                n.start_byte(),
                                n.start_byte()..n.end_byte(),
                                v.join(" "),
                            ));
                        }
                    }
                    _ => {}
                }
            });
        }
        for (path, rel) in found {
            let key = source_key(&path, rel);
            if sources.contains_key(&key) || files.len() > MAX_SOURCED {
                continue;
            }
            let read = (env.source)(&path, rel);
            log.borrow_mut()
                .reads
                .push((path.clone(), rel, read.clone()));
            if let Some(text) = read {
                if let Ok(tree) = parse_checked(&text) {
                    sources.insert(key, files.len());
                    files.push(FileData {
                        text,
                        tree,
                        path,
                        eval_at: None,
                    });
                }
            }
        }
        for (start, span, text) in eval_texts {
            if files.len() > MAX_SOURCED * 4 {
                break;
            }
            if let Ok(tree) = parse_checked(&text) {
                evals.insert((i, start), files.len());
                files.push(FileData {
                    text,
                    tree,
                    path: String::new(),
                    eval_at: Some(Loc { file: i, span }),
                });
            }
        }
        i += 1;
    }
    (sources, evals)
}

fn source_key(path: &str, rel: bool) -> String {
    if rel {
        format!("rel:{}", crate::shell::base_name(path))
    } else {
        path.to_string()
    }
}

/// Visit every node without recursion.
fn walk<'t>(n: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    crate::shell::script::preorder(n, |k| {
        f(k);
        true
    });
}

/// The words of a command node (name first), literal values where literal.
fn command_words(src: &str, n: Node) -> Vec<ScriptWord> {
    command_word_nodes(n)
        .into_iter()
        .map(|(k, inner)| ScriptWord {
            raw: text(src, k).to_string(),
            value: literal(src, inner),
            span: k.start_byte()..k.end_byte(),
        })
        .collect()
}

/// A word's value when it is literal.
fn literal(src: &str, n: Node) -> Option<String> {
    let vars = Vars {
        unset_is_empty: false,
        ..Vars::default()
    };
    if n.kind() == "word" && text(src, n).contains(['*', '?', '[', '$', '`']) {
        return None;
    }
    match n.kind() {
        "word" | "number" | "raw_string" | "string" | "concatenation" => {
            let f = expand(src, n, &vars);
            match f.as_slice() {
                [Some(v)] => Some(v.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// How many loops `break N` or `continue N` leaves (1 when not given).
fn loop_levels(argv: &[Option<String>]) -> u32 {
    argv.get(1)
        .and_then(|a| a.as_deref()?.parse().ok())
        .unwrap_or(1)
}

/// Builtins and chores: commands that are not a workload.
fn is_chore(name: &str) -> bool {
    crate::shell::is_trailing_chore(name)
        || crate::shell::is_setup_builtin(name)
        || matches!(
            name,
            "typeset"
                | "echo"
                | "printf"
                | "true"
                | "false"
                | ":"
                | "test"
                | "["
                | "kill"
                | "read"
                | "getopts"
                | "hash"
                | "type"
                | "alias"
                | "unalias"
                | "shopt"
                | "pushd"
                | "popd"
                | "let"
                | "mapfile"
                | "readarray"
        )
}

/// Whether a command finishes by itself.
pub(super) fn lifetime(argv: &[Option<String>]) -> Lifetime {
    let words: Vec<Option<&str>> = argv.iter().map(|w| w.as_deref()).collect();
    match words.first().copied().flatten() {
        Some(n) if is_chore(n) => Lifetime::OneShot,
        _ => table_lifetime(&words),
    }
}

impl<'t> Interp<'t, '_> {
    fn src(&self, file: usize) -> &'t str {
        &self.files[file].text
    }

    /// The literal name of a simple command (through redirections).
    fn name_of(&self, file: usize, n: Node) -> Option<String> {
        let n = if n.kind() == "redirected_statement" {
            n.child_by_field_name("body")?
        } else {
            n
        };
        if n.kind() != "command" {
            return None;
        }
        command_words(self.src(file), n).first()?.value.clone()
    }

    fn loc(&self, file: usize, n: Node) -> Loc {
        Loc {
            file,
            span: n.start_byte()..n.end_byte(),
        }
    }

    fn over_budget(&mut self, file: usize, n: Node) -> bool {
        if self.steps > self.budget || self.paths.len() > MAX_PATHS {
            if self.too_complex.is_none() {
                self.too_complex = Some((
                    n.start_byte()..n.end_byte(),
                    if self.paths.len() > MAX_PATHS {
                        format!("the script can end in more than {MAX_PATHS} ways")
                    } else {
                        "following every path takes too many steps".to_string()
                    },
                ));
            }
            let _ = file;
            return true;
        }
        false
    }

    /// Give up on `st` at `n`: an unknown end.
    fn give_up(&mut self, st: &mut St, file: usize, n: Node, why: String) {
        if st.done.is_none() {
            let at = self.loc(file, n);
            self.emit(st, End::Unknown { at, why }, None);
        }
        st.ctl = Ctl::Exit;
        st.done = Some(usize::MAX);
    }

    fn emit(&mut self, st: &St, end: End, nest: Option<Nest>) -> usize {
        self.emit_with(
            end,
            st.conds.clone(),
            snapshot(&st.traps),
            st.jobs.clone(),
            nest,
        )
    }

    fn emit_with(
        &mut self,
        end: End,
        conditions: Vec<String>,
        traps: Vec<Trap>,
        jobs: Vec<Job>,
        nest: Option<Nest>,
    ) -> usize {
        let key = end_key(&end, &traps, &jobs);
        if let Some(&i) = self.index.get(&key) {
            self.merge_into(i, &end, &conditions);
            return i;
        }
        self.paths.push(Path {
            end,
            conditions,
            traps,
            jobs,
            no_exec: None,
        });
        self.nests.push(nest);
        let i = self.paths.len() - 1;
        self.index.insert(key, i);
        if let Some(log) = self.emit_log.last_mut() {
            log.push(i);
        }
        i
    }

    /// A path reached again (another way to the same end): its conditions
    /// become what the ways share, and what runs after it is joined.
    fn merge_into(&mut self, i: usize, end: &End, conditions: &[String]) {
        if let Some(log) = self.emit_log.last_mut() {
            log.push(i);
        }
        merge_path(&mut self.paths[i], end, conditions);
    }

    fn emit_cand(&mut self, c: Cand) -> usize {
        let nest = c.nest;
        self.emit_with(
            End::Foreground {
                prog: std::rc::Rc::unwrap_or_clone(c.prog),
                how: c.how,
                after: c.after,
                only_exit_after: c.only_exit,
            },
            c.conds,
            std::rc::Rc::unwrap_or_clone(c.traps),
            std::rc::Rc::unwrap_or_clone(c.jobs),
            Some(nest),
        )
    }

    /// The path of `st` ends (end of script, `exit`).
    fn finish(&mut self, st: &mut St, at: Option<Loc>) {
        if st.child > 0 {
            st.ctl = Ctl::Exit;
            return;
        }
        if st.done.is_none() {
            let fg = std::mem::take(&mut st.fg);
            if fg.is_empty() {
                match st.opaque.take() {
                    Some((at, name)) => {
                        let why = format!("`{name}` may be a function of a file the script sources that dsig could not read");
                        self.emit(st, End::Unknown { at, why }, None);
                    }
                    None => {
                        self.emit(st, End::Exit { at }, None);
                    }
                }
            }
            for c in fg {
                self.emit_cand(c);
            }
            st.done = Some(usize::MAX);
        }
        st.ctl = Ctl::Exit;
    }

    /// The candidates of `st` finished: a long-running program comes next.
    fn supersede(&mut self, st: &mut St) {
        for c in st.fg.drain(..) {
            if c.prog.lifetime == Lifetime::Unknown {
                self.superseded.insert(c.prog.at.clone());
            }
        }
    }

    /// `loc` runs after the path's workload (if it has one).
    fn after(&mut self, st: &mut St, loc: Loc, is_exit: bool) {
        if let Some(i) = st.done {
            if let Some(Path {
                end:
                    End::Foreground {
                        after,
                        only_exit_after,
                        ..
                    },
                ..
            }) = self.paths.get_mut(i)
            {
                if !after.contains(&loc) {
                    after.push(loc);
                }
                *only_exit_after &= is_exit;
            }
        } else {
            for c in &mut st.fg {
                if !c.after.contains(&loc) {
                    c.after.push(loc.clone());
                }
                c.only_exit &= is_exit;
            }
        }
    }

    fn cand(&self, st: &St, prog: Prog, how: How) -> Cand {
        let how = if st.inf_loop && how == How::Simple {
            How::RestartLoop
        } else {
            how
        };
        Cand {
            prog: std::rc::Rc::new(prog),
            how,
            traps: std::rc::Rc::new(snapshot(&st.traps)),
            jobs: std::rc::Rc::new(st.jobs.clone()),
            conds: st.conds.clone(),
            after: Vec::new(),
            only_exit: true,
            nest: st.nest,
        }
    }

    /// A program runs in the foreground.
    fn program(&mut self, st: &mut St, mut prog: Prog, how: How) {
        let loc = prog.at.clone();
        if st.done.is_some() {
            self.after(st, loc, false);
            st.status = Tri::Unknown;
            return;
        }
        if how != How::ExecInChild {
            let words: Vec<Option<&str>> = prog.argv.iter().map(|w| w.as_deref()).collect();
            if let Some(d) = crate::shell::programs::daemonises(&words) {
                // It forks and the started process exits: a background job.
                prog.lifetime = Lifetime::LongRunning;
                st.jobs.push(Job {
                    prog,
                    daemon: Some(d),
                });
                self.after(st, loc, false);
                st.status = Tri::True;
                return;
            }
        }
        if prog.lifetime == Lifetime::Unknown {
            prog.lifetime = self.script_lifetime(&prog.argv);
            let script = match prog.argv.get(1) {
                Some(Some(s)) if prog.name().is_some_and(crate::shell::is_shell_program) => {
                    Some(s.as_str())
                }
                _ => prog.name(),
            };
            if script.is_some_and(|n| self.script_daemons.contains(n)) && how != How::ExecInChild {
                prog.lifetime = Lifetime::LongRunning;
                st.jobs.push(Job { prog, daemon: None });
                self.after(st, loc, false);
                st.status = Tri::True;
                return;
            }
        }
        if prog.lifetime == Lifetime::Unknown && self.unresolved_source && how == How::Simple {
            if let Some(name) = prog.name().filter(|n| !n.contains('/') && n.contains('_')) {
                st.opaque = Some((loc.clone(), name.to_string()));
                self.after(st, loc, false);
                st.status = Tri::Unknown;
                return;
            }
        }
        match prog.lifetime {
            Lifetime::OneShot if how != How::ExecInChild => {
                self.after(st, loc, false);
                st.status = Tri::True;
            }
            Lifetime::LongRunning => {
                let c = self.cand(st, prog, how);
                self.supersede(st);
                let i = self.emit_cand(c);
                st.done = Some(i);
                st.status = Tri::Unknown;
            }
            _ => {
                let c = self.cand(st, prog, how);
                st.fg = vec![c];
                st.status = Tri::Unknown;
            }
        }
    }

    /// A script of the build context run in the foreground: one-shot when
    /// every path it can take (with these arguments) finishes by itself.
    fn script_lifetime(&mut self, argv: &[Option<String>]) -> Lifetime {
        let Some(Some(first)) = argv.first() else {
            return Lifetime::Unknown;
        };
        // `bash ./start.sh args` runs the script too.
        let (name, rest) = match argv.get(1) {
            Some(Some(s)) if crate::shell::is_shell_program(first) && !s.starts_with('-') => {
                (s, &argv[2..])
            }
            _ => (first, &argv[1..]),
        };
        if !name.contains('/') || self.env.depth >= super::MAX_SCRIPT_DEPTH {
            return Lifetime::Unknown;
        }
        // By script and arguments (`./cli initdb` finishes, `./cli serve` not).
        let key = format!("{name}\u{0}{rest:?}");
        if let Some(l) = self.script_lifetimes.get(&key) {
            return *l;
        }
        if self.script_follows >= 16 {
            return Lifetime::Unknown;
        }
        self.script_follows += 1;
        // Guards a script that runs itself.
        self.script_lifetimes.insert(key.clone(), Lifetime::Unknown);
        let name = name.clone();
        let name = &name;
        let read = (self.env.source)(name, false);
        self.log
            .borrow_mut()
            .reads
            .push((name.clone(), false, read.clone()));
        let l = match read {
            Some(text)
                if crate::shell::script::shebang_of(&text)
                    .is_some_and(|b| crate::shell::is_shell_program(&b.interpreter))
                    || crate::shell::is_shell_program(first) =>
            {
                let args: Option<Vec<String>> = rest.iter().cloned().collect();
                let env = Env {
                    shell: self.env.shell,
                    args,
                    vars: self.env.vars.clone(),
                    env_complete: self.env.env_complete,
                    zero: name.clone(),
                    command_string: false,
                    source: self.env.source,
                    list: self.env.list,
                    depth: self.env.depth + 1,
                };
                let f = super::run(&text, &env);
                // A path that execs another script of the context finishes
                // when that one does (`exec ./bin/run-class.sh -daemon ...`).
                let mut leaves = f
                    .paths
                    .iter()
                    .any(|p| p.jobs.iter().any(|j| j.prog.lifetime != Lifetime::OneShot));
                let mut exits = true;
                for p in &f.paths {
                    match &p.end {
                        End::Exit { .. } => {}
                        End::Exec { prog, .. } if prog.name().is_some_and(|n| n.contains('/')) => {
                            let argv = prog.argv.clone();
                            if self.script_lifetime(&argv) == Lifetime::OneShot {
                                let target = match argv.get(1) {
                                    Some(Some(s))
                                        if argv[0]
                                            .as_deref()
                                            .is_some_and(crate::shell::is_shell_program) =>
                                    {
                                        s.clone()
                                    }
                                    _ => prog.name().unwrap_or_default().to_string(),
                                };
                                leaves |= self.script_daemons.contains(&target);
                            } else {
                                exits = false;
                            }
                        }
                        _ => exits = false,
                    }
                }
                if exits && leaves {
                    // `zkServer.sh start`: it leaves its server in the
                    // background and exits, as a daemon does.
                    self.script_daemons.insert(name.clone());
                }
                if exits {
                    Lifetime::OneShot
                } else {
                    Lifetime::Unknown
                }
            }
            _ => Lifetime::Unknown,
        };
        self.script_lifetimes.insert(key, l);
        l
    }

    fn join(&mut self, states: Vec<St>) -> Vec<St> {
        let mut out: Vec<St> = Vec::new();
        for s in states {
            push_join(&mut out, s);
        }
        out
    }

    fn block(&mut self, file: usize, stmts: &[(Node<'t>, bool)], mut states: Vec<St>) -> Vec<St> {
        for (n, amp) in stmts {
            let (run, rest): (Vec<St>, Vec<St>) =
                states.into_iter().partition(|s| s.ctl == Ctl::Normal);
            states = rest;
            if run.is_empty() {
                continue;
            }
            for st in run {
                let out = self.stmt(file, *n, *amp, st);
                states.extend(out);
            }
            if states.len() > 1 {
                states = self.join(states);
            }
            if states.len() > MAX_STATES {
                let extra = states.split_off(MAX_STATES);
                for mut s in extra {
                    let why = format!("more than {MAX_STATES} paths run at once");
                    if self.too_complex.is_none() {
                        self.too_complex = Some((n.start_byte()..n.end_byte(), why.clone()));
                    }
                    self.give_up(&mut s, file, *n, format!("too complex to analyse: {why}"));
                }
            }
        }
        states
    }

    fn stmt(&mut self, file: usize, n: Node<'t>, amp: bool, mut st: St) -> Vec<St> {
        if self.nesting >= MAX_NESTING {
            let why = format!("statements nest more than {MAX_NESTING} deep");
            if self.too_complex.is_none() {
                self.too_complex = Some((n.start_byte()..n.end_byte(), why.clone()));
            }
            self.give_up(&mut st, file, n, format!("too complex to analyse: {why}"));
            return vec![st];
        }
        self.nesting += 1;
        let out = self.stmt_inner(file, n, amp, st);
        self.nesting -= 1;
        out
    }

    fn stmt_inner(&mut self, file: usize, n: Node<'t>, amp: bool, mut st: St) -> Vec<St> {
        self.steps += 1;
        if self.over_budget(file, n) {
            let why = self
                .too_complex
                .as_ref()
                .map(|t| t.1.clone())
                .unwrap_or_default();
            self.give_up(&mut st, file, n, format!("too complex to analyse: {why}"));
            return vec![st];
        }
        if self.env.shell == Some(ShellKind::Dash)
            && matches!(
                n.kind(),
                "command" | "test_command" | "variable_assignment" | "declaration_command"
            )
        {
            if let Some(why) = dash_bad_substitution(self.src(file), n) {
                if st.done.is_none() {
                    let at = self.loc(file, n);
                    self.emit(&st, End::Fails { at, why }, None);
                }
                st.done = Some(usize::MAX);
                st.ctl = Ctl::Exit;
                return vec![st];
            }
        }
        if amp {
            self.background(file, n, &mut st);
            return vec![st];
        }
        let src = self.src(file);
        match n.kind() {
            "command" => self.command(file, n, st),
            "redirected_statement" => {
                let Some(body) = n.child_by_field_name("body").or_else(|| n.named_child(0)) else {
                    return vec![st];
                };
                let saved = st.nest.redirected;
                st.nest.redirected = true;
                let mut out = self.stmt(file, body, false, st);
                for s in &mut out {
                    s.nest.redirected = saved;
                }
                out
            }
            "variable_assignment" => {
                self.assign(file, n, &mut st);
                st.status = Tri::True;
                vec![st]
            }
            "declaration_command" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in kids {
                    if k.kind() == "variable_assignment" {
                        self.assign(file, k, &mut st);
                    }
                }
                st.status = Tri::True;
                vec![st]
            }
            "unset_command" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in kids {
                    if let Some(v) = literal(src, k) {
                        st.vars.set.insert(v, Some(String::new()));
                    }
                }
                st.status = Tri::True;
                vec![st]
            }
            "function_definition" => {
                if let (Some(name), Some(body)) =
                    (n.child_by_field_name("name"), n.child_by_field_name("body"))
                {
                    self.functions
                        .insert(text(src, name).to_string(), (file, body));
                    self.generation += 1;
                }
                st.status = Tri::True;
                vec![st]
            }
            "test_command" => {
                st.status = expand::test_node(src, n, &st.vars);
                vec![st]
            }
            "negated_command" => {
                let Some(inner) = n.named_child(0) else {
                    return vec![st];
                };
                let saved = st.nest.negated;
                st.nest.negated = true;
                let mut out = self.stmt_how(file, inner, st, How::Negated);
                for s in &mut out {
                    s.status = s.status.negate();
                    s.nest.negated = saved;
                }
                out
            }
            "list" => self.list(file, n, st),
            "pipeline" => self.pipeline(file, n, st),
            "subshell" => self.subshell(file, n, st),
            "compound_statement" if text(src, n).starts_with("((") => {
                // `((app))`: arithmetic in bash, two subshells in dash and
                // busybox ash (tree-sitter reads bash).
                let why = "`((...))` is arithmetic in bash but nested subshells in dash and busybox ash: dsig does not follow it".to_string();
                self.give_up(&mut st, file, n, why);
                vec![st]
            }
            "compound_statement" => {
                let saved = st.nest.in_group;
                st.nest.in_group = true;
                let mut out = self.block(file, &statements(n), vec![st]);
                for s in &mut out {
                    s.nest.in_group = saved;
                }
                out
            }
            "if_statement" => self.if_statement(file, n, st),
            "case_statement" => self.case_statement(file, n, st),
            "while_statement" => self.while_loop(file, n, st),
            "for_statement" | "c_style_for_statement" => self.for_loop(file, n, st),
            _ => {
                st.status = Tri::Unknown;
                vec![st]
            }
        }
    }

    /// Run `n`, marking the foreground program it starts with `how`.
    fn stmt_how(&mut self, file: usize, n: Node<'t>, st: St, how: How) -> Vec<St> {
        let before_fg = st.fg.clone();
        let before_done = st.done;
        let mut out = self.stmt(file, n, false, st);
        for s in &mut out {
            if s.fg != before_fg {
                for c in &mut s.fg {
                    c.how = how;
                }
            }
            if s.done != before_done {
                if let Some(Path {
                    end: End::Foreground { how: h, .. },
                    ..
                }) = s.done.and_then(|i| self.paths.get_mut(i))
                {
                    *h = how;
                }
            }
        }
        out
    }

    fn assign(&mut self, file: usize, n: Node<'t>, st: &mut St) {
        let src = self.src(file);
        let Some(name) = n.child_by_field_name("name") else {
            return;
        };
        let name = text(src, name).to_string();
        // `a=(x "$y")`: an array.
        if let Some(v) = n
            .child_by_field_name("value")
            .filter(|v| v.kind() == "array")
        {
            let mut elems = Vec::new();
            let mut c = v.walk();
            for k in v.named_children(&mut c) {
                elems.extend(expand(src, k, &st.vars));
            }
            st.vars
                .set
                .insert(name.clone(), elems.first().cloned().flatten());
            st.vars.arrays.insert(name, elems);
            return;
        }
        st.vars.arrays.remove(&name);
        for (k, v) in expand::default_assignments(src, n, &st.vars) {
            st.vars.set.insert(k, v);
        }
        let value = match n.child_by_field_name("value") {
            Some(v) => {
                if v.kind() == "simple_expansion" && text(src, v) == "$!" {
                    st.vars.get("!")
                } else {
                    expand_one(src, v, &st.vars)
                }
            }
            None => Some(String::new()),
        };
        st.vars.set.insert(name, value);
    }

    fn background(&mut self, file: usize, n: Node<'t>, st: &mut St) {
        let src = self.src(file);
        // The first simple command of the statement is the job's program.
        // (`wait-for-db && app &`: the first that keeps running, if any.)
        let mut cmds = Vec::new();
        walk(n, |k| {
            if k.kind() == "command" && cmds.len() < 64 {
                cmds.push(k);
            }
        });
        let first = cmds
            .iter()
            .copied()
            .find(|c| {
                let argv = self.argv(file, *c, &st.vars);
                let l = lifetime(&argv);
                l != Lifetime::OneShot
                    && !(l == Lifetime::Unknown && self.script_lifetime(&argv) == Lifetime::OneShot)
            })
            .or_else(|| cmds.first().copied());
        let id = st.jobs.len();
        if let Some(c) = first {
            let mut prog = self.prog(file, c, &st.vars);
            if prog.lifetime == Lifetime::Unknown {
                prog.lifetime = self.script_lifetime(&prog.argv);
            }
            // `app > log &`: the statement, redirections included.
            if n.kind() == "redirected_statement"
                && n.child_by_field_name("body")
                    .is_some_and(|b| b.id() == c.id())
            {
                prog.at = self.loc(file, n);
            }
            let prog = match prog.name() {
                Some(f) if self.functions.contains_key(f) => Prog {
                    lifetime: Lifetime::Unknown,
                    ..prog
                },
                _ => prog,
            };
            let _ = src;
            st.jobs.push(Job { prog, daemon: None });
        }
        st.vars
            .set
            .insert("!".to_string(), Some(format!("\u{1}job:{id}")));
        st.status = Tri::True;
    }

    fn prog(&self, file: usize, n: Node<'t>, vars: &Vars) -> Prog {
        let src = self.src(file);
        let cmd = build_cmd(src, n);
        let argv = self.argv(file, n, vars);
        Prog {
            at: self.loc(file, n),
            lifetime: lifetime(&argv),
            cmd,
            argv,
        }
    }

    /// The expanded words of a command.
    fn argv(&self, file: usize, n: Node<'t>, vars: &Vars) -> Vec<Option<String>> {
        let src = self.src(file);
        let mut out = Vec::new();
        for (_, inner) in command_word_nodes(n) {
            out.extend(expand(src, inner, vars));
        }
        out
    }

    fn command(&mut self, file: usize, n: Node<'t>, mut st: St) -> Vec<St> {
        let src = self.src(file);
        if n.has_error() {
            st.status = Tri::Unknown;
            return vec![st];
        }
        let has_name = {
            let mut c = n.walk();
            let r = n
                .named_children(&mut c)
                .any(|k| k.kind() == "command_name" && k.start_byte() != k.end_byte());
            r
        };
        let assigns: Vec<Node> = {
            let mut c = n.walk();
            n.named_children(&mut c)
                .filter(|k| k.kind() == "variable_assignment")
                .collect()
        };
        if !has_name {
            for a in assigns {
                self.assign(file, a, &mut st);
            }
            st.status = Tri::True;
            return vec![st];
        }
        let saved_assigned = st.nest.assigned;
        st.nest.assigned = !assigns.is_empty();
        // `: "${A:=default}"` sets A while the words are expanded.
        for (k, v) in expand::default_assignments(src, n, &st.vars) {
            st.vars.set.insert(k, v);
        }
        let mut argv = self.argv(file, n, &st.vars);
        if argv.is_empty() {
            // `"$@"` with no arguments: nothing runs.
            st.status = Tri::True;
            st.nest.assigned = saved_assigned;
            return vec![st];
        }
        // `command app`, `builtin x`: the word after.
        while matches!(argv[0].as_deref(), Some("command" | "builtin"))
            && argv.len() > 1
            && !argv[1].as_deref().is_some_and(|a| a.starts_with('-'))
        {
            argv.remove(0);
        }
        let name = argv[0].clone();
        let loc = self.loc(file, n);
        let mut out = match name.as_deref() {
            Some("exec") => self.exec(file, n, &argv, st),
            Some("exit") => {
                self.after(&mut st, loc.clone(), true);
                self.finish(&mut st, Some(loc));
                vec![st]
            }
            Some("return") => {
                // What the function returns may matter to its caller.
                self.after(&mut st, loc, false);
                st.ctl = Ctl::Return;
                vec![st]
            }
            Some("break") => {
                st.ctl = Ctl::Break(loop_levels(&argv));
                vec![st]
            }
            Some("continue") => {
                st.ctl = Ctl::Continue(loop_levels(&argv));
                vec![st]
            }
            Some("wait") => {
                self.wait(file, n, &argv, &mut st);
                vec![st]
            }
            Some("trap") => {
                self.trap(file, n, &argv, &mut st);
                st.status = Tri::True;
                vec![st]
            }
            Some("set") => {
                self.set(&argv, &mut st);
                vec![st]
            }
            Some("cd" | "pushd" | "popd") => {
                // The directory changes: `$PWD` is no longer the WORKDIR.
                st.vars.set.insert("PWD".to_string(), None);
                st.status = Tri::Unknown;
                vec![st]
            }
            Some("shift") => {
                let k: usize = argv
                    .get(1)
                    .and_then(|a| a.as_deref()?.parse().ok())
                    .unwrap_or(1);
                if let Some(a) = &mut st.vars.args {
                    if k <= a.len() {
                        a.drain(..k);
                    }
                }
                st.status = Tri::True;
                vec![st]
            }
            Some("true" | ":") => {
                st.status = Tri::True;
                vec![st]
            }
            Some("false") => {
                st.status = Tri::False;
                vec![st]
            }
            Some("test" | "[") => {
                let mut args = argv[1..].to_vec();
                if name.as_deref() == Some("[")
                    && args.last().is_some_and(|a| a.as_deref() == Some("]"))
                {
                    args.pop();
                }
                st.status = expand::test_args(&args);
                vec![st]
            }
            Some("." | "source") => self.source(file, n, &argv, st),
            Some("eval") => self.eval(file, n, &argv, st),
            Some("read") => {
                for a in argv[1..].iter().flatten() {
                    if !a.starts_with('-') {
                        st.vars.set.insert(a.clone(), None);
                    }
                }
                st.status = Tri::Unknown;
                vec![st]
            }
            Some("export" | "readonly" | "local") => {
                st.status = Tri::True;
                vec![st]
            }
            Some(f) if self.functions.contains_key(f) => self.call(file, n, f, &argv, st),
            _ => {
                let mut life = lifetime(&argv);
                // `cat > f <<EOF`, `mysql < dump.sql`: stdin is a file, so a
                // program that reads it finishes.
                if life == Lifetime::Unknown && stdin_redirected(n) {
                    let words: Vec<Option<&str>> = argv.iter().map(|w| w.as_deref()).collect();
                    if crate::shell::programs::reads_stdin(&words) {
                        life = Lifetime::OneShot;
                    }
                }
                let prog = Prog {
                    at: loc,
                    cmd: build_cmd(src, n),
                    lifetime: life,
                    argv,
                };
                let how = if st.child > 0 {
                    How::Subshell
                } else {
                    How::Simple
                };
                self.program(&mut st, prog, how);
                vec![st]
            }
        };
        for s in &mut out {
            s.nest.assigned = saved_assigned;
        }
        out
    }

    fn exec(&mut self, file: usize, n: Node<'t>, argv: &[Option<String>], mut st: St) -> Vec<St> {
        let loc = self.loc(file, n);
        // Options: -a NAME, -c, -l, --.
        let mut i = 1;
        let mut dash_a = false;
        while let Some(Some(w)) = argv.get(i) {
            match w.as_str() {
                "--" => {
                    i += 1;
                    break;
                }
                "-a" => {
                    dash_a = true;
                    i += 2;
                }
                o if o.starts_with('-') && o.len() > 1 => i += 1,
                _ => break,
            }
        }
        let target: Vec<Option<String>> = argv.get(i..).unwrap_or(&[]).to_vec();
        if target.is_empty() {
            // `exec >log 2>&1`: redirections only.
            st.status = Tri::True;
            return vec![st];
        }
        if st.done.is_some() {
            self.after(&mut st, loc, false);
            return vec![st];
        }
        let src = self.src(file);
        let mut cmd = build_cmd(src, n);
        cmd.span = loc.span.clone();
        let prog = Prog {
            at: loc.clone(),
            lifetime: lifetime(&target),
            cmd,
            argv: target.clone(),
        };
        if dash_a {
            if let Some(sh) = self.env.shell {
                if !facts(sh).exec_dash_a {
                    let why = format!(
                        "{} has no `exec -a`: the script stops there with an error and the program never starts",
                        sh.name()
                    );
                    self.emit(&st, End::Fails { at: loc, why }, None);
                    st.done = Some(usize::MAX);
                    st.ctl = Ctl::Exit;
                    return vec![st];
                }
            }
        }
        if self.env.shell == Some(crate::shell::ShellKind::Ash) {
            if let Some(why) = busybox_lacks(&target) {
                if st.child == 0 {
                    self.emit(&st, End::Fails { at: loc, why }, None);
                    st.done = Some(usize::MAX);
                }
                st.ctl = Ctl::Exit;
                return vec![st];
            }
        }
        if let Some(name) = target[0].as_deref() {
            let builtin = crate::shell::names::builtin_kind(name)
                .map(super::super::names::NameKind::describe)
                .or_else(|| {
                    self.functions
                        .contains_key(name)
                        .then_some("a shell function")
                });
            if let Some(what) = builtin {
                if !name.contains('/') {
                    let why = format!(
                        "`exec {name}`: `{name}` is {what}, which `exec` cannot run (it looks for a program file): the script stops there with an error"
                    );
                    if st.child == 0 {
                        self.emit(&st, End::Fails { at: loc, why }, None);
                        st.done = Some(usize::MAX);
                    }
                    st.ctl = Ctl::Exit;
                    return vec![st];
                }
            }
        }
        if st.child > 0 {
            self.program(&mut st, prog, How::ExecInChild);
            st.ctl = Ctl::Exit;
            return vec![st];
        }
        self.supersede(&mut st);
        self.emit(
            &st,
            End::Exec {
                prog,
                explicit: true,
            },
            None,
        );
        st.done = Some(usize::MAX);
        st.ctl = Ctl::Exit;
        vec![st]
    }

    fn wait(&mut self, file: usize, n: Node<'t>, argv: &[Option<String>], st: &mut St) {
        let loc = self.loc(file, n);
        let operands: Vec<&Option<String>> = argv[1..]
            .iter()
            .filter(|a| !a.as_deref().is_some_and(|a| a.starts_with('-')))
            .collect();
        let bare = operands.is_empty() && argv.len() == 1;
        let waited: Vec<&Job> = if operands.is_empty() {
            st.jobs.iter().collect()
        } else {
            let mut v = Vec::new();
            for o in &operands {
                match o.as_deref().and_then(|o| o.strip_prefix("\u{1}job:")) {
                    Some(id) => {
                        if let Some(j) = id.parse::<usize>().ok().and_then(|i| st.jobs.get(i)) {
                            v.push(j);
                        }
                    }
                    None => v.extend(st.jobs.iter()),
                }
            }
            v
        };
        if waited.iter().all(|j| j.prog.lifetime == Lifetime::OneShot) {
            st.status = Tri::True;
            return;
        }
        if let Some(i) = st.done {
            match self.paths.get_mut(i) {
                Some(Path {
                    end: End::Wait { waits_again, .. },
                    ..
                }) => *waits_again = true,
                _ => self.after(st, loc, false),
            }
            st.status = Tri::Unknown;
            return;
        }
        self.supersede(st);
        let i = self.emit(
            st,
            End::Wait {
                at: loc,
                bare,
                waits_again: st.in_loop,
            },
            None,
        );
        st.done = Some(i);
        st.status = Tri::Unknown;
    }

    fn trap(&mut self, file: usize, n: Node<'t>, argv: &[Option<String>], st: &mut St) {
        let loc = self.loc(file, n);
        let mut args: Vec<Option<String>> = argv[1..].to_vec();
        if args.first().is_some_and(|a| a.as_deref() == Some("--")) {
            args.remove(0);
        }
        if args.is_empty()
            || args[0]
                .as_deref()
                .is_some_and(|v| v.starts_with('-') && v.len() > 1)
        {
            return; // trap -l, trap -p
        }
        // A double-quoted handler with expansions: its raw text runs.
        let handler = if let Some(h) = args[0].clone() {
            Some(h)
        } else {
            let words = command_words(self.src(file), n);
            words
                .iter()
                .skip(1)
                .find(|w| w.value.as_deref() != Some("--"))
                .map(|w| {
                    let raw = w.raw.as_str();
                    raw.strip_prefix('"')
                        .and_then(|r| r.strip_suffix('"'))
                        .unwrap_or(raw)
                        .to_string()
                })
        };
        let sigs: Vec<String> = args[1..]
            .iter()
            .filter_map(|s| s.as_deref().map(signal_name))
            .collect();
        // `trap 15`: one numeric operand resets it.
        let (handler, sigs) = if sigs.is_empty() {
            match handler.as_deref() {
                Some(h) if h.chars().all(|c| c.is_ascii_digit()) => {
                    (Some("-".to_string()), vec![signal_name(h)])
                }
                _ => return,
            }
        } else {
            (handler, sigs)
        };
        let handler = handler.unwrap_or_default();
        if handler == "-" {
            for s in sigs {
                st.traps.remove(&s);
            }
            return;
        }
        let (forwards, waits, exits) = self.effects(&handler);
        for s in sigs {
            st.traps.insert(
                s.clone(),
                Trap {
                    signal: s,
                    handler: handler.clone(),
                    at: loc.clone(),
                    forwards,
                    waits,
                    exits,
                },
            );
        }
    }

    /// What a handler does: (forwards with `kill`, waits, exits).
    fn effects(&mut self, handler: &str) -> (bool, bool, bool) {
        if let Some(fx) = self.handler_fx.get(handler) {
            return *fx;
        }
        let fx = self.effects_of(handler);
        self.handler_fx.insert(handler.to_string(), fx);
        fx
    }

    fn effects_of(&self, handler: &str) -> (bool, bool, bool) {
        let dash = self.env.shell == Some(crate::shell::ShellKind::Dash);
        let Ok(tree) = parse_checked(handler) else {
            return (false, false, false);
        };
        let mut fx = (false, false, false);
        let mut seen: HashSet<String> = HashSet::new();
        let scan = |src: &str, root: Node, fx: &mut (bool, bool, bool), todo: &mut Vec<String>| {
            walk(root, |k| {
                if k.kind() != "command" {
                    return;
                }
                let words = command_words(src, k);
                match words.first().and_then(|w| w.value.as_deref()) {
                    Some("kill") => {
                        let args: Vec<&str> = words[1..]
                            .iter()
                            .map(|w| w.value.as_deref().unwrap_or("$x"))
                            .collect();
                        let hard = args
                            .iter()
                            .any(|a| matches!(*a, "-9" | "-KILL" | "-SIGKILL"))
                            || args.windows(2).any(|p| {
                                matches!(p[0], "-s" | "-n")
                                    && matches!(p[1], "9" | "KILL" | "SIGKILL")
                            });
                        let probe = args.iter().any(|a| matches!(*a, "-0" | "-l" | "-L"));
                        // dash runs `$(jobs -p)` in a subshell that has no
                        // jobs: it is empty (adversarial scenario
                        // h-trap-kill-jobs).
                        let no_jobs = dash
                            && words[1..].iter().any(|w| w.raw.contains("jobs -p"))
                            && words[1..].iter().all(|w| {
                                w.raw.contains("jobs -p")
                                    || w.value.as_deref().is_some_and(|v| v.starts_with('-'))
                            });
                        if !args.is_empty() && !hard && !probe && !no_jobs {
                            fx.0 = true;
                        }
                    }
                    Some("wait") => fx.1 = true,
                    Some("exit") => fx.2 = true,
                    Some(f) => {
                        // `gitlab-ctl stop`, `sv stop`, `nginx -s quit`, ...
                        let vals: Vec<Option<&str>> =
                            words.iter().map(|w| w.value.as_deref()).collect();
                        match crate::shell::programs::stops_services(&vals) {
                            Some((signals, waits)) => {
                                fx.0 |= signals;
                                fx.1 |= waits;
                            }
                            None => todo.push(f.to_string()),
                        }
                    }
                    None => {}
                }
            });
        };
        let mut names = Vec::new();
        scan(handler, tree.root_node(), &mut fx, &mut names);
        while let Some(f) = names.pop() {
            if !seen.insert(f.clone()) || seen.len() > 4096 {
                continue;
            }
            if let Some((file, body)) = self.functions.get(&f) {
                let src = self.src(*file);
                scan(src, *body, &mut fx, &mut names);
            }
        }
        fx
    }

    fn set(&mut self, argv: &[Option<String>], st: &mut St) {
        st.status = Tri::True;
        let Some(pos) = argv.iter().position(|a| a.as_deref() == Some("--")) else {
            // `set a b`: positional parameters too, when the first is no option.
            if argv.len() > 1
                && argv[1]
                    .as_deref()
                    .is_some_and(|a| !a.starts_with('-') && !a.starts_with('+'))
            {
                st.vars.args = argv[1..].iter().cloned().collect();
            }
            return;
        };
        st.vars.args = argv[pos + 1..].iter().cloned().collect();
    }

    fn source(&mut self, file: usize, n: Node<'t>, argv: &[Option<String>], mut st: St) -> Vec<St> {
        let src = self.src(file);
        let words = command_words(src, n);
        let key = match (argv.get(1), words.get(1)) {
            (Some(Some(v)), _) if self.sources.contains_key(v) => Some(v.clone()),
            (_, Some(w)) => {
                let raw = w.raw.trim_matches('"');
                let name = crate::shell::base_name(raw);
                let k = source_key(name, true);
                self.sources
                    .contains_key(&k)
                    .then_some(k)
                    .or_else(|| w.value.clone())
            }
            _ => None,
        };
        let Some(idx) = key.and_then(|k| self.sources.get(&k).copied()) else {
            self.unresolved_source = true;
            st.status = Tri::Unknown;
            return vec![st];
        };
        if self.active_files.contains(&idx) || self.depth >= MAX_DEPTH {
            st.status = Tri::Unknown;
            return vec![st];
        }
        self.depth += 1;
        self.active_files.push(idx);
        let root = self.files[idx].tree.root_node();
        let mut out = self.block(idx, &statements(root), vec![st]);
        self.active_files.pop();
        self.depth -= 1;
        for s in &mut out {
            if s.ctl == Ctl::Return {
                s.ctl = Ctl::Normal;
            }
        }
        out
    }

    fn eval(&mut self, file: usize, n: Node<'t>, argv: &[Option<String>], mut st: St) -> Vec<St> {
        let Some(&idx) = self.evals.get(&(file, n.start_byte())) else {
            // `eval VAR=...`, `eval export ...`: an assignment, no program.
            let first_raw = command_words(self.src(file), n)
                .get(1)
                .map(|w| w.raw.trim_start_matches(['"', '\'']).to_string())
                .unwrap_or_default();
            let assignment = first_raw.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            if assignment
                || matches!(
                    argv.get(1).and_then(|a| a.as_deref()),
                    Some(
                        "export"
                            | "local"
                            | "readonly"
                            | "declare"
                            | "typeset"
                            | "unset"
                            | "set"
                            | "shift"
                    )
                )
            {
                if let Some((name, _)) = first_raw.split_once('=') {
                    st.vars.set.insert(name.to_string(), None);
                }
                st.status = Tri::True;
                return vec![st];
            }
            // `eval exec "'$JAVA'" $OPTS`: an exec of the words (one level of
            // quotes removed, as eval's second parse does).
            // The same when `exec` comes from a variable's value
            // (`exec_cmd="exec su-exec neo4j"; eval ${exec_cmd} $cmd`: neo4j's
            // docker-entrypoint.sh).
            let first = argv
                .get(1)
                .and_then(|a| a.as_deref())
                .and_then(|a| a.split_whitespace().next());
            if first == Some("exec") {
                let mut words: Vec<Option<String>> = Vec::new();
                for a in &argv[1..] {
                    match a {
                        Some(v) => words.extend(v.split_whitespace().map(|w| {
                            let w = w
                                .strip_prefix('\'')
                                .and_then(|x| x.strip_suffix('\''))
                                .or_else(|| w.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
                                .unwrap_or(w);
                            Some(w.to_string())
                        })),
                        None => words.push(None),
                    }
                }
                if words.len() > 1 {
                    return self.exec(file, n, &words, st);
                }
            }
            // Words known at run time without shell syntax: the command
            // they make (`eval exec ./app "$@" $EXTRA`).
            let mut words: Vec<Option<String>> = Vec::new();
            let mut plain = true;
            for a in &argv[1..] {
                match a {
                    Some(v)
                        if !v.contains([
                            '|', '&', ';', '<', '>', '(', ')', '$', '`', '"', '\'', '\\', '*', '?',
                            '[', '\n',
                        ]) =>
                    {
                        words.extend(v.split_whitespace().map(|w| Some(w.to_string())));
                    }
                    Some(_) => plain = false,
                    // Values only known at run time: taken as arguments.
                    None => words.push(None),
                }
            }
            let named = words.iter().take(2).all(std::option::Option::is_some);
            if plain && named && !words.is_empty() {
                if words[0].as_deref() == Some("exec") {
                    return self.exec(file, n, &words, st);
                }
                let src = self.src(file);
                let prog = Prog {
                    at: self.loc(file, n),
                    cmd: build_cmd(src, n),
                    lifetime: lifetime(&words),
                    argv: words,
                };
                self.program(&mut st, prog, How::Simple);
                return vec![st];
            }
            // Text known only at run time: a program dsig cannot name.
            let src = self.src(file);
            let prog = Prog {
                at: self.loc(file, n),
                cmd: build_cmd(src, n),
                lifetime: Lifetime::Unknown,
                argv: argv.to_vec(),
            };
            self.program(&mut st, prog, How::Simple);
            return vec![st];
        };
        if self.depth >= MAX_DEPTH {
            st.status = Tri::Unknown;
            return vec![st];
        }
        self.depth += 1;
        let saved = st.nest.in_eval;
        st.nest.in_eval = true;
        let root = self.files[idx].tree.root_node();
        let mut out = self.block(idx, &statements(root), vec![st]);
        self.depth -= 1;
        for s in &mut out {
            s.nest.in_eval = saved;
        }
        out
    }

    fn call(
        &mut self,
        file: usize,
        n: Node<'t>,
        f: &str,
        argv: &[Option<String>],
        mut st: St,
    ) -> Vec<St> {
        let (ffile, body) = self.functions[f];
        let recursion = self.calls.iter().filter(|c| *c == f).count();
        if recursion >= 2 || self.depth >= MAX_DEPTH {
            let why = if recursion >= 2 {
                format!("`{f}` calls itself (recursion)")
            } else {
                format!("function calls nest more than {MAX_DEPTH} deep at `{f}`")
            };
            self.give_up(&mut st, file, n, why);
            return vec![st];
        }
        let saved_args = st.vars.args.clone();
        st.vars.args = argv[1..].iter().cloned().collect();
        let saved_nest = st.nest.in_function;
        st.nest.in_function = true;
        let key = fingerprint(f, self.generation, &st);
        if let Some(sum) = self.summaries.get(&key).cloned() {
            // The same call again (from another branch): replay it.
            let conds = st.conds.clone();
            for i in sum.paths {
                let (end, pc) = {
                    let p = &self.paths[i];
                    let mut c = conds.clone();
                    if p.conditions.len() >= sum.prefix {
                        c.extend(p.conditions[sum.prefix..].iter().cloned());
                    }
                    (p.end.clone(), c)
                };
                self.merge_into(i, &end, &pc);
            }
            let mut out = sum.out;
            for s in &mut out {
                let suffix: Vec<String> = s.conds.get(sum.prefix..).unwrap_or(&[]).to_vec();
                s.conds.clone_from(&conds);
                s.conds.extend(suffix);
                s.vars.args.clone_from(&saved_args);
                s.nest.in_function = saved_nest;
            }
            return out;
        }
        let prefix = st.conds.len();
        self.depth += 1;
        self.calls.push(f.to_string());
        self.emit_log.push(Vec::new());
        let stmts = if body.kind() == "compound_statement" {
            statements(body)
        } else {
            vec![(body, false)]
        };
        let mut out = self.block(ffile, &stmts, vec![st]);
        let reached = self.emit_log.pop().unwrap_or_default();
        if let Some(outer) = self.emit_log.last_mut() {
            outer.extend(reached.iter().copied());
        }
        self.calls.pop();
        self.depth -= 1;
        for s in &mut out {
            if s.ctl == Ctl::Return {
                s.ctl = Ctl::Normal;
            }
        }
        let mut paths = reached;
        paths.sort_unstable();
        paths.dedup();
        self.summaries.insert(
            key,
            Summary {
                prefix,
                out: out.clone(),
                paths,
            },
        );
        for s in &mut out {
            s.vars.args.clone_from(&saved_args);
            s.nest.in_function = saved_nest;
        }
        out
    }

    fn list(&mut self, file: usize, n: Node<'t>, st: St) -> Vec<St> {
        let mut c = n.walk();
        let kids: Vec<Node> = n
            .children(&mut c)
            .filter(|k| k.kind() != "comment")
            .collect();
        let (Some(left), Some(op), Some(right)) = (kids.first(), kids.get(1), kids.last()) else {
            return vec![st];
        };
        let and = op.kind() == "&&";
        let before_fg = st.fg.clone();
        let left_out = self.stmt(file, *left, false, st);
        let mut out = Vec::new();
        for s in left_out {
            if s.ctl != Ctl::Normal {
                out.push(s);
                continue;
            }
            let run_right = match (s.status, and) {
                (Tri::True, true) | (Tri::False, false) => Some(s),
                (Tri::False, true) | (Tri::True, false) => {
                    out.push(s);
                    None
                }
                (Tri::Unknown, _) => {
                    // Both ways. The side where the left command failed:
                    // it finished, so it is not the workload.
                    let mut skip = s.clone();
                    let mut run = s;
                    let (failed, text) = if and {
                        (&mut skip, "fails")
                    } else {
                        (&mut run, "fails")
                    };
                    if failed.fg != before_fg {
                        failed.fg.clear();
                    }
                    let _ = text;
                    skip.status = if and { Tri::False } else { Tri::True };
                    // On the side that skips it, the right-hand command still
                    // follows the program (it runs when the program ends the
                    // other way): nothing can exec the program in its place.
                    if skip.fg != before_fg {
                        let right_loc = self.loc(file, *right);
                        let is_exit = self.name_of(file, *right).as_deref() == Some("exit");
                        self.after(&mut skip, right_loc, is_exit);
                    }
                    out.push(skip);
                    Some(run)
                }
            };
            if let Some(mut r) = run_right {
                let saved = (r.nest.after_and, r.nest.after_or);
                if and {
                    r.nest.after_and = true;
                } else {
                    r.nest.after_or = true;
                }
                let mut ro = self.stmt(file, *right, false, r);
                for x in &mut ro {
                    x.nest.after_and = saved.0;
                    x.nest.after_or = saved.1;
                }
                out.extend(ro);
            }
        }
        out
    }

    fn pipeline(&mut self, file: usize, n: Node<'t>, mut st: St) -> Vec<St> {
        let src = self.src(file);
        let mut c = n.walk();
        let elems: Vec<Node> = n
            .named_children(&mut c)
            .filter(|k| k.kind() != "comment")
            .collect();
        let mut chosen: Option<(Prog, How)> = None;
        for (i, e) in elems.iter().enumerate() {
            let body = if e.kind() == "redirected_statement" {
                e.child_by_field_name("body").unwrap_or(*e)
            } else {
                *e
            };
            if body.kind() != "command" {
                continue; // `while read` loops and the like consume input
            }
            let prog = self.prog(file, body, &st.vars);
            let (prog, how) = if prog.name() == Some("exec") {
                let target = prog.argv[1..].to_vec();
                (
                    Prog {
                        lifetime: lifetime(&target),
                        argv: target,
                        ..prog
                    },
                    How::ExecInChild,
                )
            } else {
                (prog, How::Pipeline)
            };
            let filter = i > 0
                && matches!(
                    prog.name().map(crate::shell::base_name),
                    Some(
                        "tee"
                            | "grep"
                            | "sed"
                            | "awk"
                            | "cat"
                            | "logger"
                            | "cut"
                            | "tr"
                            | "sort"
                            | "uniq"
                            | "head"
                            | "tail"
                            | "xargs"
                            | "jq"
                            | "rotatelogs"
                            | "cronolog"
                            | "ts"
                            | "multilog"
                            | "svlogd"
                            | "s6-log"
                    )
                );
            if filter {
                continue;
            }
            let is_fn = prog.name().is_some_and(|f| self.functions.contains_key(f));
            if is_fn && how != How::ExecInChild {
                // A function as an element runs in a subshell: what it
                // starts (even with `exec`) is a child of PID 1.
                let f = prog.name().unwrap_or_default().to_string();
                let mut sub = st.clone();
                sub.child += 1;
                sub.fg.clear();
                for o in self.call(file, body, &f, &prog.argv, sub) {
                    for c in o.fg {
                        let long = c.prog.lifetime == Lifetime::LongRunning;
                        let h = if c.how == How::ExecInChild {
                            How::ExecInChild
                        } else {
                            How::Pipeline
                        };
                        if chosen.is_none() || long {
                            chosen = Some((Prog::clone(&c.prog), h));
                        }
                    }
                }
                continue;
            }
            if prog.lifetime == Lifetime::OneShot && how != How::ExecInChild {
                continue;
            }
            if chosen.is_none() || prog.lifetime == Lifetime::LongRunning {
                let long = prog.lifetime == Lifetime::LongRunning;
                chosen = Some((prog, how));
                if long {
                    break;
                }
            }
        }
        let _ = src;
        if let Some((mut prog, how)) = chosen {
            prog.at = self.loc(file, n);
            prog.cmd.span = n.start_byte()..n.end_byte();
            self.program(&mut st, prog, how);
        } else {
            let loc = self.loc(file, n);
            self.after(&mut st, loc, false);
            st.status = Tri::True;
        }
        vec![st]
    }

    fn subshell(&mut self, file: usize, n: Node<'t>, mut st: St) -> Vec<St> {
        let saved_vars = st.vars.clone();
        let saved_traps = st.traps.clone();
        let saved_jobs = st.jobs.clone();
        st.child += 1;
        let out = self.block(file, &statements(n), vec![st]);
        let mut res = Vec::new();
        for mut s in out {
            s.child -= 1;
            s.vars = saved_vars.clone();
            s.traps = saved_traps.clone();
            s.jobs.clone_from(&saved_jobs);
            if matches!(s.ctl, Ctl::Exit | Ctl::Return) && s.done != Some(usize::MAX) {
                s.ctl = Ctl::Normal;
            }
            for c in &mut s.fg {
                if c.how == How::Simple {
                    c.how = How::Subshell;
                }
            }
            res.push(s);
        }
        res
    }

    /// Clauses of an if statement: (condition statements, body statements).
    #[allow(clippy::type_complexity)]
    fn clauses(n: Node<'t>) -> Vec<(Option<Vec<(Node<'t>, bool)>>, Vec<(Node<'t>, bool)>)> {
        let mut out = Vec::new();
        let mut cond: Vec<(Node<'t>, bool)> = Vec::new();
        let mut body: Vec<(Node<'t>, bool)> = Vec::new();
        let mut in_body = false;
        let mut c = n.walk();
        for k in n.children(&mut c) {
            match k.kind() {
                "then" => in_body = true,
                "elif_clause" | "else_clause" | "fi" => {
                    if in_body || !cond.is_empty() {
                        out.push((Some(std::mem::take(&mut cond)), std::mem::take(&mut body)));
                    }
                    in_body = false;
                    if k.kind() == "elif_clause" {
                        out.extend(Self::clauses(k));
                    } else if k.kind() == "else_clause" {
                        out.push((None, statements(k)));
                    }
                }
                "&" => {
                    let target = if in_body { &mut body } else { &mut cond };
                    if let Some(l) = target.last_mut() {
                        l.1 = true;
                    }
                }
                _ if k.is_named() && k.kind() != "comment" => {
                    if in_body {
                        body.push((k, false));
                    } else {
                        cond.push((k, false));
                    }
                }
                _ => {}
            }
        }
        if in_body || !cond.is_empty() {
            out.push((Some(cond), body));
        }
        out
    }

    fn if_statement(&mut self, file: usize, n: Node<'t>, st: St) -> Vec<St> {
        let src = self.src(file);
        let clauses = Self::clauses(n);
        let saved_if = st.nest.in_if;
        let mut pending = vec![st];
        let mut out = Vec::new();
        for (cond, body) in clauses {
            if pending.is_empty() {
                break;
            }
            let Some(cond) = cond else {
                // else
                for mut s in std::mem::take(&mut pending) {
                    s.nest.in_if = true;
                    for x in self.block(file, &body, vec![s]) {
                        push_join(&mut out, x);
                    }
                }
                break;
            };
            let ctext = cond
                .iter()
                .map(|(k, _)| text(src, *k).trim().trim_end_matches(';').to_string())
                .collect::<Vec<_>>()
                .join("; ");
            let ctext = shorten(&ctext);
            let mut next = Vec::new();
            for s in std::mem::take(&mut pending) {
                let mut evaluated = Vec::new();
                for mut e in self.block(file, &cond, vec![s]) {
                    if e.ctl != Ctl::Normal {
                        out.push(e);
                        continue;
                    }
                    // A condition's program finished (its status is tested).
                    e.fg.retain(|c| !cond_contains(&cond, &c.prog.at));
                    evaluated.push(e);
                }
                for e in evaluated {
                    match e.status {
                        Tri::True => {
                            let mut e = e;
                            e.nest.in_if = true;
                            for x in self.block(file, &body, vec![e]) {
                                push_join(&mut out, x);
                            }
                        }
                        Tri::False => next.push(e),
                        Tri::Unknown => {
                            let mut yes = e.clone();
                            push_cond(&mut yes.conds, format!("`{ctext}` is true"));
                            yes.nest.in_if = true;
                            for x in self.block(file, &body, vec![yes]) {
                                push_join(&mut out, x);
                            }
                            let mut no = e;
                            push_cond(&mut no.conds, format!("`{ctext}` is false"));
                            next.push(no);
                        }
                    }
                }
            }
            pending = next;
        }
        out.extend(pending);
        for s in &mut out {
            s.nest.in_if = saved_if;
            if s.ctl == Ctl::Normal {
                s.status = Tri::Unknown;
            }
        }
        self.join(out)
    }

    fn case_statement(&mut self, file: usize, n: Node<'t>, st: St) -> Vec<St> {
        let src = self.src(file);
        let value_node = n.child_by_field_name("value");
        let value = value_node.and_then(|v| expand_one(src, v, &st.vars));
        let vtext = value_node.map_or("", |v| text(src, v)).to_string();
        let mut c = n.walk();
        let items: Vec<Node> = n
            .named_children(&mut c)
            .filter(|k| k.kind() == "case_item")
            .collect();
        let saved_if = st.nest.in_if;
        let mut out = Vec::new();
        let mut rest = Some(st);
        for item in items {
            let Some(cur) = rest.take() else { break };
            let mut pats: Vec<Option<String>> = Vec::new();
            let mut body = Vec::new();
            let mut ic = item.walk();
            for (i, k) in item.children(&mut ic).enumerate() {
                if item.field_name_for_child(i as u32) == Some("value") {
                    pats.push(pattern(src, k, &cur.vars));
                } else if k.kind() == "&" {
                    if let Some(l) = body.last_mut() {
                        let l: &mut (Node, bool) = l;
                        l.1 = true;
                    }
                } else if k.is_named() && k.kind() != "comment" {
                    body.push((k, false));
                }
            }
            let ptext = {
                let mut ic = item.walk();
                let v: Vec<String> = item
                    .children(&mut ic)
                    .enumerate()
                    .filter(|(i, _)| item.field_name_for_child(*i as u32) == Some("value"))
                    .map(|(_, k)| text(src, k).to_string())
                    .collect();
                v.join("|")
            };
            let matches = match &value {
                Some(v) => {
                    let mut m = Tri::False;
                    for p in &pats {
                        match p {
                            Some(p) if expand::glob(p, v) => {
                                m = Tri::True;
                                break;
                            }
                            Some(_) => {}
                            None => m = Tri::Unknown,
                        }
                    }
                    m
                }
                None => {
                    if pats.iter().any(|p| p.as_deref() == Some("*")) {
                        Tri::True
                    } else {
                        Tri::Unknown
                    }
                }
            };
            match matches {
                Tri::True => {
                    let mut s = cur;
                    s.nest.in_if = true;
                    if value.is_none() && !pats.iter().any(|p| p.as_deref() == Some("*")) {
                        push_cond(
                            &mut s.conds,
                            format!("`{}` matches `{}`", shorten(&vtext), shorten(&ptext)),
                        );
                    }
                    for x in self.block(file, &body, vec![s]) {
                        push_join(&mut out, x);
                    }
                }
                Tri::False => rest = Some(cur),
                Tri::Unknown => {
                    let mut s = cur.clone();
                    s.nest.in_if = true;
                    push_cond(
                        &mut s.conds,
                        format!("`{}` matches `{}`", shorten(&vtext), shorten(&ptext)),
                    );
                    for x in self.block(file, &body, vec![s]) {
                        push_join(&mut out, x);
                    }
                    let mut r = cur;
                    push_cond(
                        &mut r.conds,
                        format!("`{}` does not match `{}`", shorten(&vtext), shorten(&ptext)),
                    );
                    rest = Some(r);
                }
            }
        }
        out.extend(rest);
        for s in &mut out {
            s.nest.in_if = saved_if;
        }
        self.join(out)
    }

    fn while_loop(&mut self, file: usize, n: Node<'t>, st: St) -> Vec<St> {
        let src = self.src(file);
        let until = text(src, n).starts_with("until");
        let mut cond = Vec::new();
        let mut c = n.walk();
        for (i, k) in n.children(&mut c).enumerate() {
            if n.field_name_for_child(i as u32) == Some("condition") && k.is_named() {
                cond.push((k, false));
            }
        }
        let body = n
            .child_by_field_name("body")
            .map(statements)
            .unwrap_or_default();
        let mut out = Vec::new();
        // A loop driven by values dsig knows (`while [ $# -gt 0 ]; do case
        // "$1" in ...; esac; shift; done`): run it round by round while the
        // condition is decided, up to MAX_FOR_VALUES rounds.
        let data_driven = cond.iter().any(|(k, _)| text(src, *k).contains('$'));
        let mut pending = vec![st];
        let mut rounds = 0;
        while data_driven && !pending.is_empty() && rounds < super::MAX_FOR_VALUES {
            rounds += 1;
            let mut next = Vec::new();
            let mut undecided = Vec::new();
            for e in self.block(file, &cond, pending) {
                if e.ctl != Ctl::Normal {
                    out.push(e);
                    continue;
                }
                match if until { e.status.negate() } else { e.status } {
                    Tri::False => {
                        let mut e = e;
                        e.status = Tri::True;
                        out.push(e);
                    }
                    Tri::True => {
                        let before_fg = e.fg.clone();
                        let saved_loop = e.in_loop;
                        let mut e = e;
                        e.in_loop = true;
                        for mut s in self.block(file, &body, vec![e]) {
                            let broke = matches!(s.ctl, Ctl::Break(1));
                            leave_body(&mut s, &before_fg, saved_loop);
                            if broke || s.ctl != Ctl::Normal {
                                out.push(s);
                            } else {
                                next.push(s);
                            }
                        }
                    }
                    Tri::Unknown => undecided.push(e),
                }
            }
            // Undecided rounds: read abstractly below, from that state on.
            out.extend(self.while_abstract(file, n, &cond, &body, until, undecided));
            pending = self.join(next);
        }
        // Not driven by known values, or past the last round followed: read
        // abstractly.
        out.extend(self.while_abstract(file, n, &cond, &body, until, pending));
        self.join(out)
    }

    /// A loop read once: its body runs zero or more times, or for ever.
    fn while_abstract(
        &mut self,
        file: usize,
        n: Node<'t>,
        cond: &[(Node<'t>, bool)],
        body: &[(Node<'t>, bool)],
        until: bool,
        states: Vec<St>,
    ) -> Vec<St> {
        let src = self.src(file);
        let mut out = Vec::new();
        if states.is_empty() {
            return out;
        }
        for e in self.block(file, cond, states) {
            if e.ctl != Ctl::Normal {
                out.push(e);
                continue;
            }
            let runs = if until { e.status.negate() } else { e.status };
            let leaves = has_exit_from(src, n);
            if runs == Tri::True && !leaves {
                out.extend(self.forever(file, n, body, e));
                continue;
            }
            // Zero or more times: once, joined with not at all.
            let mut skip = e.clone();
            skip.status = Tri::True;
            let mut e = e;
            if runs == Tri::False {
                out.push(skip);
                continue;
            }
            e.status = Tri::True;
            let before_fg = e.fg.clone();
            let saved_loop = e.in_loop;
            e.in_loop = true;
            let inner = self.block(file, body, vec![e]);
            for mut s in inner {
                leave_body(&mut s, &before_fg, saved_loop);
                out.push(s);
            }
            out.push(skip);
        }
        self.join(out)
    }

    /// A loop that never ends: what its body keeps running.
    fn forever(&mut self, file: usize, n: Node<'t>, body: &[(Node<'t>, bool)], st: St) -> Vec<St> {
        let before_fg = st.fg.clone();
        let before_done = st.done;
        let mut e = st;
        e.fg.clear();
        let saved = (e.inf_loop, e.in_loop);
        e.inf_loop = true;
        e.in_loop = true;
        let inner = self.block(file, body, vec![e]);
        let mut out = Vec::new();
        for mut s in inner {
            (s.inf_loop, s.in_loop) = saved;
            if s.done != before_done || s.ctl == Ctl::Exit {
                out.push(s);
                continue;
            }
            let fg = std::mem::take(&mut s.fg);
            for mut c in fg.iter().cloned() {
                c.how = How::RestartLoop;
                self.emit_cand(c);
            }
            if fg.is_empty() {
                let _ = &before_fg;
                let src = self.src(file);
                let prog = Prog {
                    at: self.loc(file, n),
                    cmd: Cmd {
                        span: n.start_byte()..n.end_byte(),
                        name_start: n.start_byte(),
                        words: vec![ScriptWord {
                            raw: shorten(text(src, n)),
                            value: None,
                            span: n.start_byte()..n.end_byte(),
                        }],
                    },
                    argv: vec![None],
                    lifetime: Lifetime::LongRunning,
                };
                let mut c = self.cand(&s, prog, How::PollLoop);
                c.how = How::PollLoop;
                self.emit_cand(c);
            }
            s.done = Some(usize::MAX);
            s.ctl = Ctl::Exit;
            out.push(s);
        }
        out
    }

    fn for_loop(&mut self, file: usize, n: Node<'t>, st: St) -> Vec<St> {
        let src = self.src(file);
        let body = n
            .child_by_field_name("body")
            .map(statements)
            .unwrap_or_default();
        // Values known one by one (literal words, globs dsig can list):
        // the body runs once per value, in order.
        if let (Some(var), Some(values)) = (
            n.child_by_field_name("variable"),
            self.for_values(file, n, &st.vars),
        ) {
            let name = text(src, var).to_string();
            let before_fg = st.fg.clone();
            let mut states = vec![st];
            for v in values {
                let mut next = Vec::new();
                for mut s in states {
                    if s.ctl != Ctl::Normal {
                        next.push(s);
                        continue;
                    }
                    s.vars.set.insert(name.clone(), Some(v.clone()));
                    for mut o in self.block(file, &body, vec![s]) {
                        match o.ctl {
                            Ctl::Continue(1) => o.ctl = Ctl::Normal,
                            Ctl::Break(1) => o.ctl = Ctl::Break(0),
                            _ => {}
                        }
                        // The loop goes on: each program of its body finished.
                        if o.fg != before_fg {
                            o.fg.clone_from(&before_fg);
                        }
                        next.push(o);
                    }
                }
                states = self.join(next);
            }
            for s in &mut states {
                match s.ctl {
                    Ctl::Break(0) => s.ctl = Ctl::Normal,
                    Ctl::Break(k) if k > 1 => s.ctl = Ctl::Break(k - 1),
                    Ctl::Continue(k) if k > 1 => s.ctl = Ctl::Continue(k - 1),
                    _ => {}
                }
                if s.ctl == Ctl::Normal {
                    s.status = Tri::True;
                }
            }
            return states;
        }
        let mut e = st.clone();
        if let Some(v) = n.child_by_field_name("variable") {
            e.vars.set.insert(text(src, v).to_string(), None);
        }
        let before_fg = st.fg.clone();
        let saved_loop = e.in_loop;
        e.in_loop = true;
        let mut out = vec![st];
        for mut s in self.block(file, &body, vec![e]) {
            leave_body(&mut s, &before_fg, saved_loop);
            out.push(s);
        }
        for s in &mut out {
            if s.ctl == Ctl::Normal {
                s.status = Tri::True;
            }
        }
        self.join(out)
    }

    /// The values of a `for` loop when each is known: literal words and
    /// globs that [`Env::list`] expands; `None` otherwise or past
    /// [`super::MAX_FOR_VALUES`].
    fn for_values(&self, file: usize, n: Node<'t>, vars: &Vars) -> Option<Vec<String>> {
        let src = self.src(file);
        let mut out = Vec::new();
        let mut c = n.walk();
        let mut any = false;
        for (i, v) in n.children(&mut c).enumerate() {
            if n.field_name_for_child(i as u32) != Some("value") {
                continue;
            }
            any = true;
            let raw = text(src, v);
            if v.kind() == "word" && raw.contains(['*', '?', '[']) {
                if raw.contains(['$', '`', '"', '\'']) {
                    return None;
                }
                let listed = (self.env.list)(raw);
                self.log
                    .borrow_mut()
                    .lists
                    .push((raw.to_string(), listed.clone()));
                out.extend(listed?);
            } else {
                for f in expand(src, v, vars) {
                    out.push(f?);
                }
            }
            if out.len() > super::MAX_FOR_VALUES {
                return None;
            }
        }
        any.then_some(out)
    }
}

/// A `-c` string's last program: the shell may exec it itself.
fn implicit_exec(
    command_string: bool,
    shell: Option<ShellKind>,
    paths: &mut [Path],
    nests: &[Option<Nest>],
) {
    if !command_string {
        return;
    }
    let Some(sh) = shell else { return };
    let f = facts(sh);
    for (p, nest) in paths.iter_mut().zip(nests) {
        let Some(nest) = nest else { continue };
        let End::Foreground {
            prog, how, after, ..
        } = &p.end
        else {
            continue;
        };
        if !after.is_empty() || !p.jobs.is_empty() {
            continue;
        }
        let sh = f.shell.name();
        let trap = p.traps.iter().find(|t| {
            if t.signal == "EXIT" {
                !f.c_execs_with_exit_trap
            } else if t.ignores() {
                !f.c_execs_with_ignored_signal
            } else {
                !f.c_execs_with_trap
            }
        });
        let why: Option<String> = if !f.c_execs_last {
            Some(format!("{sh} never execs a command on its own"))
        } else if let Some(t) = trap {
            Some(format!(
                "a {} trap is set, and {sh} does not exec a command while a trap is set",
                t.signal
            ))
        } else if !(matches!(how, How::Simple) || (*how == How::Subshell && f.c_execs_in_subshell))
        {
            Some(match how {
                How::Pipeline => "no shell execs a pipeline".to_string(),
                How::Subshell => format!("{sh} does not exec a command in a subshell"),
                How::Negated => format!("{sh} does not exec a negated command (`!`)"),
                _ => "the last command is a loop".to_string(),
            })
        } else if nest.redirected && !f.c_execs_with_redirect {
            Some(format!("{sh} does not exec a command with redirections"))
        } else if nest.in_if && !f.c_execs_in_if {
            Some(format!(
                "{sh} does not exec a command inside `if` or `case`"
            ))
        } else if nest.in_group && !f.c_execs_in_group {
            Some(format!("{sh} does not exec a command inside `{{ }}`"))
        } else if nest.negated && !f.c_execs_negated {
            Some(format!("{sh} does not exec a negated command (`!`)"))
        } else if nest.in_function && !f.c_execs_after_function {
            Some(format!("{sh} does not exec a command inside a function"))
        } else if nest.in_eval && !f.c_execs_eval {
            Some(format!("{sh} does not exec a command run by `eval`"))
        } else if nest.after_and && !f.c_execs_after_and {
            Some(format!("{sh} does not exec a command after `&&`"))
        } else if nest.after_or && !f.c_execs_after_or {
            Some(format!("{sh} does not exec a command after `||`"))
        } else if nest.assigned && !f.c_execs_with_assignment {
            Some(format!(
                "{sh} does not exec a command with variable assignments"
            ))
        } else {
            None
        };
        let ok = why.is_none();
        p.no_exec = why;
        if ok {
            p.end = End::Exec {
                prog: prog.clone(),
                explicit: false,
            };
        }
    }
}

/// One path per distinct end, traps and background jobs (reached again
/// once the traps' effects and a `-c` string's exec are known).
fn dedup(paths: Vec<Path>) -> Vec<Path> {
    let mut out: Vec<Path> = Vec::new();
    for p in paths {
        let same = out.iter_mut().find(|o| {
            same_end(&o.end, &p.end)
                && o.traps == p.traps
                && o.jobs.len() == p.jobs.len()
                && o.jobs
                    .iter()
                    .zip(&p.jobs)
                    .all(|(a, b)| a.prog.at == b.prog.at)
        });
        match same {
            Some(o) => merge_path(o, &p.end, &p.conditions),
            None => out.push(p),
        }
    }
    out
}

/// `o` reached again another way, ending in `end` under `conditions`: its
/// conditions become what the ways share, and what runs after it is joined.
fn merge_path(o: &mut Path, end: &End, conditions: &[String]) {
    let common = o
        .conditions
        .iter()
        .zip(conditions)
        .take_while(|(a, b)| a == b)
        .count();
    o.conditions.truncate(common);
    match (&mut o.end, end) {
        (
            End::Foreground {
                after: a,
                only_exit_after: oa,
                ..
            },
            End::Foreground {
                after: b,
                only_exit_after: ob,
                ..
            },
        ) => {
            for l in b {
                if !a.contains(l) {
                    a.push(l.clone());
                }
            }
            *oa &= *ob;
        }
        (End::Wait { waits_again: a, .. }, End::Wait { waits_again: b, .. }) => *a |= *b,
        _ => {}
    }
}

fn same_end(a: &End, b: &End) -> bool {
    match (a, b) {
        (
            End::Exec {
                prog: x,
                explicit: e,
            },
            End::Exec {
                prog: y,
                explicit: f,
            },
        ) => x.at == y.at && e == f && x.argv == y.argv,
        (
            End::Foreground {
                prog: x, how: h, ..
            },
            End::Foreground {
                prog: y, how: g, ..
            },
        ) => x.at == y.at && h == g,
        (End::Wait { at: x, .. }, End::Wait { at: y, .. }) => x == y,
        (End::Exit { .. }, End::Exit { .. }) => true,
        (End::Fails { at: x, .. }, End::Fails { at: y, .. }) => x == y,
        (End::Unknown { at: x, .. }, End::Unknown { at: y, .. }) => x == y,
        _ => false,
    }
}

fn snapshot(traps: &BTreeMap<String, Trap>) -> Vec<Trap> {
    traps.values().cloned().collect()
}

/// A case pattern's literal value (`None` when it expands at run time).
fn pattern(src: &str, n: Node, vars: &Vars) -> Option<String> {
    match n.kind() {
        "extglob_pattern" | "word" => Some(text(src, n).to_string()),
        _ => expand_one(src, n, vars),
    }
}

fn cond_contains(cond: &[(Node, bool)], at: &Loc) -> bool {
    cond.iter()
        .any(|(k, _)| k.start_byte() <= at.span.start && at.span.end <= k.end_byte())
}

/// Whether a loop's body can leave it (`break`, `return`, `exit`).
fn has_exit_from(src: &str, n: Node) -> bool {
    let mut found = false;
    walk(n, |k| {
        if k.kind() == "command_name" {
            found |= matches!(text(src, k), "break" | "return" | "exit");
        }
    });
    found
}

fn shorten(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 60 {
        let mut t: String = one.chars().take(57).collect();
        t.push_str("...");
        t
    } else {
        one
    }
}

/// A [`Cmd`] for a command node (words literal where literal).
fn build_cmd(src: &str, n: Node) -> Cmd {
    let mut name_start = n.start_byte();
    let mut c = n.walk();
    for k in n.named_children(&mut c) {
        if k.kind() == "command_name" && k.start_byte() != k.end_byte() {
            name_start = k.start_byte();
            break;
        }
    }
    Cmd {
        span: n.start_byte()..n.end_byte(),
        name_start,
        words: command_words(src, n),
    }
}

/// The program tables' answer ([`crate::shell::programs::lifetime`]).
fn table_lifetime(words: &[Option<&str>]) -> Lifetime {
    if words.is_empty() {
        return Lifetime::Unknown;
    }
    match crate::shell::programs::lifetime(words) {
        crate::shell::programs::Lifetime::OneShot => Lifetime::OneShot,
        crate::shell::programs::Lifetime::LongRunning => Lifetime::LongRunning,
        crate::shell::programs::Lifetime::Unknown => {
            // A filter given an operand reads that file and finishes (`cat
            // "$file"`), whatever the file's name.
            let base = words
                .first()
                .copied()
                .flatten()
                .map(crate::shell::base_name);
            // Files after the program text for grep, sed, awk and jq.
            let needs = match base {
                Some(
                    "cat" | "head" | "wc" | "sort" | "uniq" | "cut" | "base64" | "md5sum"
                    | "sha256sum",
                ) => 1,
                Some("grep" | "egrep" | "fgrep" | "sed" | "awk" | "jq") => 2,
                _ => usize::MAX,
            };
            let operands = words[1..]
                .iter()
                .filter(|w| !w.is_some_and(|w| w.starts_with('-')))
                .count();
            // Client tools that ask a server and finish (as the earlier
            // one-shot list had them).
            if matches!(base, Some("docker" | "podman" | "kubectl" | "helm")) {
                return Lifetime::OneShot;
            }
            let filter = needs != usize::MAX;
            let operand = operands >= needs;
            let follows = words
                .iter()
                .any(|w| matches!(w, Some("-f" | "-F" | "--follow")));
            if filter && operand && !(base == Some("tail") && follows) {
                Lifetime::OneShot
            } else {
                Lifetime::Unknown
            }
        }
    }
}

/// busybox's own applets (Alpine's `chroot`, and `setpriv` where util-linux
/// is not installed) lack GNU and util-linux options: the adversarial
/// kernel suite saw `exec chroot --userspec=...` and `exec setpriv
/// --reuid=...` fail to start under busybox ash (busybox 1.35).
fn busybox_lacks(argv: &[Option<String>]) -> Option<String> {
    let name = argv.first()?.as_deref()?;
    let base = crate::shell::base_name(name);
    let opts: &[&str] = match base {
        "chroot" => &["--userspec", "--groups", "--skip-chdir"],
        "setpriv" => &[
            "--reuid",
            "--regid",
            "--init-groups",
            "--clear-groups",
            "--groups",
            "--keep-groups",
        ],
        _ => return None,
    };
    argv[1..].iter().flatten().find_map(|a| {
        let o = a.split('=').next().unwrap_or(a);
        opts.contains(&o).then(|| {
            format!("busybox's `{base}` (the one Alpine's /bin/sh runs) has no `{o}`: the script stops there with an error and the program never starts")
        })
    })
}

/// Whether a command's standard input comes from a file, a here-document
/// or a here-string (its own redirections or its statement's).
fn stdin_redirected(n: Node) -> bool {
    let is_input = |k: Node| match k.kind() {
        "heredoc_redirect" | "herestring_redirect" => true,
        "file_redirect" => {
            let mut c = k.walk();
            let r = k.children(&mut c).any(|t| t.kind() == "<");
            r
        }
        _ => false,
    };
    let mut c = n.walk();
    if n.children(&mut c).any(is_input) {
        return true;
    }
    match n.parent() {
        Some(p) if p.kind() == "redirected_statement" => {
            let mut c = p.walk();
            let r = p.children(&mut c).any(is_input);
            r
        }
        _ => false,
    }
}

/// A key for a path's end and traps.
fn end_key(end: &End, traps: &[Trap], jobs: &[Job]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match end {
        End::Exec { prog, explicit } => (0u8, &prog.at, explicit, &prog.argv).hash(&mut h),
        End::Foreground { prog, how, .. } => (1u8, &prog.at, how).hash(&mut h),
        End::Wait { at, .. } => (2u8, at).hash(&mut h),
        End::Exit { .. } => 3u8.hash(&mut h),
        End::Fails { at, .. } => (4u8, at).hash(&mut h),
        End::Unknown { at, .. } => (5u8, at).hash(&mut h),
    }
    traps.hash(&mut h);
    for j in jobs {
        j.prog.at.hash(&mut h);
    }
    h.finish()
}

/// A key for a function call: the function, the definitions in force, and
/// the entry state without its conditions.
fn fingerprint(f: &str, generation: u64, st: &St) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (f, generation).hash(&mut h);
    st.vars.hash(&mut h);
    for t in st.traps.values() {
        t.hash(&mut h);
    }
    for j in &st.jobs {
        (&j.prog.at, &j.prog.argv).hash(&mut h);
    }
    for c in &st.fg {
        (&c.prog.at, c.how, &c.conds, &c.after).hash(&mut h);
    }
    (st.done, st.child, st.inf_loop, st.in_loop, &st.opaque).hash(&mut h);
    format!("{:?}{:?}{:?}", st.status, st.ctl, st.nest).hash(&mut h);
    h.finish()
}

/// Add a condition to a path, up to [`MAX_CONDS`].
fn push_cond(conds: &mut Vec<String>, c: String) {
    if conds.len() < MAX_CONDS {
        conds.push(c);
    }
}

/// Add a state to `out`, joined with one of the same shape if there is one.
fn push_join(out: &mut Vec<St>, s: St) {
    if let Some(o) = out.iter_mut().find(|o| o.same_shape(&s)) {
        o.join(&s);
    } else {
        out.push(s);
    }
}

/// A state leaving a loop's body: the loop goes on, so each program of the
/// body finished (the last programs are those before the loop); `break` and
/// `continue` of this loop are done, those of outer loops go on.
fn leave_body(s: &mut St, before_fg: &[Cand], saved_loop: bool) {
    s.in_loop = saved_loop;
    if s.fg != before_fg {
        s.fg = before_fg.to_vec();
    }
    s.ctl = match s.ctl {
        Ctl::Break(k) if k > 1 => Ctl::Break(k - 1),
        Ctl::Continue(k) if k > 1 => Ctl::Continue(k - 1),
        Ctl::Break(_) | Ctl::Continue(_) => Ctl::Normal,
        c => c,
    };
}

/// A bash-only parameter expansion that dash rejects ("Bad substitution",
/// and the script stops): substrings `${v:1:2}`, replacements `${v/a/b}`,
/// case changes `${v^^}`, indirection `${!v}`, arrays `${a[@]}`. Measured by
/// the held-out kernel scenario h2-vault-first-char-sh.
fn dash_bad_substitution(src: &str, n: Node) -> Option<String> {
    let mut found = None;
    walk(n, |k| {
        if found.is_some() || k.kind() != "expansion" {
            return;
        }
        let t = text(src, k);
        let inner = t
            .strip_prefix("${")
            .and_then(|x| x.strip_suffix('}'))
            .unwrap_or("");
        let bad = if inner.starts_with('!') && inner.len() > 1 {
            true
        } else {
            let end = inner
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '@' || *c == '*'))
                .map_or(inner.len(), |(i, _)| i);
            let op = &inner[end..];
            op.starts_with('[')
                || op.starts_with('/')
                || op.starts_with('^')
                || op.starts_with(',')
                || (op.starts_with(':')
                    && !op.starts_with(":-")
                    && !op.starts_with(":=")
                    && !op.starts_with(":+")
                    && !op.starts_with(":?"))
        };
        if bad {
            found = Some(format!(
                "dash has no `{t}` (a bash expansion): it stops the script with \"Bad substitution\""
            ));
        }
    });
    found
}
