//! The build context: which file of it (or which heredoc of the Dockerfile)
//! ends up at a path in the image, through COPY and ADD.
//!
//! The context is a jail. Every path is resolved one component at a time
//! (`lstat`, never a plain `stat`): a symlink is followed the way Docker
//! follows a COPY source, inside the context (an absolute target starts
//! from the context root, `..` stops at it), so nothing outside the context
//! is ever opened. `.git/` is never read, and only regular files are opened.
//! To judge a COPY source missing from the context (see
//! [`ContextFs::missing_assumption`]), dsig looks above the context only up
//! to the repository root (the directory holding `.git`): whether a path
//! exists there, and the `.gitignore` and build files (Makefile, workflows,
//! ...) of those directories, read only when they are regular files (never
//! through a symlink) of at most 1 MiB.

use super::{CopyOp, Image, Stage};
use crate::syntax::{Args, Dockerfile, Kind};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

/// How many paths one COPY source pattern may match (at each of its
/// components).
const MAX_GLOB_MATCHES: usize = 4096;

/// How many symlinks one path may go through (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Read access to the build context, with in-memory replacements.
pub struct ContextFs<'a> {
    pub root: Option<PathBuf>,
    pub overlay: &'a HashMap<PathBuf, String>,
    /// What this lint has looked up already: paths and directory listings
    /// are read once per lint, however many COPY lines and PATH entries
    /// ask for them.
    cache: RefCell<Cache>,
    /// The context is known (`--context`, a bake, compose or workflow
    /// file), not assumed to be the Dockerfile's directory.
    pub known: bool,
    /// Where the context comes from, for messages (`docker-bake.hcl target
    /// "app"`).
    pub origin: Option<String>,
}

#[derive(Default)]
struct Cache {
    resolved: HashMap<String, Resolved>,
    globs: HashMap<String, Rc<Matches>>,
    archives: HashMap<String, bool>,
    /// The context's `.dockerignore`, read when first asked.
    dockerignore: Option<Option<Rc<DockerIgnore>>>,
}

/// A context-relative path, resolved inside the context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// At `path` (no symlink after the context root), of this kind, with
    /// its permission bits (`None` for an overlay text not on disk).
    Found {
        path: PathBuf,
        kind: EntryKind,
        mode: Option<u32>,
    },
    /// Not in the context: missing, or a symlink whose target (resolved
    /// inside the context, as Docker does) is not there.
    Missing,
    /// Inside `.git/` (on the way or through a symlink): never read.
    Git,
}

/// The kind of a file of the context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    /// A FIFO, socket or device: never opened.
    Other(&'static str),
}

/// Why a context file that a CMD or ENTRYPOINT runs could not be read as
/// text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Its bytes are not text (a NUL byte, invalid UTF-8, over the size
    /// limit). `shebang`: it starts with `#!`, so it is a script, not a
    /// compiled program.
    NotText { why: String, shebang: bool },
    /// It cannot be read at all (permission denied, not a regular file).
    Unreadable(String),
}

impl ReadError {
    #[must_use]
    pub fn message(&self) -> &str {
        match self {
            ReadError::NotText { why, .. } | ReadError::Unreadable(why) => why,
        }
    }
}

/// The files and directories one COPY source pattern matches, sorted, with
/// an index by name (a glob matches in one directory).
#[derive(Debug, Default)]
struct Matches {
    list: Vec<(String, bool)>,
    by_name: HashMap<String, usize>,
}

/// The describing word for a file that is not regular or a directory.
#[must_use]
pub fn special_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    let _ = ft;
    "not a regular file"
}

enum Step {
    Up,
    Name(OsString),
}

/// Resolve `rel` inside `root` without leaving it (see the module docs). A
/// path that is not on disk but is in `overlay` (or is a directory of an
/// overlay path) is found as such.
fn resolve_in(root: &Path, rel: &str, overlay: &HashMap<PathBuf, String>) -> Resolved {
    let mut todo: Vec<Step> = rel
        .split('/')
        .rev()
        .filter(|c| !c.is_empty() && *c != ".")
        .map(|c| {
            if c == ".." {
                Step::Up
            } else {
                Step::Name(OsString::from(c))
            }
        })
        .collect();
    let mut done = PathBuf::new();
    let mut last: Option<std::fs::Metadata> = None;
    let mut links = 0usize;
    // The path so far was found in the overlay only, as this kind.
    let mut virtual_kind: Option<EntryKind> = None;
    while let Some(step) = todo.pop() {
        let name = match step {
            Step::Up => {
                done.pop();
                last = None;
                virtual_kind = None;
                continue;
            }
            Step::Name(n) => n,
        };
        if name == ".git" {
            return Resolved::Git;
        }
        let here = root.join(&done).join(&name);
        let Ok(meta) = std::fs::symlink_metadata(&here) else {
            let kind = if overlay.contains_key(&here) {
                EntryKind::File
            } else if overlay.keys().any(|k| k.starts_with(&here)) {
                EntryKind::Dir
            } else {
                return Resolved::Missing;
            };
            if kind == EntryKind::File && !todo.is_empty() {
                return Resolved::Missing;
            }
            done.push(&name);
            last = None;
            virtual_kind = Some(kind);
            continue;
        };
        virtual_kind = None;
        if meta.file_type().is_symlink() {
            links += 1;
            let Ok(target) = std::fs::read_link(&here) else {
                return Resolved::Missing;
            };
            if links > MAX_LINKS {
                return Resolved::Missing;
            }
            if target.is_absolute() {
                done = PathBuf::new();
            }
            last = None;
            for c in target.components().rev() {
                match c {
                    Component::Normal(n) => todo.push(Step::Name(n.to_os_string())),
                    Component::ParentDir => todo.push(Step::Up),
                    Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
                }
            }
            continue;
        }
        if !todo.is_empty() && !meta.is_dir() {
            return Resolved::Missing;
        }
        done.push(&name);
        last = Some(meta);
    }
    let path = if done.as_os_str().is_empty() {
        root.to_path_buf()
    } else {
        root.join(&done)
    };
    if let Some(kind) = virtual_kind {
        return Resolved::Found {
            path,
            kind,
            mode: None,
        };
    }
    // The root itself (or a path back to it) is the user's: followed.
    let meta = match last {
        Some(m) => m,
        None => match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(_) => return Resolved::Missing,
        },
    };
    let ft = meta.file_type();
    let kind = if ft.is_file() {
        EntryKind::File
    } else if ft.is_dir() {
        EntryKind::Dir
    } else {
        EntryKind::Other(special_kind(&ft))
    };
    #[cfg(unix)]
    let mode = Some(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()));
    #[cfg(not(unix))]
    let mode = None;
    Resolved::Found { path, kind, mode }
}

/// Read a regular file of at most [`crate::files::MAX_FILE_SIZE`] bytes as
/// text: the file is checked to be regular before and after it is opened.
fn read_text(path: &Path) -> Result<String, ReadError> {
    let unreadable = |e: std::io::Error| {
        ReadError::Unreadable(format!("cannot read: {}", crate::files::io_message(&e)))
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(ReadError::Unreadable(format!(
            "not a regular file ({})",
            special_kind(&meta.file_type())
        )));
    }
    let too_large = |mut file: std::fs::File| {
        // Only the first two bytes are read: is it a script?
        use std::io::{Read, Seek};
        let mut head = [0u8; 2];
        let shebang = file
            .rewind()
            .and_then(|()| file.read_exact(&mut head))
            .is_ok()
            && &head == b"#!";
        ReadError::NotText {
            why: format!(
                "file too large: {} bytes (dsig reads files up to {} MiB)",
                meta.len(),
                crate::files::MAX_FILE_SIZE / (1024 * 1024)
            ),
            shebang,
        }
    };
    if meta.len() > crate::files::MAX_FILE_SIZE {
        return Err(too_large(file));
    }
    let bytes = match crate::files::read_limited(&file) {
        Ok(Some(b)) => b,
        Ok(None) => return Err(too_large(file)),
        Err(e) => return Err(unreadable(e)),
    };
    let shebang = bytes.starts_with(b"#!");
    if bytes.contains(&0) {
        return Err(ReadError::NotText {
            why: "binary file (contains NUL bytes); not a shell script".into(),
            shebang,
        });
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotText {
        why: format!(
            "invalid UTF-8 at byte offset {}",
            e.utf8_error().valid_up_to()
        ),
        shebang,
    })
}

/// Whether a file starts like a tar archive, compressed (gzip, bzip2, xz,
/// zstd) or not: its first 262 bytes.
fn archive_bytes(path: &Path) -> bool {
    use std::io::Read;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(262);
    if f.take(262).read_to_end(&mut head).is_err() {
        return false;
    }
    head.starts_with(&[0x1f, 0x8b])
        || head.starts_with(b"BZh")
        || head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0])
        || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || head.get(257..262) == Some(b"ustar")
}

/// A `.dockerignore` as Docker reads it (moby/patternmatcher
/// `MatchesOrParentMatches`): each pattern in order is matched against the
/// path and against each of its parent directories, and the last pattern
/// that matches decides (`**` then `!ci` keeps `ci/a/b.sh`, which a
/// gitignore reading would leave out). Patterns are anchored at the root.
pub struct DockerIgnore {
    /// Each pattern alone (as a gitignore line rooted at `/`), and whether
    /// it is an exception (`!`).
    patterns: Vec<(ignore::gitignore::Gitignore, bool)>,
}

/// At most this many patterns are read (a hostile file may hold more).
const MAX_DOCKERIGNORE_PATTERNS: usize = 2048;

impl DockerIgnore {
    fn excludes(&self, root: &Path, rel: &str, is_dir: bool) -> bool {
        let mut excluded = false;
        let parents: Vec<&str> = rel.match_indices('/').map(|(i, _)| &rel[..i]).collect();
        for (m, exception) in &self.patterns {
            let hit = m.matched(root.join(rel), is_dir).is_ignore()
                || parents
                    .iter()
                    .any(|p| m.matched(root.join(p), true).is_ignore());
            if hit {
                excluded = !exception;
            }
        }
        excluded
    }
}

/// The `.dockerignore` of the context at `root` (see
/// [`ContextFs::excluded`]); `None` when there is none.
fn read_dockerignore(root: &Path) -> Option<DockerIgnore> {
    let file = root.join(".dockerignore");
    match std::fs::symlink_metadata(&file) {
        Ok(m) if m.is_file() && m.len() <= 1024 * 1024 => {}
        _ => return None,
    }
    let text = std::fs::read_to_string(&file).ok()?;
    let mut patterns = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (exception, pat) = match line.strip_prefix('!') {
            Some(p) => (true, p.trim()),
            None => (false, line),
        };
        // Docker cleans each pattern (filepath.Clean) and drops a leading
        // `/`: every pattern is anchored at the root.
        let clean = normalize(pat);
        let clean = clean.trim_start_matches('/');
        if clean.is_empty() {
            continue;
        }
        let mut b = ignore::gitignore::GitignoreBuilder::new(root);
        if b.add_line(None, &format!("/{clean}")).is_err() {
            continue;
        }
        if let Ok(m) = b.build() {
            patterns.push((m, exception));
        }
        if patterns.len() >= MAX_DOCKERIGNORE_PATTERNS {
            break;
        }
    }
    Some(DockerIgnore { patterns })
}

/// The build files that a project runs before `docker build`, at the
/// context's root and the repository's: a Makefile, a justfile, a Taskfile,
/// package.json scripts, `GoReleaser`, and the GitHub workflows.
const BUILD_FILES: [&str; 11] = [
    "Makefile",
    "makefile",
    "GNUmakefile",
    "justfile",
    "Justfile",
    "Taskfile.yml",
    "Taskfile.yaml",
    "package.json",
    ".goreleaser.yml",
    ".goreleaser.yaml",
    "build.sh",
];

