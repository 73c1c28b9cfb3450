//! The app an interpreter runs: its entry file in the build context, the
//! local modules it imports, and whether they install a handler for a stop
//! signal (`signal.signal(signal.SIGTERM, ...)`, `process.on('SIGTERM',
//! ...)`, `$SIG{TERM} = ...`) or call a library that does (`uvicorn.run`).
//!
//! This is part of the image model, not of the shell model: it reads files
//! of the build context through the same COPY/ADD index as the startup
//! scripts ([`CopyIndex::locate`]), and what it finds is a fact about the
//! program that runs, which rules then judge. It is not a parser: each
//! language is cut into tokens (identifiers, string literals, punctuation)
//! with its comments dropped, so a handler in a comment or inside a string
//! does not count, and the calls are matched on the tokens.
//!
//! Bounded for hostile input: at most [`MAX_FILES`] files, [`MAX_BYTES`]
//! per file and [`MAX_TOTAL`] in all, imports followed [`MAX_DEPTH`] levels
//! deep, and only files the build context puts in the image.

use super::context::{ContextFs, CopyIndex, Origin};
use crate::syntax::Dockerfile;
use std::fmt::Write as _;

/// Files read per program (the entry and the modules it imports).
pub const MAX_FILES: usize = 16;
/// A larger file is not read (generated or bundled code).
pub const MAX_BYTES: usize = 512 * 1024;
/// Bytes read per program in all.
pub const MAX_TOTAL: usize = 2 * 1024 * 1024;
/// Import levels followed below the entry file.
pub const MAX_DEPTH: usize = 2;
/// Programs scanned per lint.
pub const MAX_SCANS: usize = 8;

/// The languages whose apps dsig reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Node,
    Perl,
}

impl Lang {
    /// The language of an interpreter program (`python3.12` → Python).
    #[must_use]
    pub fn of(program: &str) -> Option<Lang> {
        let base = crate::shell::base_name(program);
        let trimmed = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        match trimmed {
            "python" => Some(Lang::Python),
            "node" | "nodejs" => Some(Lang::Node),
            "perl" => Some(Lang::Perl),
            _ => None,
        }
    }

    /// How an app of this language handles SIGTERM, for help texts.
    #[must_use]
    pub fn example(self) -> &'static str {
        match self {
            Lang::Python => "`signal.signal(signal.SIGTERM, ...)`",
            Lang::Node => "`process.on('SIGTERM', ...)`",
            Lang::Perl => "`$SIG{TERM} = sub { ... }`",
        }
    }

    /// The calls dsig looks for, for messages.
    #[must_use]
    pub fn looked_for(self) -> &'static str {
        match self {
            Lang::Python => "`signal.signal(SIGTERM, ...)`, `loop.add_signal_handler(SIGTERM, ...)`, `uvicorn.run` or `web.run_app`",
            Lang::Node => "`process.on('SIGTERM', ...)`, `process.once('SIGTERM', ...)`, `createTerminus` or `gracefulShutdown`",
            Lang::Perl => "`$SIG{TERM} = ...` or `use sigtrap`",
        }
    }
}

/// A stop-signal handler found in the app's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    /// The signal, without `SIG` (`TERM`).
    pub signal: String,
    /// The file (context-relative, or the image path of a heredoc).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What was found, for messages (`signal.signal(...)`, `uvicorn.run`).
    pub call: String,
}

/// What dsig found out about the app a program runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppScan {
    /// The program's words (as the chain or script gives them).
    pub argv: Vec<String>,
    pub lang: Lang,
    /// Files read, entry first (context-relative paths).
    pub files: Vec<String>,
    pub handlers: Vec<Handler>,
    /// `python -m gunicorn`: a program of the runtime table run as a module.
    pub module_program: Option<String>,
    /// Why the entry could not be read (`None` when it was).
    pub unread: Option<String>,
    /// A bound was hit: some local imports were not read.
    pub truncated: bool,
}

impl AppScan {
    /// What `argv` runs, nothing read yet.
    fn new(argv: &[String], lang: Lang) -> AppScan {
        AppScan {
            argv: argv.to_vec(),
            lang,
            files: Vec::new(),
            handlers: Vec::new(),
            module_program: None,
            unread: None,
            truncated: false,
        }
    }

    /// The first handler found for `signal` (without `SIG`).
    #[must_use]
    pub fn handler(&self, signal: &str) -> Option<&Handler> {
        self.handlers.iter().find(|h| h.signal == signal)
    }

    /// "app.py and the 2 local modules it imports (a.py, b.py)", for
    /// messages.
    #[must_use]
    pub fn looked_in(&self) -> String {
        let Some((entry, rest)) = self.files.split_first() else {
            return "no file".into();
        };
        let mut s = format!("`{entry}`");
        match rest.len() {
            0 => s.push_str(" (it imports no local module dsig could read)"),
            n => {
                let list: Vec<String> = rest.iter().take(4).map(|f| format!("`{f}`")).collect();
                let more = if n > 4 { ", ..." } else { "" };
                let _ = write!(
                    s,
                    " and the {n} local module{} it imports ({}{more})",
                    if n == 1 { "" } else { "s" },
                    list.join(", ")
                );
            }
        }
        if self.truncated {
            let _ = write!(s,
                ", and no further: dsig follows imports {MAX_DEPTH} levels deep and reads at most {MAX_FILES} files"
            );
        }
        s
    }
}

/// Where the app's files come from: the build context as the final stage
/// sees it.
pub struct Files<'a, 's> {
    pub copies: &'a CopyIndex<'s>,
    pub df: &'a Dockerfile<'s>,
    pub fs: &'a ContextFs<'a>,
}