/// A build file of the project (see [`BUILD_FILES`]) that names `rel` (as a
/// whole path word: `go build -o bin/app`, `cp x ./dist/app`): the step
/// that makes the file before `docker build`, shown relative to `root`.
/// Only regular files of at most 1 MiB are read, at most 64 workflows.
fn named_by_build_step(root: &Path, repo: Option<&Path>, rel: &str) -> Option<String> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [Some(root), repo].into_iter().flatten() {
        for name in BUILD_FILES {
            files.push(dir.join(name));
        }
    }
    if let Some(r) = repo {
        let mut flows: Vec<PathBuf> = std::fs::read_dir(r.join(".github/workflows"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
            .take(64)
            .collect();
        flows.sort();
        files.extend(flows);
    }
    files.dedup();
    let names = |text: &str| {
        text.match_indices(rel).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + rel.len()..].chars().next();
            let edge = |c: Option<char>| {
                c.is_none_or(|c| {
                    c.is_whitespace()
                        || matches!(c, '"' | '\'' | '=' | ':' | ',' | ';' | ')' | '(' | '`')
                })
            };
            (edge(before) || before == Some('/')) && edge(after)
        })
    };
    for f in files {
        match std::fs::symlink_metadata(&f) {
            Ok(m) if m.is_file() && m.len() <= 1024 * 1024 => {}
            _ => continue,
        }
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        if names(&text) {
            let shown = if let Ok(p) = f.strip_prefix(root) {
                p.to_string_lossy().to_string()
            } else {
                let up = f.parent().map_or(0, |d| {
                    root.components()
                        .count()
                        .saturating_sub(d.components().count())
                });
                format!(
                    "{}/{}",
                    vec![".."; up].join("/"),
                    f.strip_prefix(repo.unwrap_or(root))
                        .unwrap_or(&f)
                        .to_string_lossy()
                )
            };
            return Some(format!("`{shown}`"));
        }
    }
    None
}

/// Whether the `.gitignore` files from `root`'s repository root (or from
/// `root` when there is none) down to `rel`'s directory ignore `rel`: the
/// pattern and the file that says so. The deepest file that has a say
/// decides, as in git; only regular `.gitignore` files of at most 1 MiB are
/// read.
fn gitignored(root: &Path, repo: Option<&Path>, rel: &str) -> Option<String> {
    use ignore::gitignore::GitignoreBuilder;
    use ignore::Match;
    let target = root.join(rel);
    let top = repo.unwrap_or(root);
    let mut dirs: Vec<&Path> = Vec::new();
    let mut d = target.parent();
    while let Some(x) = d {
        if !x.starts_with(top) || dirs.len() > 256 {
            break;
        }
        dirs.push(x);
        if x == top {
            break;
        }
        d = x.parent();
    }
    for dir in dirs {
        let file = dir.join(".gitignore");
        match std::fs::symlink_metadata(&file) {
            Ok(m) if m.is_file() && m.len() <= 1024 * 1024 => {}
            _ => continue,
        }
        let mut b = GitignoreBuilder::new(dir);
        // A line that does not parse is left out; the others count.
        let _ = b.add(&file);
        let Ok(g) = b.build() else { continue };
        match g.matched_path_or_any_parents(&target, false) {
            Match::Ignore(glob) => {
                let shown = match dir.strip_prefix(root) {
                    Ok(p) if p.as_os_str().is_empty() => ".gitignore".to_string(),
                    Ok(p) => format!("{}/.gitignore", p.to_string_lossy()),
                    Err(_) => {
                        let up = root
                            .components()
                            .count()
                            .saturating_sub(dir.components().count());
                        format!("{}/.gitignore", vec![".."; up].join("/"))
                    }
                };
                return Some(format!("`{}` in {shown}", glob.original()));
            }
            Match::Whitelist(_) => return None,
            Match::None => {}
        }
    }
    None
}

impl<'a> ContextFs<'a> {
    /// The context at `root` (none: nothing is read), with `overlay` texts
    /// standing in for files on disk.
    #[must_use]
    pub fn new(root: Option<PathBuf>, overlay: &'a HashMap<PathBuf, String>) -> ContextFs<'a> {
        ContextFs {
            root,
            overlay,
            cache: RefCell::new(Cache::default()),
            known: false,
            origin: None,
        }
    }

    /// The same, saying whether the context is known and where it comes
    /// from (see [`crate::Build`]).
    #[must_use]
    pub fn with_build(mut self, known: bool, origin: Option<String>) -> ContextFs<'a> {
        self.known = known;
        self.origin = origin;
        self
    }

    /// Whether the context's `.dockerignore` leaves `rel` out of the
    /// context (BuildKit sends the builder only what it does not exclude).
    /// Its patterns are anchored at the context root, as Docker reads them
    /// (Go's filepath.Match per component, `**`, `!` exceptions, the last
    /// match wins, a directory excludes what is under it); read as
    /// gitignore patterns rooted at `/`. A file over 1 MiB or not a regular
    /// file is not read.
    pub fn excluded(&self, rel: &str) -> bool {
        let Some(root) = self.root.as_ref() else {
            return false;
        };
        let cached = self.cache.borrow().dockerignore.clone();
        let matcher = if let Some(m) = cached {
            m
        } else {
            let m = read_dockerignore(root).map(Rc::new);
            self.cache.borrow_mut().dockerignore = Some(m.clone());
            m
        };
        let Some(m) = matcher else {
            return false;
        };
        let rel = normalize(rel);
        let rel = rel.trim_start_matches('/');
        if rel.is_empty() {
            return false;
        }
        m.excludes(root, rel, self.is_dir(rel))
    }

    /// Whether a context file is a local tar archive that ADD extracts: a
    /// name of an archive (`.tar`, `.tar.gz`, `.tgz`, ...) and the bytes of
    /// one (BuildKit goes by the bytes alone; the name keeps dsig from
    /// opening every file an `ADD *` names).
    pub fn is_archive(&self, rel: &str) -> bool {
        const NAMES: [&str; 11] = [
            ".tar",
            ".tar.gz",
            ".tgz",
            ".tar.bz2",
            ".tbz",
            ".tbz2",
            ".tar.xz",
            ".txz",
            ".tar.zst",
            ".tzst",
            ".tar.gzip",
        ];
        let lower = rel.to_ascii_lowercase();
        if !NAMES.iter().any(|n| lower.ends_with(n)) {
            return false;
        }
        if let Some(a) = self.cache.borrow().archives.get(rel) {
            return *a;
        }
        let a = match self.resolve(rel) {
            Resolved::Found {
                path,
                kind: EntryKind::File,
                ..
            } => archive_bytes(&path),
            _ => false,
        };
        self.cache.borrow_mut().archives.insert(rel.to_string(), a);
        a
    }

    /// Why a COPY source that is not in the context may still be there when
    /// the image is built, as a clause about the file (`is gitignored
    /// (...): ...`); `None` when dsig is sure that the build fails. Not
    /// sure: the file is gitignored (`.gitignore` files from the context up
    /// to the repository root), or a build file of the project names it
    /// (see [`named_by_build_step`]): a step before `docker build` makes it;
    /// or the context is only assumed (the Dockerfile's directory) and a
    /// directory above it, up to the repository root (a directory holding
    /// `.git`), holds the file at that path.
    pub fn missing_assumption(&self, rel: &str) -> Option<String> {
        let root = self.root.as_ref()?;
        // Docker drops a leading `/` and `../` from a source.
        let rel = normalize(rel);
        let rel = rel.trim_start_matches('/');
        if rel.is_empty() {
            return None;
        }
        let abs_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        let repo = crate::project::git_root(&abs_root);
        if let Some(how) = gitignored(&abs_root, repo.as_deref(), rel) {
            return Some(format!(
                "is gitignored ({how}): dsig assumes that a step before `docker build` makes it"
            ));
        }
        if let Some(step) = named_by_build_step(&abs_root, repo.as_deref(), rel) {
            return Some(format!(
                "is named by {step}: dsig assumes that this step makes it before `docker build`"
            ));
        }
        if self.known {
            return None;
        }
        let mut dir = abs_root.as_path();
        for up in 1..=64 {
            if repo.as_deref() == Some(dir) {
                break;
            }
            let Some(parent) = dir.parent() else { break };
            dir = parent;
            if std::fs::symlink_metadata(dir.join(rel)).is_ok() {
                let shown = vec![".."; up].join("/");
                return Some(format!(
                    "is not in the assumed build context `.` (the Dockerfile's directory), but is in `{shown}`: built from there? give --context"
                ));
            }
        }
        None
    }

    /// Where a context-relative path leads, inside the context.
    pub fn resolve(&self, rel: &str) -> Resolved {
        let Some(root) = self.root.as_ref() else {
            return Resolved::Missing;
        };
        if let Some(r) = self.cache.borrow().resolved.get(rel) {
            return r.clone();
        }
        let r = resolve_in(root, rel, self.overlay);
        self.cache
            .borrow_mut()
            .resolved
            .insert(rel.to_string(), r.clone());
        r
    }