impl Files<'_, '_> {
    /// The text of the file at an image path, with the name to show:
    /// `Err(why)` when it is in the image but not readable here, `None`
    /// when nothing of this build puts it there.
    fn read(&self, image_path: &str) -> Option<Result<(String, String), String>> {
        // A file copied on from another stage is read where that stage
        // gets it.
        match self
            .copies
            .locate(image_path, self.df, self.fs)
            .leaf()
            .clone()
        {
            // A directory is not a candidate file (`node .` tries `.` first).
            Origin::Context { rel, .. } if self.fs.is_dir(&rel) => None,
            Origin::Context { rel, .. } => match self.fs.read(&rel)? {
                Ok(t) if t.len() <= MAX_BYTES => {
                    let mut name = rel.as_str();
                    while let Some(r) = name.strip_prefix("./") {
                        name = r;
                    }
                    Some(Ok((t, name.to_string())))
                }
                Ok(_) => Some(Err(format!(
                    "`{rel}` is larger than {} KiB",
                    MAX_BYTES / 1024
                ))),
                Err(e) => Some(Err(format!("`{rel}`: {e}"))),
            },
            Origin::Heredoc {
                instruction,
                heredoc,
            } => {
                let h = self
                    .df
                    .instructions
                    .get(instruction)?
                    .heredocs()
                    .get(heredoc)?;
                Some(Ok((h.content.to_string(), image_path.to_string())))
            }
            Origin::Missing { rel, .. } => {
                Some(Err(format!("`{rel}` is not in the build context")))
            }
            Origin::Git { rel, .. } => Some(Err(format!("`{rel}` is inside `.git/`"))),
            Origin::NotCopied => None,
            _ => Some(Err(format!(
                "`{image_path}` does not come from the build context"
            ))),
        }
    }

    /// The first candidate that this build puts in the image and is a
    /// readable file.
    fn first(&self, candidates: &[String]) -> Option<Result<(String, String, String), String>> {
        let mut err = None;
        for c in candidates {
            match self.read(c) {
                Some(Ok((t, name))) => return Some(Ok((t, name, c.clone()))),
                Some(Err(e)) if err.is_none() => err = Some(e),
                _ => {}
            }
        }
        err.map(Err)
    }
}

fn join(dir: &str, p: &str) -> String {
    if p.starts_with('/') {
        super::context::normalize(p)
    } else {
        super::context::normalize(&format!("{dir}/{p}"))
    }
}

fn dir_of(p: &str) -> String {
    match p.rsplit_once('/') {
        Some(("", _)) | None => "/".into(),
        Some((d, _)) => d.into(),
    }
}

/// A library call that installs a stop-signal handler, and how that was
/// checked: measured (tests/runtimes.rs runs `probe` with /usr/bin/python3
/// as PID 1) or from the library's documentation (`source`).
pub struct Library {
    pub lang: Lang,
    /// The call as dsig matches it.
    pub call: &'static str,
    /// The signals it handles when its arguments name none.
    pub signals: &'static [&'static str],
    /// Python code that runs a server through the call (empty: documented).
    pub probe: &'static str,
    pub source: &'static str,
}

/// The library calls of rules/pid1-ignores-sigterm.md.
pub const LIBRARIES: &[Library] = &[
    Library {
        lang: Lang::Python,
        call: "uvicorn.run",
        signals: &["TERM", "INT"],
        probe: "import uvicorn\nasync def app(scope, receive, send):\n    pass\nuvicorn.run(app, host='127.0.0.1', port=0)\n",
        source: "",
    },
    Library {
        lang: Lang::Python,
        call: "web.run_app",
        signals: &["TERM", "INT"],
        probe: "from aiohttp import web\nweb.run_app(web.Application(), host='127.0.0.1', port=18487)\n",
        source: "",
    },
    Library {
        lang: Lang::Node,
        call: "createTerminus",
        signals: &["TERM"],
        probe: "",
        source: "https://www.npmjs.com/package/@godaddy/terminus",
    },
    Library {
        lang: Lang::Node,
        call: "gracefulShutdown",
        signals: &["TERM", "INT"],
        probe: "",
        source: "https://www.npmjs.com/package/http-graceful-shutdown",
    },
];

/// The handlers a library call of [`LIBRARIES`] installs: for the signals
/// its arguments name (`createTerminus(server, { signal: 'SIGINT' })`),
/// else for its defaults.
fn library_handlers(
    toks: &[Token],
    open: usize,
    call: &str,
    file: &str,
    line: usize,
) -> Vec<Handler> {
    let Some(lib) = LIBRARIES.iter().find(|l| l.call == call) else {
        return Vec::new();
    };
    let mut named: Vec<String> = call_args(toks, open)
        .iter()
        .flat_map(|a| a.iter())
        .filter_map(|t| match &t.tok {
            Tok::Str(s) => Some(
                s.split_whitespace()
                    .filter_map(sig_name)
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    if named.is_empty() {
        named = lib
            .signals
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
    }
    handlers(named, file, line, &format!("`{call}`"))
}

/// Programs of the runtime table that Python runs as a module
/// (`python -m gunicorn`): the module name is the program's.
const PYTHON_MODULE_PROGRAMS: &[&str] = &["gunicorn", "uvicorn", "hypercorn", "celery", "daphne"];

/// Read the app that `argv` runs (an interpreter and its arguments) with
/// WORKDIR `workdir`. `None`: not an interpreter dsig reads.
pub fn scan(argv: &[String], workdir: &str, files: &Files) -> Option<AppScan> {
    if crate::shell::base_name(argv.first()?) == "uwsgi" {
        return uwsgi_scan(argv, workdir, files);
    }
    let lang = Lang::of(argv.first()?)?;
    let mut out = AppScan::new(argv, lang);
    // `manage.py runserver` without `--noreload` runs Django's
    // autoreloader, whose parent process exits on SIGTERM (as Werkzeug's).
    if lang == Lang::Python
        && argv.iter().any(|a| a == "runserver")
        && argv
            .iter()
            .any(|a| crate::shell::base_name(a) == "manage.py")
        && !argv.iter().any(|a| a == "--noreload")
    {
        out.handlers.push(Handler {
            signal: "TERM".into(),
            file: "manage.py".into(),
            line: 1,
            call: "`manage.py runserver` (Django's autoreloader exits on SIGTERM)".into(),
        });
    }
    // (image path candidates of the entry, root for absolute imports).
    let (entries, root): (Vec<Vec<String>>, String) = match lang {
        Lang::Python => match python_entry(&argv[1..]) {
            PyEntry::Script(p) => {
                let path = join(workdir, &p);
                let root = dir_of(&path);
                (vec![vec![path]], root)
            }
            PyEntry::Module(m) => {
                let top = m.split('.').next().unwrap_or(&m).to_string();
                if PYTHON_MODULE_PROGRAMS.contains(&top.as_str()) {
                    out.module_program = Some(top);
                    return Some(out);
                }
                let rel = m.replace('.', "/");
                (
                    vec![vec![
                        join(workdir, &format!("{rel}/__main__.py")),
                        join(workdir, &format!("{rel}.py")),
                    ]],
                    workdir.to_string(),
                )
            }
            PyEntry::None(why) => {
                out.unread = Some(why);
                return Some(out);
            }
        },
        Lang::Node => {
            let (script, preload) = node_entry(&argv[1..]);
            let mut entries: Vec<Vec<String>> = preload
                .iter()
                .filter(|p| p.starts_with('.') || p.starts_with('/'))
                .map(|p| js_candidates(&join(workdir, p)))
                .collect();
            match script {
                Ok(s) => {
                    let path = join(workdir, &s);
                    let mut c = js_candidates(&path);
                    let pkg = files.read(&join(&path, "package.json"));
                    if matches!(pkg, Some(Ok(_)))
                        || s == "."
                        || s == ".."
                        || s.ends_with('/')
                        || files.copies.locate_dir(&path, files.fs).is_some()
                    {
                        // A directory (`node .`): its package.json `main`,
                        // else its index.js (named first in messages).
                        c = ["index.js", "index.mjs", "index.cjs"]
                            .iter()
                            .map(|f| join(&path, f))
                            .collect();
                        if let Some(main) =
                            pkg.and_then(Result::ok).and_then(|p| package_main(&p.0))
                        {
                            c.splice(0..0, js_candidates(&join(&path, &main)));
                        }
                    }
                    entries.insert(0, c);
                }
                Err(why) => {
                    out.unread = Some(why);
                    return Some(out);
                }
            }
            (entries, workdir.to_string())
        }
        Lang::Perl => match perl_entry(&argv[1..]) {
            Ok(p) => (vec![vec![join(workdir, &p)]], workdir.to_string()),
            Err(why) => {
                out.unread = Some(why);
                return Some(out);
            }
        },
    };
    // No build context: nothing to read the app from.
    files.fs.root.as_ref()?;
    let mut queue: Vec<(String, String, String, usize)> = Vec::new(); // (image path, text, name, depth)
    let mut total = 0usize;
    for (k, cands) in entries.iter().enumerate() {
        match files.first(cands) {
            Some(Ok((text, name, path))) => queue.push((path, text, name, 0)),
            Some(Err(e)) if k == 0 => {
                out.unread = Some(e);
                return Some(out);
            }
            None if k == 0 => {
                out.unread = Some(format!(
                    "`{}` is not put in the image by a COPY or ADD of the build context",
                    cands.first().cloned().unwrap_or_default()
                ));
                return Some(out);
            }
            _ => {}
        }
    }
    let mut seen: Vec<String> = queue.iter().map(|q| q.0.clone()).collect();
    let mut i = 0;
    while i < queue.len() {
        let (path, text, name, depth) = queue[i].clone();
        i += 1;
        total += text.len();
        if total > MAX_TOTAL {
            out.truncated = true;
            break;
        }
        out.files.push(name.clone());
        let toks = match lang {
            Lang::Python | Lang::Perl => tokens_hash(&text, lang == Lang::Python),
            Lang::Node => tokens_js(&text),
        };
        out.handlers.extend(match lang {
            Lang::Python => python_handlers(&toks, &name),
            Lang::Node => node_handlers(&toks, &name),
            Lang::Perl => perl_handlers(&toks, &name),
        });
        if lang == Lang::Perl {
            continue;
        }
        let imports: Vec<Vec<String>> = match lang {
            Lang::Python => python_imports(&toks, &path, &root),
            _ => node_imports(&toks, &path),
        };
        if depth >= MAX_DEPTH {
            // Not followed; said in messages when one is a local module.
            out.truncated |= imports.iter().take(64).any(|c| {
                !c.iter().any(|x| seen.contains(x)) && matches!(files.first(c), Some(Ok(_)))
            });
            continue;
        }
        for cands in imports.into_iter().take(64) {
            if cands.iter().any(|c| seen.contains(c)) {
                continue;
            }
            if queue.len() >= MAX_FILES {
                out.truncated = true;
                break;
            }
            if let Some(Ok((t, n, p))) = files.first(&cands) {
                if seen.contains(&p) {
                    continue;
                }
                seen.push(p.clone());
                queue.push((p, t, n, depth + 1));
            }
        }
    }
    Some(out)
}

/// The program a command runs once wrappers that exec it are unwrapped
/// (`gosu app python app.py` → `python app.py`; `env`, `nice`, ...). Inits
/// are not unwrapped.
#[must_use]
pub fn unwrap(argv: &[String]) -> &[String] {
    let mut rest = argv;
    for _ in 0..8 {
        let words: Vec<Option<&str>> = rest.iter().map(|w| Some(w.as_str())).collect();
        match crate::shell::programs::exec_wrapper(&words) {
            Some(w)
                if w.execs
                    && !w.init
                    && !w.shell_string
                    && w.command_at > 0
                    && w.command_at < rest.len() =>
            {
                rest = &rest[w.command_at..];
            }
            _ => break,
        }
    }
    rest
}

/// The known leading words of a flow program (up to the first word known
/// only at run time).
#[must_use]
pub fn known_words(argv: &[Option<String>]) -> Vec<String> {
    argv.iter().map_while(std::clone::Clone::clone).collect()
}

/// Scan the apps of the chain: the program it ends in and the programs its
/// scripts run or exec, when they are interpreters dsig reads.
#[must_use]
pub fn scan_chain(chain: &super::chain::Chain, workdir: &str, files: &Files) -> Vec<AppScan> {
    use crate::shell::flow::End;
    let mut argvs: Vec<Vec<String>> = Vec::new();
    for s in &chain.steps {
        if let super::chain::Step::Program { argv, .. } = s {
            argvs.push(unwrap(argv).to_vec());
        }
    }
    for s in &chain.scripts {
        for p in &s.flow.paths {
            if let End::Exec { prog, .. } | End::Foreground { prog, .. } = &p.end {
                argvs.push(unwrap(&known_words(&prog.argv)).to_vec());
            }
        }
    }
    let mut out: Vec<AppScan> = Vec::new();
    for a in argvs {
        if out.len() >= MAX_SCANS {
            break;
        }
        if a.is_empty() || out.iter().any(|x| x.argv == a) {
            continue;
        }
        if let Some(scan) = scan(&a, workdir, files) {
            out.push(scan);
        }
    }
    out
}

/// uWSGI's ini file (`uwsgi app.ini`, `--ini app.ini`) read for
/// `die-on-term`, which makes SIGTERM shut it down (without it uWSGI 2.0
/// reloads on SIGTERM): found, it is the app's TERM handler.
fn uwsgi_scan(argv: &[String], workdir: &str, files: &Files) -> Option<AppScan> {
    let mut ini = None;
    let mut it = argv.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--ini" {
            ini = it.next().cloned();
        } else if let Some(v) = a.strip_prefix("--ini=") {
            ini = Some(v.to_string());
        } else if !a.starts_with('-') && a.ends_with(".ini") {
            ini = Some(a.clone());
        }
    }
    let path = join(workdir, &ini?);
    let Some(Ok((text, name))) = files.read(&path) else {
        return None;
    };
    let mut out = AppScan::new(argv, Lang::Python);
    out.files.push(name.clone());
    let mut section = String::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if let Some(sec) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = sec.trim().to_string();
            continue;
        }
        let (key, value) = match l.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (l, "true"),
        };
        if section == "uwsgi"
            && matches!(key, "die-on-term" | "die_on_term")
            && matches!(value, "true" | "1" | "yes" | "on")
        {
            out.handlers.push(Handler {
                signal: "TERM".into(),
                file: name.clone(),
                line: i + 1,
                call: "die-on-term".into(),
            });
            break;
        }
    }
    Some(out)
}