    /// The on-disk path of a context-relative path, every symlink on the way
    /// resolved inside the context; `None` when it is not in the context or
    /// is inside `.git/`.
    pub fn disk(&self, rel: &str) -> Option<PathBuf> {
        match self.resolve(rel) {
            Resolved::Found { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Whether `rel` is inside `.git/` (never read).
    pub fn is_git(&self, rel: &str) -> bool {
        self.resolve(rel) == Resolved::Git
    }

    /// A file (not a directory) of the context: a regular file, or a FIFO,
    /// socket or device (that reading then rejects).
    pub fn is_file(&self, rel: &str) -> bool {
        matches!(
            self.resolve(rel),
            Resolved::Found { kind, .. } if kind != EntryKind::Dir
        )
    }

    pub fn is_dir(&self, rel: &str) -> bool {
        matches!(
            self.resolve(rel),
            Resolved::Found {
                kind: EntryKind::Dir,
                ..
            }
        )
    }

    /// The names in a context directory (inside the jail), sorted; at most
    /// 256. `None` when it is not a directory of the context.
    pub fn list_dir(&self, rel: &str) -> Option<Vec<String>> {
        let Resolved::Found {
            path,
            kind: EntryKind::Dir,
            ..
        } = self.resolve(rel)
        else {
            return None;
        };
        let mut out: Vec<String> = std::fs::read_dir(path)
            .ok()?
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .take(256)
            .collect();
        out.sort();
        Some(out)
    }

    /// The text of a context file: `Err` with a reason when it cannot be read
    /// as text.
    pub fn read(&self, rel: &str) -> Option<Result<String, String>> {
        self.read_script(rel)
            .map(|r| r.map_err(|e| e.message().to_string()))
    }

    /// The text of a context file, or why it cannot be read as text; `None`
    /// when it is not in the context (or is inside `.git/`).
    pub fn read_script(&self, rel: &str) -> Option<Result<String, ReadError>> {
        let Resolved::Found { path, kind, .. } = self.resolve(rel) else {
            return None;
        };
        if let Some(t) = self.overlay.get(&path) {
            return Some(Ok(t.clone()));
        }
        match kind {
            EntryKind::File => Some(read_text(&path)),
            EntryKind::Dir => Some(Err(ReadError::Unreadable("is a directory".into()))),
            EntryKind::Other(what) => Some(Err(ReadError::Unreadable(format!(
                "not a regular file ({what}); not opened"
            )))),
        }
    }

    /// Whether the context file has an execute bit (`None` when unknown).
    pub fn is_executable(&self, rel: &str) -> Option<bool> {
        let Resolved::Found { mode, .. } = self.resolve(rel) else {
            return None;
        };
        mode.map(|m| m & 0o111 != 0)
    }

    /// Context files matching a COPY source pattern (`*`, `?`, `[...]` in the
    /// last component only), sorted, each with whether it is a directory.
    /// The directory is listed once per lint.
    fn glob(&self, pattern: &str) -> Rc<Matches> {
        if let Some(m) = self.cache.borrow().globs.get(pattern) {
            return m.clone();
        }
        let m = Rc::new(self.glob_uncached(pattern));
        self.cache
            .borrow_mut()
            .globs
            .insert(pattern.to_string(), m.clone());
        m
    }

    fn glob_uncached(&self, pattern: &str) -> Matches {
        let pattern = pattern.trim_start_matches("./").trim_start_matches('/');
        let names: Vec<String> = if pattern.contains(['*', '?', '[']) {
            // Component by component (Go's filepath.Match per component, as
            // BuildKit resolves wildcards): each directory is listed once,
            // and at most MAX_GLOB_MATCHES paths are kept at each step.
            let mut found: Vec<String> = vec![String::new()];
            for comp in pattern.split('/').filter(|c| !c.is_empty() && *c != ".") {
                let mut next: Vec<String> = Vec::new();
                for prefix in &found {
                    let join = |n: &str| {
                        if prefix.is_empty() {
                            n.to_string()
                        } else {
                            format!("{prefix}/{n}")
                        }
                    };
                    if !comp.contains(['*', '?', '[']) {
                        next.push(join(comp));
                        continue;
                    }
                    let d = match self.resolve(if prefix.is_empty() { "." } else { prefix }) {
                        Resolved::Found {
                            path,
                            kind: EntryKind::Dir,
                            ..
                        } => path,
                        _ => continue,
                    };
                    let mut names: Vec<String> = std::fs::read_dir(d)
                        .into_iter()
                        .flatten()
                        .flatten()
                        .filter_map(|e| e.file_name().into_string().ok())
                        .filter(|n| glob_match(comp, n))
                        .collect();
                    names.sort();
                    next.extend(names.iter().map(|n| join(n)));
                    if next.len() > MAX_GLOB_MATCHES {
                        break;
                    }
                }
                next.truncate(MAX_GLOB_MATCHES);
                found = next;
            }
            found.retain(|n| !n.is_empty() && !matches!(self.resolve(n), Resolved::Missing));
            found
        } else {
            vec![pattern.to_string()]
        };
        let list: Vec<(String, bool)> = names
            .into_iter()
            .map(|n| {
                let is_dir = self.is_dir(&n);
                (n, is_dir)
            })
            .collect();
        let by_name = list
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (basename(n).to_string(), i))
            .collect();
        Matches { list, by_name }
    }
}

/// Shell-style glob match of one path component (`*`, `?`, `[a-z]`,
/// `[!x]`). Iterative, backtracking only to the last `*`: O(pattern x name),
/// where the recursive form was exponential in the number of stars
/// (`COPY *a*a*a*a*a*a*b .` against a long name).
#[must_use]
pub fn glob_match(pat: &str, name: &str) -> bool {
    /// Does the one-character item at `p[i]` match `c`? Its length if so.
    fn item(p: &[char], i: usize, c: char) -> Option<usize> {
        match p[i] {
            '?' => Some(1),
            '[' => {
                let end = i + p[i..].iter().position(|&x| x == ']')?;
                if end == i + 1 {
                    return None; // `[]`: matches nothing
                }
                class_matches(&p[i + 1..end], c).then_some(end + 1 - i)
            }
            x => (x == c).then_some(1),
        }
    }
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut i, mut j) = (0, 0);
    // The last `*` seen and the name position it is matched up to.
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
            continue;
        }
        if i < p.len() {
            if let Some(len) = item(&p, i, n[j]) {
                i += len;
                j += 1;
                continue;
            }
        }
        match star {
            // Let the last `*` take one more character and retry.
            Some((si, sj)) => {
                star = Some((si, sj + 1));
                i = si + 1;
                j = sj + 1;
            }
            None => return false,
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// Does the inside of a glob's `[...]` (`a-z0`, `!x`, `^x`) match `c`?
fn class_matches(class: &[char], c: char) -> bool {
    let (negate, class) = match class.first() {
        Some('!' | '^') => (true, &class[1..]),
        _ => (false, class),
    };
    let mut hit = false;
    let mut i = 0;
    while i < class.len() {
        if i + 2 < class.len() && class[i + 1] == '-' {
            hit |= class[i] <= c && c <= class[i + 2];
            i += 3;
        } else {
            hit |= class[i] == c;
            i += 1;
        }
    }
    hit != negate
}

/// Where a file in the image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file of the build context (path relative to the context).
    Context { rel: String, copy: usize },
    /// A heredoc of the Dockerfile (`COPY <<EOF /start.sh`).
    Heredoc { instruction: usize, heredoc: usize },
    /// COPY names a context file that does not exist (or a symlink whose
    /// target, resolved inside the context as Docker does, is not there).
    Missing { rel: String, copy: usize },
    /// A context file dsig never reads: it is inside `.git/`.
    Git { rel: String, copy: usize },
    /// Copied from an earlier stage by `COPY --from=<from>` (instruction
    /// `copy`): it is `path` in that stage, where it comes from `inner`.
    Stage {
        from: String,
        copy: usize,
        path: String,
        inner: Box<Origin>,
    },
    /// No COPY or ADD of that earlier stage (`stage`, as `--from` names
    /// it) puts it there: a RUN of the stage makes it (`run`: the RUN that
    /// names the path, when one does), or the stage's base image has it
    /// (`image`: the external image the stage is built on, if any).
    Built {
        stage: String,
        run: Option<usize>,
        image: Option<String>,
    },
    /// Copied from an image (`COPY --from=alpine:3`).
    Image { reference: String, copy: usize },
    /// Downloaded by ADD from a URL or cloned from a git repository.
    Remote { url: String, copy: usize },
    /// Extracted by ADD from a tar archive of the context: what it holds is
    /// not read.
    Archive { rel: String, copy: usize },
    /// The copy uses build-time values that dsig does not know (their
    /// names): what it copies, or where, is unknown.
    Unknown { copy: usize, names: Vec<String> },
    /// Copied from stage to stage through more `COPY --from` than dsig
    /// follows ([`MAX_STAGE_DEPTH`]).
    TooDeep { from: String, copy: usize },
    /// Not copied by this Dockerfile: from the base image, or made by RUN.
    NotCopied,
}

impl Origin {
    /// Where the file finally comes from, through the stages it is copied
    /// from.
    #[must_use]
    pub fn leaf(&self) -> &Origin {
        let mut o = self;
        while let Origin::Stage { inner, .. } = o {
            o = inner;
        }
        o
    }

    /// The COPY or ADD that puts it in the image (the outermost one).
    #[must_use]
    pub fn copy(&self) -> Option<usize> {
        match self {
            Origin::Context { copy, .. }
            | Origin::Missing { copy, .. }
            | Origin::Git { copy, .. }
            | Origin::Stage { copy, .. }
            | Origin::Image { copy, .. }
            | Origin::Remote { copy, .. }
            | Origin::Archive { copy, .. }
            | Origin::Unknown { copy, .. }
            | Origin::TooDeep { copy, .. } => Some(*copy),
            Origin::Heredoc { instruction, .. } => Some(*instruction),
            Origin::Built { .. } | Origin::NotCopied => None,
        }
    }

    /// The COPY and ADD instructions that put it in the image, the
    /// outermost (this stage's) first, then those of the stages it is
    /// copied from.
    #[must_use]
    pub fn copies(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut o = self;
        loop {
            out.extend(o.copy());
            match o {
                Origin::Stage { inner, .. } => o = inner,
                _ => return out,
            }
        }
    }

    /// The stages it is copied through, outermost first: (`--from` value,
    /// path in that stage).
    #[must_use]
    pub fn via(&self) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        let mut o = self;
        while let Origin::Stage {
            from, path, inner, ..
        } = o
        {
            out.push((from.as_str(), path.as_str()));
            o = inner;
        }
        out
    }
}

/// How many copies that only may provide a path (see [`Hit`]) one lookup
/// looks through for one that surely does.
const MAX_MAYBES: usize = 64;

/// How many `COPY --from` dsig follows from stage to stage.
pub const MAX_STAGE_DEPTH: usize = 16;

/// What one copy says about a path: it provides it (`maybe` false), or it
/// may provide it but what it copies there is not known (a directory made
/// by a RUN of another stage, an archive, a git repository, a build-time
/// value dsig does not know).
///
/// A `maybe` copy does not shadow an earlier copy that surely provides the
/// path: a Dockerfile that copies a file and then a directory whose
/// contents it does not show is read as meaning the file, not as if any
/// file of the image could have been replaced. With no such earlier copy,
/// the latest `maybe` copy is the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hit {
    origin: Origin,
    maybe: bool,
}

fn sure(origin: Origin) -> Option<Hit> {
    Some(Hit {
        origin,
        maybe: false,
    })
}

fn maybe(origin: Origin) -> Option<Hit> {
    Some(Hit {
        origin,
        maybe: true,
    })
}

/// The origin from the hits of the copies, latest first (see [`Hit`]).
fn pick(hits: impl Iterator<Item = Option<Hit>>) -> (Origin, bool) {
    let mut first_maybe = None;
    let mut maybes = 0usize;
    for h in hits.flatten() {
        if !h.maybe {
            return (h.origin, false);
        }
        if first_maybe.is_none() {
            first_maybe = Some(h.origin);
        }
        // A bound on the copies of unknown contents looked through for a
        // sure one (each may follow a COPY --from into another stage).
        maybes += 1;
        if maybes > MAX_MAYBES {
            break;
        }
    }
    match first_maybe {
        Some(o) => (o, true),
        None => (Origin::NotCopied, false),
    }
}

/// A path's kind in a stage, and the RUN that names it.
type KindAndRun = (PathKind, Option<usize>);

/// What a path of another stage is, as far as its copies and RUNs tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathKind {
    File,
    Dir,
    Unknown,
}

/// An ADD source that is downloaded (`https://...`) or cloned (a git
/// repository) rather than read from the context; the bool says git.
fn remote_source(src: &str) -> Option<bool> {
    let lower = src.to_ascii_lowercase();
    let git = lower.starts_with("git@")
        || lower.starts_with("git://")
        || lower.starts_with("ssh://")
        || ((lower.starts_with("http://") || lower.starts_with("https://"))
            && (lower
                .split(['#', '?'])
                .next()
                .unwrap_or("")
                .ends_with(".git")
                || lower.contains(".git#")));
    if git {
        return Some(true);
    }
    (lower.starts_with("http://") || lower.starts_with("https://") || src.contains("://"))
        .then_some(false)
}

/// The file name BuildKit gives a URL download: the last component of the
/// URL's path.
fn url_file_name(url: &str) -> String {
    let no_frag = url.split(['#', '?']).next().unwrap_or(url);
    let path = no_frag
        .split_once("://")
        .map_or(no_frag, |(_, r)| r.split_once('/').map_or("", |(_, p)| p));
    let b = basename(path);
    if b.is_empty() || b == "." {
        "__unnamed__".to_string()
    } else {
        b.to_string()
    }
}

/// A destination that names a directory: a trailing slash, or `.`/`..`
/// (BuildKit turns `.` into `./`).
fn dest_names_dir(dest: &str) -> bool {
    dest.ends_with('/')
        || dest == "."
        || dest == ".."
        || dest.ends_with("/.")
        || dest.ends_with("/..")
}

/// `want` under the directory `dir` (both normalised): the rest, without
/// the leading slash; `None` when `want` is `dir` itself or not under it.
fn under<'a>(want: &'a str, dir: &str) -> Option<&'a str> {
    let rest = if dir == "/" {
        want.strip_prefix('/')
    } else {
        want.strip_prefix(dir).and_then(|r| r.strip_prefix('/'))
    }?;
    (!rest.is_empty()).then_some(rest)
}

/// A copy whose sources or destination hold a build-time value that dsig
/// does not know: marked so by the model, or still holding a `$` reference
/// (a value that was not substituted).
fn unknown_values(copy: &CopyOp) -> bool {
    copy.unknown
        || copy.dest.contains('$')
        || copy.sources.iter().any(|s| s.contains('$'))
        || copy.from.as_deref().is_some_and(|f| f.contains('$'))
}