/// The scan of the app `argv` runs (wrappers unwrapped), if dsig made one.
#[must_use]
pub fn find<'a>(apps: &'a [AppScan], argv: &[String]) -> Option<&'a AppScan> {
    let a = unwrap(argv);
    apps.iter().find(|x| x.argv == a)
}

enum PyEntry {
    Script(String),
    Module(String),
    None(String),
}

/// The script or module of a `python` command line.
fn python_entry(args: &[String]) -> PyEntry {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "-" || !a.starts_with('-') {
            return if a == "-" {
                PyEntry::None("the program is read from standard input".into())
            } else {
                PyEntry::Script(a.to_string())
            };
        }
        if a == "--" {
            return match args.get(i + 1) {
                Some(s) => PyEntry::Script(s.clone()),
                None => PyEntry::None("no script is named".into()),
            };
        }
        if a.starts_with("--") {
            i += 1; // --version and friends take no value here
            continue;
        }
        // Short options, possibly grouped (`-uB`); `-m`, `-c`, `-W`, `-X`
        // take the rest of the word or the next one.
        let flags = &a[1..];
        for (k, c) in flags.char_indices() {
            let rest = &flags[k + c.len_utf8()..];
            let value = || {
                if rest.is_empty() {
                    args.get(i + 1).cloned()
                } else {
                    Some(rest.to_string())
                }
            };
            match c {
                'm' => {
                    return match value() {
                        Some(m) => PyEntry::Module(m),
                        None => PyEntry::None("`-m` names no module".into()),
                    }
                }
                'c' => return PyEntry::None("the program is a `-c` string".into()),
                'W' | 'X' => {
                    if rest.is_empty() {
                        i += 1;
                    }
                    break;
                }
                _ => {}
            }
        }
        i += 1;
    }
    PyEntry::None("no script is named (an interactive interpreter)".into())
}

/// The script of a `node` command line, and the modules it preloads
/// (`-r`, `--require`, `--import`).
fn node_entry(args: &[String]) -> (Result<String, String>, Vec<String>) {
    let mut preload = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if !a.starts_with('-') {
            return (Ok(a.to_string()), preload);
        }
        if a == "--" {
            return match args.get(i + 1) {
                Some(s) => (Ok(s.clone()), preload),
                None => (Err("no script is named".into()), preload),
            };
        }
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (a, None),
        };
        match name {
            "-e" | "--eval" | "-p" | "--print" => {
                return (Err("the program is an `-e`/`-p` string".into()), preload)
            }
            "-r" | "--require" | "--import" | "--loader" | "--experimental-loader" => {
                if let Some(v) = inline {
                    preload.push(v);
                } else {
                    if let Some(v) = args.get(i + 1) {
                        preload.push(v.clone());
                    }
                    i += 1;
                }
            }
            "-C" | "--conditions" | "--title" | "--input-type" | "--env-file"
                if inline.is_none() =>
            {
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    (
        Err("no script is named (a REPL or standard input)".into()),
        preload,
    )
}

fn perl_entry(args: &[String]) -> Result<String, String> {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if !a.starts_with('-') {
            return Ok(a.to_string());
        }
        if a == "--" {
            return args.get(i + 1).cloned().ok_or("no script is named".into());
        }
        if a.starts_with("-e") || a.starts_with("-E") {
            return Err("the program is an `-e` string".into());
        }
        if matches!(a, "-I" | "-M" | "-m" | "-x") {
            i += 1;
        }
        i += 1;
    }
    Err("no script is named".into())
}

/// Files node tries for a module path (no package.json lookup besides the
/// entry's).
fn js_candidates(path: &str) -> Vec<String> {
    let mut v = vec![path.to_string()];
    for ext in [".js", ".mjs", ".cjs"] {
        v.push(format!("{path}{ext}"));
    }
    for idx in ["index.js", "index.mjs", "index.cjs"] {
        v.push(join(path, idx));
    }
    v
}

/// `main` of a package.json (a relative path).
fn package_main(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let m = v.get("main")?.as_str()?;
    (!m.is_empty() && m.len() < 512).then(|| m.to_string())
}

/// A token of code: comments are gone, each string literal is one token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

/// Most tokens kept per file (bounded work).
const MAX_TOKENS: usize = 200_000;

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Tokens of Python (and, roughly, Perl): `#` comments, `'`/`"` strings
/// with escapes, Python's triple quotes and string prefixes.
fn tokens_hash(text: &str, python: bool) -> Vec<Token> {
    let b: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut pod = false;
    while i < b.len() && out.len() < MAX_TOKENS {
        let c = b[i];
        // Perl POD blocks (`=pod` ... `=cut`) at the start of a line.
        if !python
            && c == '='
            && (i == 0 || b[i - 1] == '\n')
            && i + 1 < b.len()
            && b[i + 1].is_ascii_alphabetic()
        {
            pod = !starts(&b, i, "=cut");
        }
        if pod {
            if c == '\n' {
                line += 1;
            }
            i += 1;
            continue;
        }
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '\'' || c == '"' {
            i = string_token(&b, i, python, &mut line, &mut out);
        } else if is_ident_start(c) {
            let start = i;
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            let word: String = b[start..i].iter().collect();
            let prefix = python
                && word.len() <= 2
                && word.chars().all(|c| "rRbBuUfF".contains(c))
                && i < b.len()
                && (b[i] == '\'' || b[i] == '"');
            if prefix {
                continue; // the string comes next
            }
            out.push(Token {
                tok: Tok::Ident(word),
                line,
            });
        } else {
            i = number_or_punct(&b, i, line, &mut out);
        }
    }
    out
}