/// The names of the build-time values a COPY or ADD uses that dsig does not
/// know (`$NAME`, `${NAME...}`), in order, once each, at most 8.
fn value_names(df: &Dockerfile, copy: &CopyOp) -> Vec<String> {
    // The model keeps an unknown part as written (`${APP_ENV}`) and
    // substitutes the known ones: the references left are the unknown ones.
    let mut text = copy.sources.join(" ");
    text.push(' ');
    text.push_str(&copy.dest);
    if let Some(f) = &copy.from {
        text.push(' ');
        text.push_str(f);
    }
    if let Some(w) = &copy.workdir {
        text.push(' ');
        text.push_str(w);
    }
    if !text.contains('$') {
        // Marked unknown without a reference left: name those written.
        text = df
            .instructions
            .get(copy.at)
            .map(|i| i.args_text().to_string())
            .unwrap_or_default();
    }
    let mut out: Vec<String> = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() && out.len() < 8 {
        if b[i] == b'$' {
            let start = i + 1 + usize::from(b.get(i + 1) == Some(&b'{'));
            let n = b[start.min(b.len())..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            if n > 0 {
                let name = text[start..start + n].to_string();
                if !out.contains(&name) {
                    out.push(name);
                }
            }
            i = start + n;
            continue;
        }
        i += 1;
    }
    out
}

/// `rest` (a path relative to a `--parents` copy's destination) is copied
/// from the source `src`: the source-relative path it comes from, when the
/// pattern after the `/./` pivot (or the whole source) matches `rest` or a
/// directory above it.
fn parents_source(src: &str, rest: &str) -> Option<String> {
    let (base, pat) = match src.split_once("/./") {
        Some((b, p)) => (b, p),
        None => ("", src),
    };
    let pat = normalize(pat);
    let pat = pat.trim_start_matches('/');
    if pat.is_empty() {
        return None;
    }
    let comps: Vec<&str> = rest.split('/').collect();
    let pcomps: Vec<&str> = pat.split('/').collect();
    // `rest` itself, or a directory above it, matches the pattern.
    let hit = (1..=comps.len()).any(|n| path_match(&pcomps, &comps[..n]));
    hit.then(|| {
        let base = normalize(base);
        let base = base.trim_start_matches('/');
        if base.is_empty() {
            rest.to_string()
        } else {
            format!("{base}/{rest}")
        }
    })
}

/// A path pattern against path components: `*`, `?`, `[...]` within a
/// component, `**` for any number of components (none included). The
/// recursion only branches on `**`, of which at most 8 are honoured.
fn path_match(pat: &[&str], name: &[&str]) -> bool {
    fn go(pat: &[&str], name: &[&str], stars: usize) -> bool {
        match pat.split_first() {
            None => name.is_empty(),
            Some((&"**", rest)) => {
                if stars > 8 {
                    return false;
                }
                (0..=name.len()).any(|k| go(rest, &name[k..], stars + 1))
            }
            Some((p, rest)) => match name.split_first() {
                Some((n, nrest)) => glob_match(p, n) && go(rest, nrest, stars),
                None => false,
            },
        }
    }
    go(pat, name, 0)
}

/// The copies of one stage, indexed by the image paths that each can
/// provide, so that a path is checked against those only (each PATH entry
/// was checked against every COPY: 5000 of each took 10 s). The index only
/// narrows the search: [`CopyIndex::hit`] still decides, on the candidates
/// from the last copy back.
struct StageIndex<'s> {
    /// The copies, oldest first.
    ops: Vec<&'s CopyOp>,
    /// Copies that can provide exactly this path.
    exact: HashMap<String, Vec<usize>>,
    /// Copies that can provide a file directly in this directory (a glob
    /// source).
    children: HashMap<String, Vec<usize>>,
    /// Copies that can provide this path and anything under it (a
    /// directory source, `--from`, `--parents`, a source in `.git/`, an
    /// archive, a git repository, an unknown build-time value).
    subtree: HashMap<String, Vec<usize>>,
    /// Copies that can provide any path (their destination holds a
    /// build-time value dsig does not know).
    anywhere: Vec<usize>,
    /// Every destination, and those that are surely directories (a
    /// trailing slash, several sources, a directory source): whether a path
    /// of the stage is a directory, without a scan of its copies.
    dests: std::collections::BTreeSet<String>,
    dir_dests: std::collections::HashSet<String>,
}

impl<'s> StageIndex<'s> {
    fn new(stage: &'s Stage, df: &Dockerfile, fs: &ContextFs) -> StageIndex<'s> {
        let mut index = StageIndex {
            ops: stage.copies.iter().collect(),
            exact: HashMap::new(),
            children: HashMap::new(),
            subtree: HashMap::new(),
            anywhere: Vec::new(),
            dests: std::collections::BTreeSet::default(),
            dir_dests: std::collections::HashSet::default(),
        };
        fn add(map: &mut HashMap<String, Vec<usize>>, key: String, k: usize) {
            let v = map.entry(key).or_default();
            if v.last() != Some(&k) {
                v.push(k);
            }
        }
        for (k, copy) in index.ops.iter().enumerate() {
            // The same targets as `CopyIndex::hit` computes.
            let dest = absolute(&copy.dest, copy.workdir.as_deref());
            add(&mut index.exact, dest.clone(), k);
            if !unknown_values(copy) {
                index.dests.insert(dest.clone());
                if dest_names_dir(&copy.dest) || copy.sources.len() + copy.heredocs.len() > 1 {
                    index.dir_dests.insert(dest.clone());
                }
            }
            for name in &copy.heredocs {
                let target = format!("{}/{}", dest.trim_end_matches('/'), name);
                add(&mut index.exact, normalize(&target), k);
            }
            if unknown_values(copy) {
                if copy.dest.contains('$')
                    || copy.workdir.as_deref().is_some_and(|w| w.contains('$'))
                {
                    index.anywhere.push(k);
                } else {
                    add(&mut index.subtree, dest.clone(), k);
                }
                continue;
            }
            if copy.from.is_some() || copy.parents {
                for src in &copy.sources {
                    add(
                        &mut index.exact,
                        normalize(&format!("{dest}/{}", basename(src))),
                        k,
                    );
                }
                add(&mut index.subtree, dest.clone(), k);
                continue;
            }
            let is_add = df.instructions.get(copy.at).map(|i| i.kind) == Some(Kind::Add);
            for pattern in &copy.sources {
                match remote_source(pattern) {
                    Some(true) => {
                        add(&mut index.subtree, dest.clone(), k);
                        continue;
                    }
                    Some(false) => {
                        add(
                            &mut index.exact,
                            normalize(&format!("{dest}/{}", url_file_name(pattern))),
                            k,
                        );
                        continue;
                    }
                    None => {}
                }
                let globbed = pattern.contains(['*', '?', '[']);
                if globbed {
                    add(&mut index.children, dest.clone(), k);
                }
                let matches = fs.glob(pattern);
                for (src, is_dir) in &matches.list {
                    if !globbed {
                        let into_dir = normalize(&format!("{dest}/{}", basename(src)));
                        add(&mut index.exact, into_dir, k);
                    }
                    if *is_dir {
                        index.dir_dests.insert(dest.clone());
                    }
                    if *is_dir || fs.is_git(src) || (is_add && fs.is_archive(src)) {
                        add(&mut index.subtree, dest.clone(), k);
                    }
                }
            }
        }
        index
    }

    /// The candidates for `want` (normalised), latest first.
    fn candidates(&self, want: &str) -> Vec<usize> {
        // Copies that may provide any path only ever `maybe` provide it:
        // the latest of them is the one that counts (see [`pick`]).
        let mut candidates: Vec<usize> = self.anywhere.last().copied().into_iter().collect();
        let mut take = |map: &HashMap<String, Vec<usize>>, key: &str| {
            if let Some(v) = map.get(key) {
                candidates.extend_from_slice(v);
            }
        };
        take(&self.exact, want);
        // `want` and each directory above it, up to `/`.
        let mut at = want.len();
        loop {
            let dir = if at == 0 { "/" } else { &want[..at] };
            take(&self.subtree, dir);
            if at == want.len() {
                let parent = want[..at].rfind('/').unwrap_or(0);
                take(
                    &self.children,
                    if parent == 0 { "/" } else { &want[..parent] },
                );
            }
            if at == 0 {
                break;
            }
            at = want[..at].rfind('/').unwrap_or(0);
        }
        candidates.sort_unstable_by(|a, b| b.cmp(a));
        candidates.dedup();
        candidates
    }
}

/// The COPY and ADD of a stage, and of the earlier stages it copies from:
/// which copy provides a path of the image, and from where, followed back
/// through `COPY --from` to the context, a RUN or an image.
pub struct CopyIndex<'s> {
    own: StageIndex<'s>,
    /// The stage whose copies these are.
    stage: &'s Stage,
    stages: &'s [Stage],
    df: &'s Dockerfile<'s>,
    /// The other stages' indexes, built when first asked.
    others: RefCell<HashMap<usize, Rc<StageIndex<'s>>>>,
    /// The stages of each name, in order.
    names: std::cell::OnceCell<HashMap<String, Vec<usize>>>,
    /// The paths the RUNs of a stage name (see [`CopyIndex::runs_of`]).
    runs: RefCell<HashMap<usize, Rc<HashMap<String, KindAndRun>>>>,
}

impl<'s> CopyIndex<'s> {
    /// The copies of `stage`, one of `image`'s stages, of Dockerfile `df`.
    pub fn new(image: &'s Image, stage: &'s Stage, df: &'s Dockerfile<'s>, fs: &ContextFs) -> Self {
        CopyIndex {
            own: StageIndex::new(stage, df, fs),
            stage,
            stages: &image.stages,
            df,
            others: RefCell::new(HashMap::new()),
            runs: RefCell::new(HashMap::new()),
            names: std::cell::OnceCell::new(),
        }
    }

    /// Where a symlink that a RUN of the stage makes at `image_path` points
    /// (`ln -s usr/local/bin/docker-entrypoint.sh /docker-entrypoint.sh`,
    /// or `ln -s usr/local/bin/docker-entrypoint.sh /`: docker-library's
    /// backwards-compatible entrypoint, couchdb's): the absolute target.
    /// Literal words only; the last `ln` naming the path wins.
    pub fn run_link(&self, image_path: &str) -> Option<String> {
        let want = normalize(image_path);
        let mut found = None;
        let end = self.stage.end.min(self.df.instructions.len());
        // WORKDIR in force at each RUN (for relative `ln` paths): the
        // stage's last WORKDIR before it, else `/`.
        let mut link_dir = "/".to_string();
        for ins in &self.df.instructions[self.stage.from_at.min(end)..end] {
            if let (Kind::Workdir, Args::Text(t)) = (ins.kind, &ins.args) {
                link_dir = absolute(&t.value, Some(&link_dir));
            }
            let (Kind::Run, Args::Shell { text, .. }) = (ins.kind, &ins.args) else {
                continue;
            };
            for cmd in text.value(ins).split(['&', ';', '|', '\n']) {
                let words: Vec<&str> = cmd.split_whitespace().collect();
                let Some(pos) = words.iter().position(|w| *w == "ln") else {
                    continue;
                };
                let args = &words[pos + 1..];
                let symbolic = args
                    .iter()
                    .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('s'))
                    || args.contains(&"--symbolic");
                let ops: Vec<&str> = args
                    .iter()
                    .filter(|a| !a.starts_with('-'))
                    .map(|a| a.trim_matches(['"', '\'']))
                    .collect();
                let [target, link] = ops.as_slice() else {
                    continue;
                };
                if !symbolic || target.contains('$') || link.contains('$') {
                    continue;
                }
                let link_path = if link.ends_with('/') || *link == "/" || *link == "." {
                    absolute(&format!("{link}/{}", basename(target)), Some(&link_dir))
                } else {
                    absolute(link, Some(&link_dir))
                };
                if link_path == want {
                    let parent = link_path.rsplit_once('/').map_or("/", |(p, _)| p);
                    let parent = if parent.is_empty() { "/" } else { parent };
                    found = Some(absolute(target, Some(parent)));
                }
            }
        }
        found.filter(|t| *t != want)
    }

    /// Whether a RUN of this Dockerfile, before the stage ends, may change
    /// the contents of the file at `image_path` (absolute): a command that
    /// names it and is not one that only reads it or its mode (`chmod`,
    /// `chown`, `ls`, `cat`, ...), or a redirection into it. A script of the
    /// base image that such a RUN edits (`sed -i`, `printf ... > /start.sh`)
    /// is not the one that runs.
    pub fn run_may_write(&self, image_path: &str) -> bool {
        const READS_ONLY: &[&str] = &[
            "chmod",
            "chown",
            "chgrp",
            "ls",
            "stat",
            "test",
            "[",
            "file",
            "cat",
            "head",
            "tail",
            "grep",
            "md5sum",
            "sha256sum",
            "sha1sum",
            "wc",
            "readlink",
            "realpath",
            "echo",
            "printf",
        ];
        let want = normalize(image_path);
        let end = self.stage.end.min(self.df.instructions.len());
        let mut budget = 200_000usize;
        for ins in &self.df.instructions[..end] {
            if ins.kind != Kind::Run {
                continue;
            }
            for cmd in ins.args_text().split(['&', ';', '|', '\n', '(', ')']) {
                let words: Vec<&str> = cmd.split_whitespace().collect();
                budget = budget.saturating_sub(words.len());
                if budget == 0 {
                    return true; // too much to read: it may
                }
                let program = words
                    .iter()
                    .map(|w| w.trim_matches(['"', '\'']))
                    .find(|w| !w.contains('=') && !matches!(*w, "sudo" | "command" | "exec"))
                    .map(crate::shell::base_name);
                let mut redirect = false;
                for w in &words {
                    // `> f`, `>f`, `>>f`, `2>f`, `hi>>f`: the file after
                    // the last `>` is written.
                    let (into, value) = match w.rfind('>') {
                        Some(at) => (true, &w[at + 1..]),
                        None => (false, *w),
                    };
                    let value = value.trim_matches(['"', '\'']);
                    if value.is_empty() {
                        redirect = into;
                        continue;
                    }
                    let named = value.starts_with('/') && normalize(value) == want;
                    if named
                        && (into || redirect || !program.is_some_and(|p| READS_ONLY.contains(&p)))
                    {
                        return true;
                    }
                    redirect = false;
                }
            }
        }
        false
    }

    /// The build-context directory that provides the image directory
    /// `image_path` (a directory COPY'd whole, or one inside it), when
    /// there is one: the last such copy wins, as for files.
    pub fn locate_dir(&self, image_path: &str, fs: &ContextFs) -> Option<String> {
        let want = normalize(image_path);
        for op in self.own.ops.iter().rev() {
            if op.from.is_some() || op.parents || unknown_values(op) {
                continue;
            }
            let dest = normalize(&absolute(&op.dest, op.workdir.as_deref()));
            let rest = if want == dest {
                Some("")
            } else {
                under(&want, &dest)
            };
            let Some(rest) = rest else { continue };
            for pattern in &op.sources {
                if remote_source(pattern).is_some() {
                    continue;
                }
                for (src, is_dir) in &fs.glob(pattern).list {
                    if !is_dir || fs.is_git(src) {
                        continue;
                    }
                    let rel = if rest.is_empty() {
                        src.clone()
                    } else {
                        format!("{}/{rest}", src.trim_end_matches('/'))
                    };
                    if fs.is_dir(&rel) && !fs.is_git(&rel) {
                        return Some(rel);
                    }
                }
            }
        }
        None
    }

    /// Which copy provides `image_path`, and from where.
    pub fn locate(&self, image_path: &str, _df: &Dockerfile, fs: &ContextFs) -> Origin {
        self.locate_in(&self.own, &normalize(image_path), fs, 0).0
    }

    /// [`CopyIndex::locate`], and whether the copy only may provide the path
    /// (what it copies there is not known, and no copy surely provides it:
    /// it may also come from the base image or a RUN).
    pub fn locate_maybe(&self, image_path: &str, fs: &ContextFs) -> (Origin, bool) {
        self.locate_in(&self.own, &normalize(image_path), fs, 0)
    }

    /// The origin of `want` (normalised) in the stage of `index`, and
    /// whether it is only a `maybe` (see [`Hit`]).
    fn locate_in(
        &self,
        index: &StageIndex,
        want: &str,
        fs: &ContextFs,
        depth: usize,
    ) -> (Origin, bool) {
        let candidates = index.candidates(want);
        pick(
            candidates
                .into_iter()
                .map(|k| self.hit(want, index.ops[k], fs, depth)),
        )
    }

    fn stage_index(&self, si: usize, fs: &ContextFs) -> Rc<StageIndex<'s>> {
        if let Some(i) = self.others.borrow().get(&si) {
            return i.clone();
        }
        let i = Rc::new(StageIndex::new(&self.stages[si], self.df, fs));
        self.others.borrow_mut().insert(si, i.clone());
        i
    }

    /// The earlier stage that `--from=<from>` names in the copy at
    /// instruction `at`: the last stage of that name (or index) that ends
    /// before it.
    fn stage_named(&self, from: &str, at: usize) -> Option<usize> {
        let lower = from.to_ascii_lowercase();
        if let Ok(n) = lower.parse::<usize>() {
            return self.stages.get(n).filter(|s| s.end <= at).map(|_| n);
        }
        let names = self.names.get_or_init(|| {
            let mut m: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, s) in self.stages.iter().enumerate() {
                if let Some(n) = &s.name {
                    m.entry(n.clone()).or_default().push(i);
                }
            }
            m
        });
        names
            .get(&lower)?
            .iter()
            .rev()
            .copied()
            .find(|&i| self.stages[i].end <= at)
    }

    /// The external image a stage is built on, through the stages it is
    /// built FROM (at most 256 of them).
    fn root_image(&self, mut si: usize) -> Option<String> {
        for _ in 0..256 {
            match &self.stages.get(si)?.base {
                super::Base::Stage(p) if *p < si => si = *p,
                super::Base::Image(r) => return Some(r.clone()),
                _ => return None,
            }
        }
        None
    }

    /// `path` in stage `si`: where it comes from there, and what it is.
    fn source(
        &self,
        si: usize,
        from: &str,
        path: &str,
        fs: &ContextFs,
        depth: usize,
    ) -> (Origin, PathKind, bool) {
        let index = self.stage_index(si, fs);
        let (origin, is_maybe) = self.locate_in(&index, path, fs, depth + 1);
        let (kind, run) = self.kind_in(si, &index, path);
        match origin {
            Origin::NotCopied => (
                Origin::Built {
                    stage: from.to_string(),
                    run,
                    image: self.root_image(si),
                },
                kind,
                true,
            ),
            o if is_maybe => (o, kind, true),
            o => (
                o,
                if kind == PathKind::Dir {
                    PathKind::Dir
                } else {
                    PathKind::File
                },
                false,
            ),
        }
    }

    /// Whether `path` of stage `si` is a directory (a copy puts something
    /// under it, or a RUN makes it with `mkdir`) or a file (a RUN writes it
    /// with `-o`, `--output`, `>`), and the last RUN that names it.
    fn kind_in(&self, si: usize, index: &StageIndex, path: &str) -> (PathKind, Option<usize>) {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        let by_copy = index.dir_dests.contains(path)
            || index
                .dests
                .range(prefix.clone()..)
                .next()
                .is_some_and(|d| d.starts_with(&prefix));
        let (run_kind, run) = self.run_naming(si, path);
        let kind = if by_copy { PathKind::Dir } else { run_kind };
        (kind, run)
    }

    /// The last RUN of stage `si` (or of the stages it is built FROM) that
    /// names `path`, and what it makes of it.
    fn run_naming(&self, si: usize, path: &str) -> (PathKind, Option<usize>) {
        let runs = self.runs_of(si);
        runs.get(path)
            .or_else(|| runs.get(path.trim_end_matches('/')))
            .copied()
            .unwrap_or((PathKind::Unknown, None))
    }

    /// The paths that the RUNs of stage `si` (and of the stages it is built
    /// FROM, up to [`MAX_STAGE_DEPTH`] x 4) name, each with what the last
    /// RUN naming it makes of it: read once per stage, so that asking for
    /// many paths does not read every RUN again.
    fn runs_of(&self, si: usize) -> Rc<HashMap<String, KindAndRun>> {
        if let Some(r) = self.runs.borrow().get(&si) {
            return r.clone();
        }
        let mut ats: Vec<usize> = Vec::new();
        let mut cur = Some(si);
        for _ in 0..MAX_STAGE_DEPTH * 4 {
            let Some((i, s)) = cur.and_then(|i| self.stages.get(i).map(|s| (i, s))) else {
                break;
            };
            ats.extend(s.from_at + 1..s.end);
            cur = match s.base {
                super::Base::Stage(p) if p < i => Some(p),
                _ => None,
            };
        }
        ats.sort_unstable();
        let workdir = self
            .stages
            .get(si)
            .and_then(|s| s.workdir.get().map(|(w, _)| w.clone()))
            .unwrap_or_else(|| "/".to_string());
        let mut out: HashMap<String, KindAndRun> = HashMap::new();
        // A bound on the words read, whatever the RUNs hold.
        let mut budget = 200_000usize;
        for at in ats {
            let Some(ins) = self.df.instructions.get(at) else {
                continue;
            };
            if ins.kind != Kind::Run {
                continue;
            }
            for cmd in ins.args_text().split(['&', ';', '|', '\n', '(', ')']) {
                let words: Vec<&str> = cmd.split_whitespace().collect();
                for (i, w) in words.iter().enumerate() {
                    if budget == 0 {
                        break;
                    }
                    budget -= 1;
                    let (flag_file, value) = match w
                        .strip_prefix("-o=")
                        .or_else(|| w.strip_prefix("--output="))
                        .or_else(|| w.strip_prefix('>'))
                    {
                        Some(v) if !v.is_empty() => (true, v),
                        _ => (false, *w),
                    };
                    let t = value.trim_matches(['"', '\'']);
                    if t.is_empty() || t.contains('$') || t.starts_with('-') || t.contains("://") {
                        continue;
                    }
                    let key = if t.starts_with('/') {
                        normalize(t)
                    } else if t.contains('/') || t.contains('.') || (i > 0 && !flag_file) {
                        normalize(&format!("{workdir}/{t}"))
                    } else {
                        continue;
                    };
                    let prev = if i > 0 { words[i - 1] } else { "" };
                    let kind = if words.first() == Some(&"mkdir") || value.ends_with('/') {
                        PathKind::Dir
                    } else if flag_file
                        || matches!(prev, "-o" | "--output" | "--out" | ">" | ">>" | "-O")
                    {
                        PathKind::File
                    } else {
                        PathKind::Unknown
                    };
                    out.insert(key, (kind, Some(at)));
                }
            }
        }
        let r = Rc::new(out);
        self.runs.borrow_mut().insert(si, r.clone());
        r
    }

    /// What `copy` says about `want` (normalised): see [`Hit`].
    fn hit(&self, want: &str, copy: &CopyOp, fs: &ContextFs, depth: usize) -> Option<Hit> {
        let df = self.df;
        let dest = absolute(&copy.dest, copy.workdir.as_deref());
        let count = copy.sources.len() + copy.heredocs.len();
        let dest_is_dir_hint = dest_names_dir(&copy.dest) || count > 1;
        let globbed_any = copy.sources.iter().any(|s| s.contains(['*', '?', '[']));
        // Heredoc sources: the file is named after the heredoc when dest is
        // a dir.
        for (hi, name) in copy.heredocs.iter().enumerate() {
            let target = if dest_is_dir_hint {
                format!("{}/{}", dest.trim_end_matches('/'), name)
            } else {
                dest.clone()
            };
            if normalize(&target) == want {
                let h = df.instructions[copy.at]
                    .heredocs()
                    .iter()
                    .position(|h| &h.name == name)
                    .unwrap_or(hi);
                return sure(Origin::Heredoc {
                    instruction: copy.at,
                    heredoc: h,
                });
            }
        }
        let rest = under(want, &dest);
        if unknown_values(copy) {
            let unknown = || Origin::Unknown {
                copy: copy.at,
                names: value_names(df, copy),
            };
            let dest_unknown =
                copy.dest.contains('$') || copy.workdir.as_deref().is_some_and(|w| w.contains('$'));
            if dest_unknown {
                return maybe(unknown());
            }
            let exact = want == dest
                || copy.sources.iter().any(|s| {
                    let b = basename(s);
                    !b.contains('$') && normalize(&format!("{dest}/{b}")) == want
                });
            if exact {
                return sure(unknown());
            }
            return rest.and_then(|_| maybe(unknown()));
        }
        // What the names of `want` are, as a copy into `dest` names them.
        let want_name = rest.filter(|r| !r.contains('/'));
        let single_target = |src_name: &str| -> bool {
            let into_dir = normalize(&format!("{dest}/{src_name}"));
            if dest_is_dir_hint {
                into_dir == want
            } else {
                // `COPY a.sh /root` copies into /root when /root is a
                // directory of the base image, which dsig cannot see: a path
                // that the CMD names as dest/a.sh says it is one.
                dest == want || into_dir == want
            }
        };
        if let Some(from) = &copy.from {
            let Some(si) = self.stage_named(from, copy.at) else {
                // An image (or a named context): what it holds is unknown.
                let image = || Origin::Image {
                    reference: from.clone(),
                    copy: copy.at,
                };
                if copy
                    .sources
                    .iter()
                    .any(|s| !s.contains(['*', '?', '[']) && single_target(basename(s)))
                {
                    return sure(image());
                }
                return rest.and_then(|_| maybe(image()));
            };
            if depth >= MAX_STAGE_DEPTH {
                let deep = || Origin::TooDeep {
                    from: from.clone(),
                    copy: copy.at,
                };
                if copy.sources.iter().any(|s| single_target(basename(s))) {
                    return sure(deep());
                }
                return rest.and_then(|_| maybe(deep()));
            }
            let wrap = |path: String, (inner, _, m): (Origin, PathKind, bool)| Hit {
                origin: Origin::Stage {
                    from: from.clone(),
                    copy: copy.at,
                    path,
                    inner: Box::new(inner),
                },
                maybe: m,
            };
            let mut found: Option<Hit> = None;
            for src in &copy.sources {
                let h = if copy.parents {
                    rest.and_then(|r| parents_source(src, r)).map(|p| {
                        let p = normalize(&p);
                        wrap(p.clone(), self.source(si, from, &p, fs, depth))
                    })
                } else if src.contains(['*', '?', '[']) {
                    // A glob of the other stage: one file of it by name.
                    let p = normalize(src);
                    let (dir, pat) = p.rsplit_once('/').unwrap_or(("", &p));
                    match want_name {
                        Some(n) if !dir.contains(['*', '?', '[']) && glob_match(pat, n) => {
                            let q = normalize(&format!("{dir}/{n}"));
                            let s = self.source(si, from, &q, fs, depth);
                            // Sure when the stage has it: a copy, or a RUN
                            // that names it.
                            let named = matches!(s.0, Origin::Built { run: Some(_), .. });
                            (s.1 != PathKind::Dir).then(|| {
                                let m = s.2 && !named;
                                Hit {
                                    maybe: m,
                                    ..wrap(q, s)
                                }
                            })
                        }
                        _ => None,
                    }
                } else {
                    let p = normalize(src);
                    let s = self.source(si, from, &p, fs, depth);
                    if s.1 != PathKind::Dir && single_target(basename(&p)) {
                        // The file itself (or, of unknown kind, whatever is
                        // there).
                        Some(Hit {
                            maybe: false,
                            ..wrap(p, s)
                        })
                    } else if s.1 == PathKind::File {
                        None
                    } else {
                        // A directory's contents are copied into dest.
                        rest.map(|r| {
                            let q = normalize(&format!("{p}/{r}"));
                            wrap(q.clone(), self.source(si, from, &q, fs, depth))
                        })
                    }
                };
                match h {
                    Some(h) if !h.maybe => return Some(h),
                    Some(h) if found.is_none() => found = Some(h),
                    _ => {}
                }
            }
            return found;
        }
        let dest_dir = dest.clone();
        let is_add = df.instructions.get(copy.at).map(|i| i.kind) == Some(Kind::Add);
        let unpack = df.instructions.get(copy.at).and_then(|i| i.flag("unpack"));
        let unpack_local = match unpack {
            Some(f) => f.value().is_none_or(|v| v != "false"),
            None => is_add,
        };
        let mut found: Option<Hit> = None;
        for pattern in &copy.sources {
            if let Some(git) = remote_source(pattern) {
                let remote = || Origin::Remote {
                    url: pattern.clone(),
                    copy: copy.at,
                };
                if git {
                    if rest.is_some() && found.is_none() {
                        found = maybe(remote());
                    }
                } else if single_target(&url_file_name(pattern)) {
                    return sure(remote());
                }
                continue;
            }
            if copy.parents {
                let Some(rel) = rest.and_then(|r| parents_source(pattern, r)) else {
                    continue;
                };
                if fs.is_git(&rel) {
                    return sure(Origin::Git { rel, copy: copy.at });
                }
                if fs.is_file(&rel) && !fs.excluded(&rel) {
                    return sure(Origin::Context { rel, copy: copy.at });
                }
                let whole = normalize(pattern.split_once("/./").map_or(pattern, |(_, p)| p));
                if fs.root.is_some()
                    && !pattern.contains(['*', '?', '['])
                    && rest == Some(whole.trim_start_matches('/'))
                {
                    return sure(Origin::Missing { rel, copy: copy.at });
                }
                continue;
            }
            let matches = fs.glob(pattern);
            // Only directories and the one file named like `want` can
            // provide it: look those up instead of trying every match (a glob
            // over a thousand files, asked for a hundred PATH entries).
            let named = want_name
                .or_else(|| (!dest_is_dir_hint).then(|| basename(want)))
                .and_then(|n| matches.by_name.get(n).copied());
            let single = (matches.list.len() == 1).then_some(0);
            for (i, (src, is_dir)) in matches.list.iter().enumerate() {
                let archive = !is_dir && is_add && unpack_local && fs.is_archive(src);
                if !is_dir && !archive && Some(i) != named && Some(i) != single {
                    continue;
                }
                if fs.is_git(src) {
                    // Whether it is a file or a directory is not looked at: a
                    // path at or under dest may come from it.
                    let into_dir = normalize(&format!("{dest}/{}", basename(src)));
                    if into_dir == want || want == dest_dir || rest.is_some() {
                        return sure(Origin::Git {
                            rel: src.clone(),
                            copy: copy.at,
                        });
                    }
                    continue;
                }
                if archive {
                    // Extracted into dest: what it holds is not read.
                    if (rest.is_some() || want == dest_dir) && found.is_none() {
                        found = maybe(Origin::Archive {
                            rel: src.clone(),
                            copy: copy.at,
                        });
                    }
                    continue;
                }
                if *is_dir {
                    // A directory's contents are copied into dest.
                    if let Some(r) = rest {
                        let rel = normalize(&format!("{src}/{r}"))
                            .trim_start_matches('/')
                            .to_string();
                        if fs.is_git(&rel) {
                            return sure(Origin::Git { rel, copy: copy.at });
                        }
                        // Unless .dockerignore leaves it out of the context.
                        if fs.is_file(&rel) && !fs.excluded(&rel) {
                            return sure(Origin::Context { rel, copy: copy.at });
                        }
                    }
                    continue;
                }
                let hit = if globbed_any && !dest_is_dir_hint {
                    // Each match is copied to dest: a file there, or into it
                    // when it is a directory.
                    single_target(basename(src))
                } else if pattern.contains(['*', '?', '[']) {
                    normalize(&format!("{dest}/{}", basename(src))) == want
                } else {
                    single_target(basename(src))
                };
                if hit {
                    if fs.is_file(src) && !fs.excluded(src) {
                        return sure(Origin::Context {
                            rel: src.clone(),
                            copy: copy.at,
                        });
                    }
                    if fs.root.is_some() && !pattern.contains(['*', '?', '[']) {
                        return sure(Origin::Missing {
                            rel: src.clone(),
                            copy: copy.at,
                        });
                    }
                }
            }
        }
        found
    }
}