/// The string literal at `b[i]` as a token (counting the lines it spans);
/// returns where the next token starts.
fn string_token(
    b: &[char],
    i: usize,
    python: bool,
    line: &mut usize,
    out: &mut Vec<Token>,
) -> usize {
    let (s, j, nl) = string_at(b, i, python);
    out.push(Token {
        tok: Tok::Str(s),
        line: *line,
    });
    *line += nl;
    j
}

/// A number (skipped) or a punctuation token at `b[i]`; returns where the
/// next token starts.
fn number_or_punct(b: &[char], mut i: usize, line: usize, out: &mut Vec<Token>) -> usize {
    if b[i].is_ascii_digit() {
        while i < b.len() && (is_ident(b[i]) || b[i] == '.') {
            i += 1;
        }
    } else {
        out.push(Token {
            tok: Tok::Punct(b[i]),
            line,
        });
        i += 1;
    }
    i
}

fn starts(b: &[char], i: usize, s: &str) -> bool {
    s.chars().enumerate().all(|(k, c)| b.get(i + k) == Some(&c))
}

/// The string literal at `i` (a quote): its text, the index after it, and
/// the newlines inside.
fn string_at(b: &[char], i: usize, python: bool) -> (String, usize, usize) {
    let q = b[i];
    let triple = python && b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
    let mut j = if triple { i + 3 } else { i + 1 };
    let mut s = String::new();
    let mut nl = 0;
    while j < b.len() {
        let c = b[j];
        if c == '\\' {
            if let Some(&n) = b.get(j + 1) {
                if n == '\n' {
                    nl += 1;
                }
                s.push(n);
            }
            j += 2;
            continue;
        }
        if c == q && (!triple || (b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q))) {
            return (s, if triple { j + 3 } else { j + 1 }, nl);
        }
        if c == '\n' {
            nl += 1;
            if !triple && python {
                return (s, j, nl - 1); // an unterminated string ends at the line
            }
        }
        s.push(c);
        j += 1;
    }
    (s, j, nl)
}