/// `/a/./b/` → `/a/b`.
#[must_use]
pub fn normalize(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// A COPY/ADD destination as an absolute, normalised image path.
#[must_use]
pub fn absolute(dest: &str, workdir: Option<&str>) -> String {
    if dest.starts_with('/') {
        normalize(dest)
    } else {
        normalize(&format!("{}/{}", workdir.unwrap_or("/"), dest))
    }
}

/// The last component of a path that may end in `/`.
fn basename(p: &str) -> &str {
    crate::shell::base_name(p.trim_end_matches('/'))
}

/// Whether the Dockerfile makes `image_path` executable: `--chmod` on its
/// COPY, or a RUN `chmod` naming it (or its directory) with an execute mode.
#[must_use]
pub fn made_executable(image_path: &str, copy_at: Option<usize>, df: &Dockerfile) -> bool {
    if let Some(at) = copy_at {
        if let Some(v) = df.instructions[at].flag("chmod").and_then(|f| f.value()) {
            if mode_is_executable(v) {
                return true;
            }
        }
    }
    let want = normalize(image_path);
    let base = basename(&want).to_string();
    df.instructions
        .iter()
        .filter(|i| i.kind == Kind::Run)
        .any(|i| {
            let text = match &i.args {
                Args::Shell { text, .. } => text.value(i).into_owned(),
                Args::Exec(w) => w
                    .iter()
                    .map(|w| w.value.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => return false,
            };
            text.split(['&', ';', '|', '\n']).any(|cmd| {
                let words: Vec<&str> = cmd.split_whitespace().collect();
                let Some(pos) = words.iter().position(|w| *w == "chmod") else {
                    return false;
                };
                let args = &words[pos + 1..];
                let mode_ok = args.iter().any(|a| mode_is_executable(a));
                mode_ok
                    && args.iter().any(|a| {
                        let a = a.trim_matches(['"', '\'']);
                        a == want
                            || a.ends_with(&format!("/{base}"))
                            || a == base
                            || (a.contains('*')
                                && want.starts_with(a.split('*').next().unwrap_or("\0")))
                            || (!a.starts_with('-')
                                && a.starts_with('/')
                                && want.starts_with(&format!("{}/", a.trim_end_matches('/')))
                                && args.contains(&"-R"))
                    })
            })
        })
}

fn mode_is_executable(m: &str) -> bool {
    let m = m.trim_matches(['"', '\'']);
    if m.chars().all(|c| c.is_ascii_digit()) && !m.is_empty() {
        return m.chars().any(|c| matches!(c, '1' | '3' | '5' | '7'));
    }
    m.contains("+x")
        || m.contains("=x")
        || m.contains("+rx")
        || m.contains("+rwx")
        || m.contains("=rx")
        || m.contains("=rwx")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    /// Symlinks are resolved the way Docker resolves a COPY source: inside
    /// the context. Absolute targets start at the context root, `..` stops
    /// there, loops end, `.git` is never entered, and a file only in the
    /// overlay is found.
    #[cfg(unix)]
    #[test]
    fn paths_resolve_inside_the_context() {
        use std::os::unix::fs::symlink;
        let base = std::env::temp_dir().join(format!("dsig-ctx-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("ctx");
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(base.join("secret"), "outside").unwrap();
        std::fs::write(root.join("bin/run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::write(root.join(".git/config"), "x").unwrap();
        symlink("/bin/run.sh", root.join("abs")).unwrap();
        symlink("../../../bin/run.sh", root.join("up")).unwrap();
        symlink(base.join("secret"), root.join("out")).unwrap();
        symlink("../secret", root.join("out-rel")).unwrap();
        symlink("/", root.join("top")).unwrap();
        symlink("loop2", root.join("loop1")).unwrap();
        symlink("loop1", root.join("loop2")).unwrap();
        symlink(".git/config", root.join("git")).unwrap();
        let overlay = HashMap::from([(root.join("virtual/x.sh"), "#!/bin/sh\n".to_string())]);
        let fs = ContextFs::new(Some(root.clone()), &overlay);
        let run = root.join("bin/run.sh");
        assert_eq!(fs.disk("abs"), Some(run.clone()));
        assert_eq!(fs.disk("up"), Some(run.clone()));
        assert_eq!(fs.disk("top/bin/run.sh"), Some(run.clone()));
        assert_eq!(fs.disk("../bin/./run.sh"), Some(run.clone()));
        assert_eq!(fs.resolve("out"), Resolved::Missing);
        assert_eq!(fs.resolve("out-rel"), Resolved::Missing);
        assert_eq!(fs.read("out"), None);
        assert_eq!(fs.resolve("loop1"), Resolved::Missing);
        assert_eq!(fs.resolve("git"), Resolved::Git);
        assert_eq!(fs.resolve(".git/config"), Resolved::Git);
        assert_eq!(fs.read("git"), None);
        assert!(fs.is_dir("top") && fs.is_dir("virtual") && !fs.is_file("virtual"));
        assert_eq!(fs.read("virtual/x.sh"), Some(Ok("#!/bin/sh\n".to_string())));
        assert_eq!(fs.is_executable("virtual/x.sh"), None);
        assert_eq!(fs.read("bin/run.sh"), Some(Ok("#!/bin/sh\n".to_string())));
        let _ = std::fs::remove_dir_all(&base);
    }

    /// One component globs, checked against the config's glob (the same
    /// language within a path component), and patterns with many stars that
    /// took exponential time before (this test did not finish).
    #[test]
    fn component_globs_agree_with_config_globs_and_stay_fast() {
        let names = [
            "",
            "a",
            "ab",
            "start.sh",
            "entry1.sh",
            "x.y.z",
            "[a]",
            "aaaa",
        ];
        let pats = [
            "",
            "*",
            "?",
            "a*",
            "*b",
            "*.sh",
            "s*t*.sh",
            "entry[0-9].sh",
            "entry[!0-9].sh",
            "?????",
            "*.*.*",
            "a*a*a",
            "**",
            "[a-c]*",
            "*[!a]*",
        ];
        for p in pats {
            for n in names {
                let want = crate::config::glob_match(p, n);
                assert_eq!(glob_match(p, n), want, "{p:?} ~ {n:?}");
            }
        }
        let name = "a".repeat(250);
        let pat = format!("{}b", "*a".repeat(30));
        assert!(!glob_match(&pat, &name));
        assert!(!crate::config::glob_match(&pat, &name));
        assert!(glob_match(&format!("{}a", "*a".repeat(30)), &name));
    }

    /// The COPY index only narrows the search: for every path asked, it
    /// finds what a scan of every COPY from the last back finds (later
    /// copies shadow earlier ones; directories, globs, heredocs, `--from`,
    /// relative destinations, `.git`).
    #[cfg(unix)]
    #[test]
    fn the_copy_index_finds_what_a_scan_finds() {
        let base = std::env::temp_dir().join(format!("dsig-copyindex-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        for d in ["bin", "app/sub", ".git", "etc"] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        for f in [
            "bin/run.sh",
            "bin/b.sh",
            "app/sub/x.sh",
            "a.sh",
            "b.sh",
            ".git/hook",
            "etc/c",
        ] {
            std::fs::write(base.join(f), "#!/bin/sh\n").unwrap();
        }
        let df = crate::syntax::parse(
            "FROM alpine\nCOPY --from=y /p /\nCOPY bin/ /usr/local/bin/\nCOPY a.sh /usr/local/bin/run.sh\n\
             WORKDIR /srv\nCOPY *.sh ./\nCOPY app rel\nCOPY .git /g\nCOPY . /\n\
             COPY --from=x /o /opt/o\nCOPY a.sh b.sh /two/\n\
             COPY missing.sh /m.sh\nCOPY bin/r*.sh /globbed\nCOPY etc/.. /up\n\
             COPY <<EOF /h.sh\nx\nEOF\nCOPY <<A <<B /hd/\na\nA\nb\nB\nCOPY a.sh /usr/local/bin/\n",
        )
        .unwrap();
        let image = super::super::Image::from_dockerfile(&df);
        let stage = image.final_stage().unwrap();
        let overlay = HashMap::new();
        let fs = ContextFs::new(Some(base.clone()), &overlay);
        let index = CopyIndex::new(&image, stage, &df, &fs);
        let scan = |want: &str| {
            let want = normalize(want);
            pick(
                stage
                    .copies
                    .iter()
                    .rev()
                    .map(|c| index.hit(&want, c, &fs, 0)),
            )
            .0
        };
        let wants = [
            "/",
            "/usr/local/bin/run.sh",
            "/usr/local/bin/b.sh",
            "/usr/local/bin/a.sh",
            "/srv/a.sh",
            "/srv/b.sh",
            "/srv/rel/sub/x.sh",
            "/srv/rel",
            "/g",
            "/g/hook",
            "/bin/run.sh",
            "/a.sh",
            "/app/sub/x.sh",
            "/opt/o",
            "/opt/o/deep/x",
            "/anything",
            "/two/a.sh",
            "/two/b.sh",
            "/two",
            "/m.sh",
            "/globbed/run.sh",
            "/globbed",
            "/up/c",
            "/up/etc/c",
            "/h.sh",
            "/hd/A",
            "/hd/B",
            "/hd",
            "/nowhere/x.sh",
            "/usr/local/bin/../bin/run.sh",
            "//srv/./a.sh",
        ];
        let mut found = 0;
        for w in wants {
            let o = index.locate(w, &df, &fs);
            assert_eq!(o, scan(w), "{w}");
            found += usize::from(o != Origin::NotCopied);
        }
        assert!(found > 20, "the paths asked are mostly copied: {found}");
        let _ = std::fs::remove_dir_all(&base);
    }

    /// Docker's COPY/ADD semantics, as a table: image path → where it
    /// comes from (`maybe`: the copy may provide it, but what it copies
    /// there is not known; it does not shadow an earlier copy that surely
    /// does). Checked against BuildKit's Dockerfile reference and
    /// dockerfile2llb (`convert_copy.go)`: a directory source copies its
    /// contents, a file goes to dest or into dest when dest names a
    /// directory (`/`, `.`, several sources), each wildcard match is copied
    /// to dest, `--parents` keeps the path after the `/./` pivot, `--from`
    /// reads the stage's (or image's) filesystem from its root, ADD extracts
    /// local tar archives (by their bytes) but not downloads, and names a
    /// download after the URL's last path component.
    #[cfg(unix)]
    #[test]
    fn copy_semantics_table() {
        let base = std::env::temp_dir().join(format!("dsig-copytable-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        for d in ["app", "bin", "x/y", "src/k"] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        for f in [
            "entry.sh",
            "app/x.sh",
            "start.sh",
            "a.sh",
            "b.sh",
            "bin/run.sh",
            "x/p.sh",
            "x/y/q.sh",
            "src/k/m.sh",
            "keep.sh",
        ] {
            std::fs::write(base.join(f), "#!/bin/sh\n").unwrap();
        }
        std::fs::write(base.join("rootfs.tar.gz"), [0x1f, 0x8b, 8, 0]).unwrap();
        std::fs::write(base.join("notar.tar.gz"), "plain text").unwrap();
        let df = crate::syntax::parse(
            "FROM golang:1.22 AS builder\n\
             COPY entry.sh /src/entry.sh\n\
             COPY app /app\n\
             RUN go build -o /out/app ./cmd && sh -c 'echo x' > /out/gen.sh\n\
             FROM scratch AS s1\n\
             COPY --from=builder /src/entry.sh /relay.sh\n\
             FROM debian:bookworm\n\
             ARG APP_ENV\n\
             ARG DIR\n\
             COPY start.sh /start.sh\n\
             COPY start.sh /app/x.sh\n\
             COPY --from=builder /app /app\n\
             WORKDIR /\n\
             COPY --from=builder /out/app .\n\
             COPY --from=builder /dist .\n\
             COPY a.sh /usr/local/bin/\n\
             COPY a.sh /run.sh\n\
             COPY bin /opt/bin\n\
             COPY *.sh /w/\n\
             COPY a.sh b.sh /two/\n\
             WORKDIR /srv\n\
             COPY a.sh .\n\
             COPY --from=builder /src/entry.sh /entry.sh\n\
             COPY --from=builder /out/app /usr/sbin/app\n\
             COPY --from=0 /out/app /num\n\
             COPY --from=alpine:3 /bin/busybox /bin/\n\
             COPY --from=builder /usr/local/go/bin/gofmt /gofmt\n\
             COPY --from=builder /out/*.sh /g/\n\
             COPY --from=s1 /relay.sh /relay.sh\n\
             COPY --parents x/p.sh /par/\n\
             COPY --parents ./x/./y/*.sh /piv/\n\
             COPY --parents ./src/**/*.sh /deep/\n\
             COPY src/*/*.sh /multi/\n\
             COPY --from=builder --parents /app/./x.sh /pp/\n\
             COPY --from=builder --parents /app/x.sh /pq/\n\
             COPY x/*/q.sh /one\n\
             COPY keep.sh /opt/root/keep.sh\n\
             ADD rootfs.tar.gz /opt/root/\n\
             ADD notar.tar.gz /opt/plain/\n\
             ADD https://example.com/dl/tini /tini\n\
             ADD https://example.com/x/tool.sh?v=1 /usr/bin/\n\
             ADD https://github.com/a/b.git /srcb\n\
             ADD entrypoint-${APP_ENV}.sh /entrypoint.sh\n\
             COPY ${DIR} /u/\n\
             COPY --link a.sh /linked.sh\n\
             COPY a.sh /s.sh\n\
             COPY b.sh /s.sh\n\
             COPY missing.sh /m.sh\n",
        )
        .unwrap();
        let mut image = super::super::Image::from_dockerfile(&df);
        // What the build-time values step marks: sources or dests with a
        // value it does not know.
        let last = image.stages.len() - 1;
        let ops: Vec<CopyOp> = image.stages[last]
            .copies
            .iter()
            .cloned()
            .map(|mut c| {
                c.unknown = c.dest.contains('$') || c.sources.iter().any(|s| s.contains('$'));
                c
            })
            .collect();
        let mut layered = super::super::Layered::default();
        for o in ops {
            layered.push(o);
        }
        image.stages[last].copies = layered;
        let stage = &image.stages[last];
        let overlay = HashMap::new();
        let fs = ContextFs::new(Some(base.clone()), &overlay);
        let index = CopyIndex::new(&image, stage, &df, &fs);
        fn show(o: &Origin, df: &Dockerfile) -> String {
            match o {
                Origin::Context { rel, .. } => format!("context {rel}"),
                Origin::Heredoc { .. } => "heredoc".into(),
                Origin::Missing { rel, .. } => format!("missing {rel}"),
                Origin::Git { rel, .. } => format!("git {rel}"),
                Origin::Stage {
                    from, path, inner, ..
                } => format!("{from}:{path} < {}", show(inner, df)),
                Origin::Built { run, image, .. } => match (run, image) {
                    (Some(at), _) => format!("RUN line {}", df.instructions[*at].start_line()),
                    (None, Some(i)) => format!("RUN or image {i}"),
                    (None, None) => "RUN".into(),
                },
                Origin::Image { reference, .. } => format!("image {reference}"),
                Origin::Remote { url, .. } => format!("remote {url}"),
                Origin::Archive { rel, .. } => format!("archive {rel}"),
                Origin::Unknown { names, .. } => format!("unknown {}", names.join(",")),
                Origin::TooDeep { from, .. } => format!("too deep {from}"),
                Origin::NotCopied => "not copied".into(),
            }
        }
        let table = [
            // The startup script the context provides is not replaced by a
            // later `COPY --from=builder /out/app .` (a file: `go build -o`)
            // nor by `COPY --from=builder /dist .` (made by no step dsig
            // sees: it may hold anything, but does not shadow a sure copy).
            ("/start.sh", "context start.sh"),
            ("/app", "builder:/out/app < RUN line 4"),
            ("/dist", "builder:/dist < RUN or image golang:1.22"),
            (
                "/nowhere.sh",
                "maybe builder:/dist/nowhere.sh < RUN or image golang:1.22",
            ),
            // A directory of another stage that the context fills replaces
            // what an earlier copy put there.
            ("/app/x.sh", "builder:/app/x.sh < context app/x.sh"),
            ("/usr/local/bin/a.sh", "context a.sh"),
            ("/run.sh", "context a.sh"),
            ("/run.sh/a.sh", "context a.sh"),
            ("/opt/bin/run.sh", "context bin/run.sh"),
            (
                "/opt/bin/bin/run.sh",
                "maybe builder:/dist/opt/bin/bin/run.sh < RUN or image golang:1.22",
            ),
            ("/w/b.sh", "context b.sh"),
            ("/two/a.sh", "context a.sh"),
            ("/srv/a.sh", "context a.sh"),
            ("/entry.sh", "builder:/src/entry.sh < context entry.sh"),
            ("/usr/sbin/app", "builder:/out/app < RUN line 4"),
            ("/num", "0:/out/app < RUN line 4"),
            ("/bin/busybox", "image alpine:3"),
            (
                "/gofmt",
                "builder:/usr/local/go/bin/gofmt < RUN or image golang:1.22",
            ),
            ("/g/gen.sh", "builder:/out/gen.sh < RUN line 4"),
            (
                "/relay.sh",
                "s1:/relay.sh < builder:/src/entry.sh < context entry.sh",
            ),
            ("/par/x/p.sh", "context x/p.sh"),
            ("/piv/y/q.sh", "context x/y/q.sh"),
            ("/deep/src/k/m.sh", "context src/k/m.sh"),
            // Wildcards in any component; each match is copied to dest (a
            // file there when dest does not name a directory).
            ("/multi/m.sh", "context src/k/m.sh"),
            // `--parents` from another stage: the path after the pivot, or
            // the whole path.
            ("/pp/x.sh", "builder:/app/x.sh < context app/x.sh"),
            ("/pq/app/x.sh", "builder:/app/x.sh < context app/x.sh"),
            ("/one", "context x/y/q.sh"),
            ("/opt/root/keep.sh", "context keep.sh"),
            ("/opt/root/etc/x", "maybe archive rootfs.tar.gz"),
            ("/opt/plain/notar.tar.gz", "context notar.tar.gz"),
            ("/tini", "remote https://example.com/dl/tini"),
            (
                "/usr/bin/tool.sh",
                "remote https://example.com/x/tool.sh?v=1",
            ),
            ("/srcb/run.sh", "maybe remote https://github.com/a/b.git"),
            ("/entrypoint.sh", "unknown APP_ENV"),
            ("/u/x", "maybe unknown DIR"),
            ("/linked.sh", "context a.sh"),
            ("/s.sh", "context b.sh"),
            ("/m.sh", "missing missing.sh"),
        ];
        let mut bad = Vec::new();
        for (want, expected) in table {
            let (o, m) = index.locate_in(&index.own, &normalize(want), &fs, 0);
            let got = format!("{}{}", if m { "maybe " } else { "" }, show(&o, &df));
            if got != expected {
                bad.push(format!("{want}: got {got:?}, want {expected:?}"));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
        let _ = std::fs::remove_dir_all(&base);
    }

    /// Each `COPY --from` is followed to the stage it names, at most
    /// [`MAX_STAGE_DEPTH`] deep; a loop of names is impossible (only earlier
    /// stages count), and a chain longer than the bound ends as too deep.
    #[test]
    fn copies_from_stage_to_stage_are_bounded() {
        let mut text = String::from("FROM scratch AS s0\nCOPY <<EOF /a.sh\n#!/bin/sh\nEOF\n");
        for i in 1..40 {
            let _ = write!(
                text,
                "FROM scratch AS s{i}\nCOPY --from=s{} /a.sh /a.sh\n",
                i - 1
            );
        }
        // A stage naming itself or a later stage reads an image of that name.
        text.push_str("FROM scratch AS last\nCOPY --from=last /b.sh /b.sh\n");
        let df = crate::syntax::parse(&text).unwrap();
        let image = super::super::Image::from_dockerfile(&df);
        let overlay = HashMap::new();
        let fs = ContextFs::new(None, &overlay);
        let st = &image.stages[39];
        let index = CopyIndex::new(&image, st, &df, &fs);
        let o = index.locate("/a.sh", &df, &fs);
        assert!(matches!(o.leaf(), Origin::TooDeep { .. }), "{o:?}");
        assert_eq!(o.via().len(), MAX_STAGE_DEPTH);
        let st = &image.stages[10];
        let index = CopyIndex::new(&image, st, &df, &fs);
        let o = index.locate("/a.sh", &df, &fs);
        assert!(matches!(o.leaf(), Origin::Heredoc { .. }), "{o:?}");
        assert_eq!(o.via().len(), 10);
        let st = image.final_stage().unwrap();
        let index = CopyIndex::new(&image, st, &df, &fs);
        assert!(matches!(
            index.locate("/b.sh", &df, &fs),
            Origin::Image { .. }
        ));
    }

    /// A COPY source missing from the context: "the build fails" (`None`)
    /// only when dsig is sure; a gitignored file (a step before `docker
    /// build` makes it) or, with an assumed context, a file that a directory
    /// above holds (up to the repository root) is an assumption to state.
    #[cfg(unix)]
    #[test]
    fn missing_sources_are_sure_only_when_nothing_explains_them() {
        let base = std::env::temp_dir().join(format!("dsig-missing-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let repo = base.join("repo");
        let ctx = repo.join("deploy/docker");
        for d in [".git", "deploy/docker/sub", "bin", "deploy/bin"] {
            std::fs::create_dir_all(repo.join(d)).unwrap();
        }
        std::fs::write(repo.join("bin/app"), "x").unwrap();
        std::fs::write(repo.join("deploy/bin/tool"), "x").unwrap();
        // Outside the repository: never looked at.
        std::fs::write(base.join("outside.sh"), "x").unwrap();
        std::fs::write(repo.join(".gitignore"), "/dist/\n*.bin\n!keep.bin\n").unwrap();
        std::fs::write(ctx.join(".gitignore"), "generated/\n").unwrap();
        std::fs::write(ctx.join("sub/.gitignore"), "!generated/\n").unwrap();
        std::fs::write(
            repo.join("Makefile"),
            "build:\n\tgo build -o deploy/docker/out/server ./cmd\n\tcp x out/serverless\n",
        )
        .unwrap();
        let overlay = HashMap::new();
        let assumed = ContextFs::new(Some(ctx.clone()), &overlay);
        let known = ContextFs::new(Some(ctx.clone()), &overlay).with_build(true, None);
        let cases: [(&str, Option<&str>, Option<&str>); 10] = [
            // Named by the Makefile of the repository, as a whole path word.
            (
                "out/server",
                Some("is named by `../../Makefile`: dsig assumes"),
                Some("is named by `../../Makefile`"),
            ),
            ("out/serv", None, None),
            ("nothing/here.sh", None, None),
            (
                "bin/app",
                Some("is not in the assumed build context `.` (the Dockerfile's directory), but is in `../..`: built from there? give --context"),
                None,
            ),
            ("bin/tool", Some("but is in `..`:"), None),
            ("../../outside.sh", None, None),
            ("generated/run.sh", Some("`generated/` in .gitignore"), Some("`generated/` in .gitignore")),
            ("sub/generated/run.sh", None, None),
            ("x/app.bin", Some("`*.bin` in ../../.gitignore"), Some("`*.bin` in ../../.gitignore")),
            ("keep.bin", None, None),
        ];
        for (rel, want_assumed, want_known) in cases {
            for (fs, want) in [(&assumed, want_assumed), (&known, want_known)] {
                let got = fs.missing_assumption(rel);
                match (want, &got) {
                    (None, None) => {}
                    (Some(w), Some(g)) if g.contains(w) => {}
                    _ => panic!("{rel} (known: {}): {got:?}, want {want:?}", fs.known),
                }
            }
        }
        let _ = std::fs::remove_dir_all(&base);
    }

    /// 3000 `COPY --from` of directories of a builder stage with 3000 RUNs,
    /// and a lookup in each of the 3000 destinations (a PATH of them): each
    /// lookup follows its copy into the builder once, and the builder's RUNs
    /// are read once, not once per lookup (9 million RUN words otherwise).
    #[test]
    fn copies_from_a_stage_times_lookups_stay_linear() {
        let n = 3000;
        let mut text = String::from("FROM golang:1.22 AS builder\n");
        for i in 0..n {
            let _ = writeln!(
                text,
                "RUN make -C src/d{i} install DESTDIR=/o/d{i} && echo done{i}"
            );
        }
        text.push_str("FROM debian:bookworm\n");
        for i in 0..n {
            let _ = writeln!(text, "COPY --from=builder /o/d{i} /p{i}/");
        }
        let df = crate::syntax::parse(&text).unwrap();
        let image = super::super::Image::from_dockerfile(&df);
        let overlay = HashMap::new();
        let fs = ContextFs::new(None, &overlay);
        let index = CopyIndex::new(&image, image.final_stage().unwrap(), &df, &fs);
        let start = std::time::Instant::now();
        for i in 0..n {
            let o = index.locate(&format!("/p{i}/start.sh"), &df, &fs);
            assert!(matches!(o.leaf(), Origin::Built { .. }), "{o:?}");
        }
        let took = start.elapsed();
        assert!(took.as_secs_f64() < 20.0, "{n} lookups took {took:?}");
        // Copies whose contents are unknown, all into `/`: each of them may
        // provide every path, none surely does; at most MAX_MAYBES of them
        // are looked through per lookup.
        let n = 1000;
        let mut text =
            String::from("FROM golang:1.22 AS builder\nRUN make\nFROM debian:bookworm\n");
        for i in 0..n {
            let _ = write!(
                text,
                "ARG D{i}\nCOPY --from=builder /o/d{i} /\nCOPY x{i} ${{D{i}}}\n"
            );
        }
        text.push_str("COPY <<EOF /start.sh\n#!/bin/sh\nEOF\n");
        let df = crate::syntax::parse(&text).unwrap();
        let image = super::super::Image::from_dockerfile(&df);
        let index = CopyIndex::new(&image, image.final_stage().unwrap(), &df, &fs);
        let start = std::time::Instant::now();
        for i in 0..n {
            let (o, maybe) = index.locate_maybe(&format!("/p{i}/start.sh"), &fs);
            assert!(maybe && matches!(o, Origin::Unknown { .. }), "{o:?}");
        }
        assert_eq!(
            index.locate_maybe("/start.sh", &fs),
            (
                Origin::Heredoc {
                    instruction: df.instructions.len() - 1,
                    heredoc: 0
                },
                false
            ),
            "the sure copy is the latest"
        );
        let took = start.elapsed();
        assert!(took.as_secs_f64() < 20.0, "{n} lookups took {took:?}");
    }

    /// `.dockerignore` leaves files out of the context: a directory copy
    /// does not bring them, a COPY naming one fails (missing), exceptions
    /// (`!`) bring them back, patterns are anchored at the context root.
    #[cfg(unix)]
    #[test]
    fn dockerignore_leaves_files_out() {
        let base = std::env::temp_dir().join(format!("dsig-dockerignore-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        for d in ["scripts", "sub"] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        for f in [
            "run.sh",
            "README.md",
            "scripts/a.sh",
            "scripts/keep.sh",
            "sub/x.tmp",
            "sub/y.sh",
            "sub/z.md",
        ] {
            std::fs::write(base.join(f), "#!/bin/sh\n").unwrap();
        }
        std::fs::write(
            base.join(".dockerignore"),
            "# build output\n*.md\n/scripts/\n!scripts/keep.sh\n**/*.tmp\n",
        )
        .unwrap();
        let df = crate::syntax::parse(
            "FROM debian\nCOPY . /app\nCOPY scripts/a.sh /a.sh\nCOPY *.sh /g/\n",
        )
        .unwrap();
        let image = super::super::Image::from_dockerfile(&df);
        let overlay = HashMap::new();
        let fs = ContextFs::new(Some(base.clone()), &overlay);
        let index = CopyIndex::new(&image, image.final_stage().unwrap(), &df, &fs);
        let rel = |want: &str| match index.locate(want, &df, &fs) {
            Origin::Context { rel, .. } => format!("context {rel}"),
            Origin::Missing { rel, .. } => format!("missing {rel}"),
            o => format!("{o:?}"),
        };
        for (want, expected) in [
            ("/app/run.sh", "context run.sh"),
            ("/app/README.md", "NotCopied"),
            ("/app/scripts/a.sh", "NotCopied"),
            ("/app/scripts/keep.sh", "context scripts/keep.sh"),
            ("/app/sub/x.tmp", "NotCopied"),
            ("/app/sub/y.sh", "context sub/y.sh"),
            // `*.md` is anchored: only the root's.
            ("/app/sub/z.md", "context sub/z.md"),
            ("/a.sh", "missing scripts/a.sh"),
            ("/g/run.sh", "context run.sh"),
        ] {
            assert_eq!(rel(want), expected, "{want}");
        }
        // coder/code-server's: everything out, then directories back in; a
        // file under a re-included directory is in (Docker matches each
        // pattern against the parents too).
        std::fs::write(base.join(".dockerignore"), "**\n!scripts\n").unwrap();
        let fs = ContextFs::new(Some(base.clone()), &overlay);
        assert!(!fs.excluded("scripts/a.sh"));
        assert!(fs.excluded("run.sh"));
        assert!(fs.excluded("sub/y.sh"));
        let _ = std::fs::remove_dir_all(&base);
    }

    /// A context given as a relative path (`dsig lint sub/Dockerfile`, `.`)
    /// is matched against `.dockerignore` and `.gitignore` as well, without
    /// a panic of the matcher (paths under its root).
    #[cfg(unix)]
    #[test]
    fn ignore_files_of_a_relative_context() {
        let rel_root = PathBuf::from(format!("target/dsig-relctx-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&rel_root);
        std::fs::create_dir_all(rel_root.join("d")).unwrap();
        std::fs::write(rel_root.join(".dockerignore"), "d\n").unwrap();
        std::fs::write(rel_root.join(".gitignore"), "gen/\n").unwrap();
        std::fs::write(rel_root.join("d/x.sh"), "#!/bin/sh\n").unwrap();
        let overlay = HashMap::new();
        for root in [rel_root.clone(), PathBuf::from(".").join(&rel_root)] {
            let fs = ContextFs::new(Some(root), &overlay);
            assert!(fs.excluded("d/x.sh"));
            assert!(fs.excluded("./d"));
            assert!(!fs.excluded("x.sh"));
            assert!(!fs.excluded("../../etc/passwd"));
            let why = fs.missing_assumption("gen/app").unwrap_or_default();
            assert!(why.contains("gitignored"), "{why}");
        }
        let _ = std::fs::remove_dir_all(&rel_root);
    }

    #[test]
    fn globs_and_paths() {
        assert!(glob_match("*.sh", "start.sh"));
        assert!(glob_match("entry[0-9].sh", "entry1.sh"));
        assert!(!glob_match("*.sh", "start.py"));
        assert_eq!(normalize("/a/./b//c/../d/"), "/a/b/d");
        assert!(
            mode_is_executable("755") && mode_is_executable("+x") && mode_is_executable("a+rx")
        );
        assert!(!mode_is_executable("644"));
    }
}