/// Tokens of JavaScript: `//` and `/* */` comments, strings, template
/// literals (one token each), regular expression literals skipped.
fn tokens_js(text: &str) -> Vec<Token> {
    let b: Vec<char> = text.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    let mut line = 1;
    if starts(&b, 0, "#!") {
        while i < b.len() && b[i] != '\n' {
            i += 1;
        }
    }
    while i < b.len() && out.len() < MAX_TOKENS {
        let c = b[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if starts(&b, i, "//") {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if starts(&b, i, "/*") {
            i += 2;
            while i < b.len() && !starts(&b, i, "*/") {
                if b[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 2;
        } else if c == '\'' || c == '"' || c == '`' {
            i = string_token(&b, i, false, &mut line, &mut out);
        } else if c == '/' && regex_may_start(out.last()) {
            // A regular expression literal: to the closing `/` on this line.
            let mut j = i + 1;
            let mut class = false;
            // Bounded: a regular expression literal is short.
            while j < b.len() && b[j] != '\n' && j - i < 1024 {
                match b[j] {
                    '\\' => j += 1,
                    '[' => class = true,
                    ']' => class = false,
                    '/' if !class => break,
                    _ => {}
                }
                j += 1;
            }
            if j < b.len() && b[j] == '/' {
                i = j + 1;
            } else {
                out.push(Token {
                    tok: Tok::Punct('/'),
                    line,
                });
                i += 1;
            }
        } else if is_ident_start(c) || c == '$' {
            let start = i;
            while i < b.len() && (is_ident(b[i]) || b[i] == '$') {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(b[start..i].iter().collect()),
                line,
            });
        } else {
            i = number_or_punct(&b, i, line, &mut out);
        }
    }
    out
}

fn regex_may_start(prev: Option<&Token>) -> bool {
    match prev.map(|t| &t.tok) {
        None => true,
        Some(Tok::Punct(p)) => "(,=:[!&|?{};+-*%<>~^".contains(*p),
        Some(Tok::Ident(w)) => matches!(w.as_str(), "return" | "typeof" | "case" | "in" | "of"),
        Some(Tok::Str(_)) => false,
    }
}

fn ident(t: Option<&Token>) -> Option<&str> {
    match t.map(|t| &t.tok) {
        Some(Tok::Ident(w)) => Some(w),
        _ => None,
    }
}

fn punct(t: Option<&Token>, c: char) -> bool {
    matches!(t.map(|t| &t.tok), Some(Tok::Punct(p)) if *p == c)
}

/// Handlers kept per file (one is enough to decide).
const MAX_HANDLERS: usize = 64;

/// Tokens read for one call's arguments.
const MAX_CALL_TOKENS: usize = 512;

/// The arguments of the call whose `(` is at `open`: each a token range,
/// split at top-level commas.
fn call_args(toks: &[Token], open: usize) -> Vec<&[Token]> {
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    // Bounded: a call's arguments are short; an unclosed `(` is not a call.
    for (k, t) in toks.iter().enumerate().skip(open).take(MAX_CALL_TOKENS) {
        match t.tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    args.push(&toks[start..k]);
                    return args;
                }
            }
            Tok::Punct(',') if depth == 1 => {
                args.push(&toks[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    args
}

/// A signal name (`SIGTERM` → `TERM`), not `SIG_DFL`/`SIG_IGN`.
fn sig_name(w: &str) -> Option<String> {
    let rest = w.strip_prefix("SIG")?;
    (!rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
    .then(|| rest.to_string())
}

/// Signals a handler is installed for: named in the first argument, or,
/// when that is a variable (`for s in (SIGTERM, SIGINT): signal.signal(s,
/// h)`), every signal the file names (`all`, computed once per file).
fn signals_of(
    first: &[Token],
    all: &std::cell::OnceCell<Vec<String>>,
    toks: &[Token],
    named: impl Fn(&Tok) -> Option<String>,
) -> Vec<String> {
    let direct: Vec<String> = first.iter().filter_map(|t| named(&t.tok)).collect();
    if !direct.is_empty() {
        return direct;
    }
    if first.len() == 1 && matches!(first[0].tok, Tok::Ident(_)) {
        return all
            .get_or_init(|| {
                let mut v: Vec<String> = toks.iter().filter_map(|t| named(&t.tok)).collect();
                v.sort();
                v.dedup();
                v
            })
            .clone();
    }
    Vec::new()
}

/// The handler argument restores the default or ignores the signal.
fn not_a_handler(arg: &[Token]) -> bool {
    arg.last().is_some_and(|t| match &t.tok {
        Tok::Ident(w) => matches!(w.as_str(), "SIG_DFL" | "SIG_IGN" | "None"),
        _ => false,
    }) && arg.len() <= 3
}

/// A handler of each signal, installed by the call `call` at `file:line`.
fn handlers(signals: Vec<String>, file: &str, line: usize, call: &str) -> Vec<Handler> {
    signals
        .into_iter()
        .map(|signal| Handler {
            signal,
            file: file.to_string(),
            line,
            call: call.to_string(),
        })
        .collect()
}

/// The identifiers of `toks` that are called (followed by `(`): their
/// index, name and line.
fn calls(toks: &[Token]) -> impl Iterator<Item = (usize, &String, usize)> {
    toks.iter().enumerate().filter_map(|(k, t)| match &t.tok {
        Tok::Ident(w) if punct(toks.get(k + 1), '(') => Some((k, w, t.line)),
        _ => None,
    })
}

/// Keyword arguments that turn Werkzeug's reloader on: `debug=True` or
/// `use_reloader=True`, and not `use_reloader=False`.
fn reloader(args: &[&[Token]]) -> bool {
    let kw = |name: &str| {
        args.iter().find_map(|a| match a {
            [n, eq, v] if ident(Some(n)) == Some(name) && punct(Some(eq), '=') => ident(Some(v)),
            _ => None,
        })
    };
    match kw("use_reloader") {
        Some("True") => true,
        Some(_) => false,
        None => kw("debug") == Some("True"),
    }
}

fn python_handlers(toks: &[Token], file: &str) -> Vec<Handler> {
    let named = |t: &Tok| match t {
        Tok::Ident(w) => sig_name(w),
        _ => None,
    };
    let all = std::cell::OnceCell::new();
    let from_signal = toks
        .windows(2)
        .any(|w| ident(Some(&w[0])) == Some("from") && ident(Some(&w[1])) == Some("signal"));
    let mut out = Vec::new();
    for (k, w, line) in calls(toks) {
        if out.len() >= MAX_HANDLERS {
            break;
        }
        let prev = k.checked_sub(1).and_then(|p| toks.get(p));
        let dotted = punct(prev, '.');
        let call = match w.as_str() {
            "signal"
                if dotted
                    && ident(k.checked_sub(2).and_then(|p| toks.get(p))) == Some("signal") =>
            {
                "signal.signal(...)"
            }
            "signal" if !dotted && from_signal && ident(prev) != Some("def") => "signal(...)",
            "add_signal_handler" if dotted => "add_signal_handler(...)",
            "run"
                if dotted
                    && ident(k.checked_sub(2).and_then(|p| toks.get(p))) == Some("uvicorn") =>
            {
                out.extend(library_handlers(toks, k + 1, "uvicorn.run", file, line));
                continue;
            }
            "run_app" if dotted => {
                out.extend(library_handlers(toks, k + 1, "web.run_app", file, line));
                continue;
            }
            // Flask's `app.run(debug=True)` (or `use_reloader=True`) starts
            // Werkzeug's reloader, whose parent process sets SIGTERM to
            // `sys.exit(0)`: as PID 1 it exits on SIGTERM (measured with
            // Flask 3.1.3 / Werkzeug 3.1.8 in a PID namespace), and the
            // serving child is killed with the container.
            "run" if dotted && reloader(&call_args(toks, k + 1)) => {
                out.push(Handler {
                    signal: "TERM".into(),
                    file: file.to_string(),
                    line,
                    call: "`app.run(debug=True)` (Werkzeug's reloader exits on SIGTERM)".into(),
                });
                continue;
            }
            _ => continue,
        };
        let args = call_args(toks, k + 1);
        let (Some(first), Some(second)) = (args.first(), args.get(1)) else {
            continue;
        };
        if not_a_handler(second) {
            continue;
        }
        let signals = signals_of(first, &all, toks, named);
        out.extend(handlers(signals, file, line, &format!("`{call}`")));
    }
    out
}

fn node_handlers(toks: &[Token], file: &str) -> Vec<Handler> {
    let all = std::cell::OnceCell::new();
    let named = |t: &Tok| match t {
        Tok::Str(s) => sig_name(s),
        _ => None,
    };
    let mut out = Vec::new();
    for (k, w, line) in calls(toks) {
        if out.len() >= MAX_HANDLERS {
            break;
        }
        match w.as_str() {
            "on" | "once" | "addListener" | "prependListener" | "prependOnceListener"
                if punct(k.checked_sub(1).and_then(|p| toks.get(p)), '.')
                    && ident(k.checked_sub(2).and_then(|p| toks.get(p))) == Some("process") =>
            {
                let args = call_args(toks, k + 1);
                let Some(first) = args.first() else { continue };
                if args.len() < 2 {
                    continue;
                }
                let signals = signals_of(first, &all, toks, named);
                out.extend(handlers(
                    signals,
                    file,
                    line,
                    &format!("`process.{w}(...)`"),
                ));
            }
            "createTerminus" | "gracefulShutdown" => {
                out.extend(library_handlers(toks, k + 1, w, file, line));
            }
            _ => {}
        }
    }
    out
}

fn perl_handlers(toks: &[Token], file: &str) -> Vec<Handler> {
    let mut out = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        // $SIG{TERM} = ...  /  $SIG{'TERM'} = ...
        if punct(Some(t), '$')
            && ident(toks.get(k + 1)) == Some("SIG")
            && punct(toks.get(k + 2), '{')
            && punct(toks.get(k + 4), '}')
            && punct(toks.get(k + 5), '=')
            && !punct(toks.get(k + 6), '=')
        {
            let sig = match toks.get(k + 3).map(|t| &t.tok) {
                Some(Tok::Ident(s) | Tok::Str(s)) => s.trim_start_matches("SIG").to_string(),
                _ => continue,
            };
            let value = toks.get(k + 6).map(|t| &t.tok);
            if matches!(value, Some(Tok::Str(v)) if v == "IGNORE" || v == "DEFAULT") {
                continue;
            }
            out.push(Handler {
                signal: sig,
                file: file.to_string(),
                line: t.line,
                call: "`$SIG{...} = ...`".into(),
            });
        }
        // use sigtrap qw(handler h normal-signals) / qw(die TERM)
        if ident(Some(t)) == Some("use") && ident(toks.get(k + 1)) == Some("sigtrap") {
            let stmt: Vec<&Token> = toks[k..]
                .iter()
                .take(64)
                .take_while(|t| !punct(Some(t), ';'))
                .collect();
            let normal = stmt.windows(3).any(|w| {
                ident(Some(w[0])) == Some("normal") && ident(Some(w[2])) == Some("signals")
            });
            let term = stmt.iter().any(|t| ident(Some(t)) == Some("TERM"));
            if normal || term || stmt.len() <= 3 {
                out.push(Handler {
                    signal: "TERM".into(),
                    file: file.to_string(),
                    line: t.line,
                    call: "`use sigtrap`".into(),
                });
            }
        }
    }
    out
}

/// Candidate files of the local modules a Python file imports.
fn python_imports(toks: &[Token], path: &str, root: &str) -> Vec<Vec<String>> {
    let pkg_dir = dir_of(path);
    let mut out = Vec::new();
    let stmt_start =
        |k: usize| k == 0 || toks[k - 1].line < toks[k].line || punct(toks.get(k - 1), ';');
    let dotted = |mut k: usize| -> (String, usize) {
        let mut name = String::new();
        while let Some(w) = ident(toks.get(k)) {
            name.push_str(w);
            if punct(toks.get(k + 1), '.') && ident(toks.get(k + 2)).is_some() {
                name.push('/');
                k += 2;
            } else {
                return (name, k + 1);
            }
        }
        (name, k)
    };
    let module = |base: &str, rel: &str| -> Vec<String> {
        if rel.is_empty() {
            return vec![join(base, "__init__.py")];
        }
        vec![
            join(base, &format!("{rel}.py")),
            join(base, &format!("{rel}/__init__.py")),
        ]
    };
    for k in 0..toks.len() {
        match ident(toks.get(k)) {
            Some("import") if stmt_start(k) => {
                let mut j = k + 1;
                loop {
                    let (name, next) = dotted(j);
                    if name.is_empty() {
                        break;
                    }
                    out.push(module(root, &name));
                    j = next;
                    if ident(toks.get(j)) == Some("as") {
                        j += 2;
                    }
                    if !punct(toks.get(j), ',') {
                        break;
                    }
                    j += 1;
                }
            }
            Some("from") if stmt_start(k) => {
                let mut j = k + 1;
                let mut level = 0;
                while punct(toks.get(j), '.') {
                    level += 1;
                    j += 1;
                }
                let (name, next) = if ident(toks.get(j)) == Some("import") {
                    (String::new(), j)
                } else {
                    dotted(j)
                };
                j = next;
                if ident(toks.get(j)) != Some("import") {
                    continue;
                }
                let base = if level == 0 {
                    root.to_string()
                } else {
                    let mut d = pkg_dir.clone();
                    for _ in 1..level {
                        d = dir_of(&d);
                    }
                    d
                };
                if !name.is_empty() {
                    out.push(module(&base, &name));
                }
                // `from pkg import mod`: each name may be a submodule.
                let pkg = if name.is_empty() {
                    base.clone()
                } else {
                    join(&base, &name)
                };
                j += 1;
                if punct(toks.get(j), '(') {
                    j += 1;
                }
                while let Some(w) = ident(toks.get(j)) {
                    out.push(vec![
                        join(&pkg, &format!("{w}.py")),
                        join(&pkg, &format!("{w}/__init__.py")),
                    ]);
                    j += 1;
                    if ident(toks.get(j)) == Some("as") {
                        j += 2;
                    }
                    if !punct(toks.get(j), ',') {
                        break;
                    }
                    j += 1;
                }
            }
            _ => {}
        }
    }
    out
}

/// Candidate files of the relative modules a JavaScript file requires or
/// imports (`require('./x')`, `import ... from './x'`, `import('./x')`).
fn node_imports(toks: &[Token], path: &str) -> Vec<Vec<String>> {
    let dir = dir_of(path);
    let mut out = Vec::new();
    for k in 0..toks.len() {
        let spec = match ident(toks.get(k)) {
            Some("require") if punct(toks.get(k + 1), '(') => toks.get(k + 2),
            Some("import") if punct(toks.get(k + 1), '(') => toks.get(k + 2),
            Some("import" | "from") => toks.get(k + 1),
            _ => None,
        };
        let Some(Tok::Str(s)) = spec.map(|t| &t.tok) else {
            continue;
        };
        if s.starts_with("./") || s.starts_with("../") || s.starts_with('/') {
            out.push(js_candidates(&join(&dir, s)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(src: &str) -> Vec<String> {
        python_handlers(&tokens_hash(src, true), "f.py")
            .into_iter()
            .map(|h| h.signal)
            .collect()
    }

    fn js(src: &str) -> Vec<String> {
        node_handlers(&tokens_js(src), "f.js")
            .into_iter()
            .map(|h| h.signal)
            .collect()
    }

    #[test]
    fn python_handlers_found() {
        assert_eq!(
            py("import signal\nsignal.signal(signal.SIGTERM, stop)\n"),
            ["TERM"]
        );
        assert_eq!(
            py("from signal import signal, SIGTERM\nsignal(SIGTERM, stop)\n"),
            ["TERM"]
        );
        assert_eq!(
            py("loop.add_signal_handler(signal.SIGTERM, stop.set)"),
            ["TERM"]
        );
        assert_eq!(py("signal.signal(signal.Signals.SIGTERM, h)"), ["TERM"]);
        assert_eq!(
            py("for s in (signal.SIGINT, signal.SIGTERM):\n    signal.signal(s, h)\n"),
            ["INT", "TERM"]
        );
        assert_eq!(py("uvicorn.run(app, host='0.0.0.0')"), ["TERM", "INT"]);
        // Werkzeug's reloader, on with `debug=True` unless switched off.
        assert_eq!(
            py("app.run(host='0.0.0.0', port=80, debug=True, threaded=True)"),
            ["TERM"]
        );
        assert!(py("app.run(debug=True, use_reloader=False)").is_empty());
        assert!(py("app.run(host='0.0.0.0')").is_empty());
    }

    #[test]
    fn python_comments_strings_and_defaults_do_not_count() {
        assert!(py("# signal.signal(signal.SIGTERM, stop)\n").is_empty());
        assert!(py("x = 'signal.signal(signal.SIGTERM, stop)'\n").is_empty());
        assert!(py("'''\nsignal.signal(signal.SIGTERM, stop)\n'''\n").is_empty());
        assert!(py("doc = r\"\"\"signal.signal(SIGTERM, h)\"\"\"").is_empty());
        assert!(py("signal.signal(signal.SIGTERM, signal.SIG_DFL)").is_empty());
        assert!(py("signal.signal(signal.SIGTERM, signal.SIG_IGN)").is_empty());
        // `signal(` without `from signal import`: some other function.
        assert!(py("def signal(a, b): pass\nsignal(SIGTERM, h)").is_empty());
    }

    #[test]
    fn node_handlers_found() {
        assert_eq!(js("process.on('SIGTERM', () => server.close())"), ["TERM"]);
        assert_eq!(js("process.once(\"SIGTERM\", shutdown);"), ["TERM"]);
        assert_eq!(js("process.on(`SIGTERM`, shutdown);"), ["TERM"]);
        assert_eq!(
            js("['SIGINT', 'SIGTERM'].forEach((sig) => process.on(sig, stop));"),
            ["INT", "TERM"]
        );
        assert!(js("// process.on('SIGTERM', stop)\n").is_empty());
        assert!(js("/* process.on('SIGTERM', stop) */").is_empty());
        assert!(js("const s = \"process.on('SIGTERM', stop)\";").is_empty());
        assert!(js("const r = /process.on('SIGTERM'/; x()").is_empty());
        assert!(js("emitter.on('SIGTERM', stop)").is_empty());
        assert_eq!(js("createTerminus(server, { onSignal })"), ["TERM"]);
        assert_eq!(js("createTerminus(server, { signal: 'SIGINT' })"), ["INT"]);
        assert_eq!(
            js("gracefulShutdown(server, { signals: 'SIGINT SIGTERM' })"),
            ["INT", "TERM"]
        );
    }

    #[test]
    fn perl_handlers_found() {
        let p = |s: &str| -> Vec<String> {
            perl_handlers(&tokens_hash(s, false), "f.pl")
                .into_iter()
                .map(|h| h.signal)
                .collect()
        };
        assert_eq!(p("$SIG{TERM} = sub { exit 0 };"), ["TERM"]);
        assert_eq!(p("local $SIG{'TERM'} = \\&stop;"), ["TERM"]);
        assert!(p("$SIG{TERM} = 'IGNORE';").is_empty());
        assert!(p("# $SIG{TERM} = sub { exit };").is_empty());
        assert_eq!(p("use sigtrap qw(die normal-signals);"), ["TERM"]);
    }

    #[test]
    fn imports() {
        let t = tokens_hash(
            "import os, app.config as c\nfrom . import server\nfrom .lib.stop import install\nfrom pkg import (a, b)\nx = 1; import z\n",
            true,
        );
        let got: Vec<String> = python_imports(&t, "/app/pkg/__main__.py", "/app")
            .into_iter()
            .map(|c| c[0].clone())
            .collect();
        assert_eq!(
            got,
            [
                "/app/os.py",
                "/app/app/config.py",
                "/app/pkg/server.py",
                "/app/pkg/lib/stop.py",
                "/app/pkg/lib/stop/install.py",
                "/app/pkg.py",
                "/app/pkg/a.py",
                "/app/pkg/b.py",
                "/app/z.py",
            ]
        );
        let t = tokens_js("const a = require('./lib/a');\nimport b from \"../b.js\";\nimport('./c');\nconst e = require('express');\nexport * from './d'");
        let got: Vec<String> = node_imports(&t, "/srv/src/index.js")
            .into_iter()
            .map(|c| c[0].clone())
            .collect();
        assert_eq!(
            got,
            ["/srv/src/lib/a", "/srv/b.js", "/srv/src/c", "/srv/src/d"]
        );
    }

    #[test]
    fn entries() {
        let s = |v: &[&str]| {
            v.iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert!(matches!(python_entry(&s(&["-u", "app.py"])), PyEntry::Script(p) if p == "app.py"));
        assert!(
            matches!(python_entry(&s(&["-W", "ignore", "-m", "pkg.run"])), PyEntry::Module(m) if m == "pkg.run")
        );
        assert!(
            matches!(python_entry(&s(&["-um", "gunicorn"])), PyEntry::Module(m) if m == "gunicorn")
        );
        assert!(matches!(
            python_entry(&s(&["-c", "print(1)"])),
            PyEntry::None(_)
        ));
        assert_eq!(
            node_entry(&s(&["--max-old-space-size=512", "-r", "./t.js", "."])),
            (Ok(".".into()), vec!["./t.js".to_string()])
        );
        assert_eq!(
            package_main("{\"main\": \"dist/server.js\"}").as_deref(),
            Some("dist/server.js")
        );
    }

    #[test]
    fn hostile_text_is_bounded() {
        let big = "'''".repeat(10_000) + &"\"\\".repeat(10_000) + "`/*";
        let _ = tokens_hash(&big, true);
        let _ = tokens_js(&big);
        // Quadratic shapes: regex literals that never close, calls that
        // never close, many indirect handlers.
        let t = std::time::Instant::now();
        let _ = tokens_js(&"(/[".repeat(150_000));
        let _ = python_handlers(&tokens_hash(&"signal.signal(".repeat(50_000), true), "f");
        let _ = python_handlers(
            &tokens_hash(&"signal.signal(s, h)\n".repeat(20_000), true),
            "f",
        );
        let _ = node_handlers(&tokens_js(&"process.on(s, h);".repeat(20_000)), "f");
        assert!(
            t.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            t.elapsed()
        );
        let _ = python_imports(&tokens_hash("from . . . . import", true), "/a.py", "/");
        let _ = python_imports(
            &tokens_hash("from .......... import x", true),
            "/a/b.py",
            "/",
        );
    }
}
