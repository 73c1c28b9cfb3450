//! The build context: which file of it (or which heredoc of the Dockerfile)
//! ends up at a path in the image, through COPY and ADD.
//!
//! The context is a jail. Every path is resolved one component at a time
//! (`lstat`, never a plain `stat`): a symlink is followed the way Docker
//! follows a COPY source, inside the context (an absolute target starts
//! from the context root, `..` stops at it), so nothing outside the context
//! is ever opened. `.git/` is never read, and only regular files are opened.

use super::{CopyOp, Stage};
use crate::syntax::{Args, Dockerfile, Kind};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

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
}

#[derive(Default)]
struct Cache {
    resolved: HashMap<String, Resolved>,
    globs: HashMap<String, Rc<Matches>>,
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

impl<'a> ContextFs<'a> {
    /// The context at `root` (none: nothing is read), with `overlay` texts
    /// standing in for files on disk.
    pub fn new(root: Option<PathBuf>, overlay: &'a HashMap<PathBuf, String>) -> ContextFs<'a> {
        ContextFs {
            root,
            overlay,
            cache: RefCell::new(Cache::default()),
        }
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
        let names: Vec<String> = if !pattern.contains(['*', '?', '[']) {
            vec![pattern.to_string()]
        } else {
            let (dir, pat) = match pattern.rfind('/') {
                Some(i) => (&pattern[..i], &pattern[i + 1..]),
                None => ("", pattern),
            };
            let d = match self.resolve(if dir.is_empty() { "." } else { dir }) {
                Resolved::Found {
                    path,
                    kind: EntryKind::Dir,
                    ..
                } => path,
                _ => return Matches::default(),
            };
            let mut out: Vec<String> = std::fs::read_dir(d)
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| glob_match(pat, n))
                .map(|n| {
                    if dir.is_empty() {
                        n
                    } else {
                        format!("{dir}/{n}")
                    }
                })
                .collect();
            out.sort();
            out
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
                crate::config::class_matches(&p[i + 1..end], c).then_some(end + 1 - i)
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
    /// Copied from another stage or image (`COPY --from=...`).
    OtherStage { from: String, copy: usize },
    /// Not copied by this Dockerfile: from the base image, or made by RUN.
    NotCopied,
}

/// `/a/./b/` → `/a/b`.
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
pub fn absolute(dest: &str, workdir: Option<&str>) -> String {
    if dest.starts_with('/') {
        normalize(dest)
    } else {
        normalize(&format!("{}/{}", workdir.unwrap_or("/"), dest))
    }
}

fn basename(p: &str) -> &str {
    p.trim_end_matches('/').rsplit('/').next().unwrap_or(p)
}

/// Which copy provides `image_path` in `stage`, and from where.
pub fn locate(image_path: &str, stage: &Stage, df: &Dockerfile, fs: &ContextFs) -> Origin {
    CopyIndex::new(stage, fs).locate(image_path, df, fs)
}

/// The COPY and ADD of a stage, indexed by the image paths that each can
/// provide, so that a path is checked against those only (each PATH entry
/// was checked against every COPY: 5000 of each took 10 s). The index only
/// narrows the search: [`locate_in_copy`] still decides, on the candidates
/// from the last COPY back, so the latest one wins as before.
pub struct CopyIndex<'s> {
    /// The copies, oldest first.
    ops: Vec<&'s CopyOp>,
    /// Copies that can provide exactly this path.
    exact: HashMap<String, Vec<usize>>,
    /// Copies that can provide a file directly in this directory (a glob
    /// source).
    children: HashMap<String, Vec<usize>>,
    /// Copies that can provide this path and anything under it (a
    /// directory source, `--from`, a source in `.git/`).
    subtree: HashMap<String, Vec<usize>>,
}

impl<'s> CopyIndex<'s> {
    pub fn new(stage: &'s Stage, fs: &ContextFs) -> CopyIndex<'s> {
        let mut index = CopyIndex {
            ops: stage.copies.iter().collect(),
            exact: HashMap::new(),
            children: HashMap::new(),
            subtree: HashMap::new(),
        };
        fn add(map: &mut HashMap<String, Vec<usize>>, key: String, k: usize) {
            let v = map.entry(key).or_default();
            if v.last() != Some(&k) {
                v.push(k);
            }
        }
        for (k, copy) in index.ops.iter().enumerate() {
            // What or where it copies is a build-time value dsig does not
            // know: it places nothing dsig can name (never an error).
            if copy.unknown {
                continue;
            }
            // The same targets as `locate_in_copy` computes.
            let dest = absolute(&copy.dest, copy.workdir.as_deref());
            add(&mut index.exact, dest.clone(), k);
            for name in &copy.heredocs {
                let target = format!("{}/{}", dest.trim_end_matches('/'), name);
                add(&mut index.exact, normalize(&target), k);
            }
            if copy.from.is_some() {
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
            for pattern in &copy.sources {
                if pattern.contains("://") {
                    continue;
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
                    if *is_dir || fs.is_git(src) {
                        add(&mut index.subtree, dest.clone(), k);
                    }
                }
            }
        }
        index
    }

    /// The build-context directory that provides the image directory
    /// `image_path` (a directory COPY'd whole, or one inside it), when
    /// there is one: the last such copy wins, as for files.
    pub fn locate_dir(&self, image_path: &str, fs: &ContextFs) -> Option<String> {
        let want = normalize(image_path);
        for op in self.ops.iter().rev() {
            if op.from.is_some() {
                continue;
            }
            let dest = normalize(&absolute(&op.dest, op.workdir.as_deref()));
            let rest = if want == dest {
                Some("")
            } else {
                want.strip_prefix(&format!("{}/", dest.trim_end_matches('/')))
            };
            let Some(rest) = rest else { continue };
            for pattern in &op.sources {
                if pattern.contains("://") {
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
    pub fn locate(&self, image_path: &str, df: &Dockerfile, fs: &ContextFs) -> Origin {
        let want = normalize(image_path);
        let mut candidates: Vec<usize> = Vec::new();
        let mut take = |map: &HashMap<String, Vec<usize>>, key: &str| {
            if let Some(v) = map.get(key) {
                candidates.extend_from_slice(v);
            }
        };
        take(&self.exact, &want);
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
        for k in candidates {
            if let Some(o) = locate_in_copy(&want, self.ops[k], df, fs) {
                return o;
            }
        }
        Origin::NotCopied
    }
}

fn locate_in_copy(want: &str, copy: &CopyOp, df: &Dockerfile, fs: &ContextFs) -> Option<Origin> {
    let dest = absolute(&copy.dest, copy.workdir.as_deref());
    let count = copy.sources.len() + copy.heredocs.len();
    let globbed = copy.sources.iter().any(|s| s.contains(['*', '?', '[']));
    let dest_is_dir_hint = copy.dest.ends_with('/') || count > 1 || globbed;
    // Heredoc sources: the file is named after the heredoc when dest is a dir.
    for (hi, name) in copy.heredocs.iter().enumerate() {
        let target = if dest_is_dir_hint {
            format!("{}/{}", dest.trim_end_matches('/'), name)
        } else {
            dest.clone()
        };
        if normalize(&target) == want {
            let h = df.instructions[copy.at]
                .heredocs
                .iter()
                .position(|h| &h.name == name)
                .unwrap_or(hi);
            return Some(Origin::Heredoc {
                instruction: copy.at,
                heredoc: h,
            });
        }
    }
    if let Some(from) = &copy.from {
        for src in &copy.sources {
            let target = if dest_is_dir_hint {
                format!("{dest}/{}", basename(src))
            } else {
                dest.clone()
            };
            if normalize(&target) == want
                || want.starts_with(&format!("{}/", dest.trim_end_matches('/')))
            {
                return Some(Origin::OtherStage {
                    from: from.clone(),
                    copy: copy.at,
                });
            }
        }
        return None;
    }
    let dest_dir = normalize(&dest);
    // The name `want` has when it is `dest/NAME`.
    let want_name = want
        .strip_prefix(dest_dir.trim_end_matches('/'))
        .and_then(|r| r.strip_prefix('/'))
        .filter(|r| !r.is_empty() && !r.contains('/'));
    for pattern in &copy.sources {
        if pattern.contains("://") {
            continue; // ADD of a URL
        }
        let matches = fs.glob(pattern);
        // Only directories and the one file named like `want` can provide
        // it: look those up instead of trying every match (a glob over a
        // thousand files, asked for a hundred PATH entries).
        let named = want_name
            .or_else(|| (!dest_is_dir_hint).then(|| basename(want)))
            .and_then(|n| matches.by_name.get(n).copied());
        let single = (matches.list.len() == 1).then_some(0);
        for (i, (src, is_dir)) in matches.list.iter().enumerate() {
            if !is_dir && Some(i) != named && Some(i) != single {
                continue;
            }
            if fs.is_git(src) {
                // Whether it is a file or a directory is not looked at: a
                // path at or under dest may come from it.
                let under = format!("{}/", dest_dir.trim_end_matches('/'));
                let into_dir = normalize(&format!("{dest}/{}", basename(src)));
                if into_dir == want || want == dest_dir || want.starts_with(&under) {
                    return Some(Origin::Git {
                        rel: src.clone(),
                        copy: copy.at,
                    });
                }
                continue;
            }
            if *is_dir {
                // A directory's contents are copied into dest.
                let prefix = format!("{}/", dest.trim_end_matches('/'));
                if let Some(rest) = want.strip_prefix(&prefix) {
                    let rel = format!("{}/{}", src.trim_end_matches('/'), rest);
                    if fs.is_git(&rel) {
                        return Some(Origin::Git { rel, copy: copy.at });
                    }
                    if fs.is_file(&rel) {
                        return Some(Origin::Context { rel, copy: copy.at });
                    }
                }
                continue;
            }
            // `COPY a.sh /root` copies into /root when /root is a directory of
            // the base image, which dsig cannot see: a path that the CMD names
            // as dest/a.sh says it is one.
            let into_dir = normalize(&format!("{dest}/{}", basename(src)));
            let hit = if dest_is_dir_hint {
                into_dir == want
            } else {
                dest_dir == want || into_dir == want
            };
            if hit {
                if fs.is_file(src) {
                    return Some(Origin::Context {
                        rel: src.clone(),
                        copy: copy.at,
                    });
                }
                if fs.root.is_some() && !pattern.contains(['*', '?', '[']) {
                    return Some(Origin::Missing {
                        rel: src.clone(),
                        copy: copy.at,
                    });
                }
            }
        }
    }
    None
}

/// Whether the Dockerfile makes `image_path` executable: `--chmod` on its
/// COPY, or a RUN `chmod` naming it (or its directory) with an execute mode.
pub fn made_executable(image_path: &str, copy_at: Option<usize>, df: &Dockerfile) -> bool {
    if let Some(at) = copy_at {
        if let Some(v) = df.instructions[at]
            .flag("chmod")
            .and_then(|f| f.value.clone())
        {
            if mode_is_executable(&v) {
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
                Args::Shell { text, .. } => text.value.clone(),
                Args::Exec(w) => w
                    .iter()
                    .map(|w| w.value.clone())
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
        let index = CopyIndex::new(stage, &fs);
        let scan = |want: &str| {
            let want = normalize(want);
            stage
                .copies
                .iter()
                .rev()
                .find_map(|c| locate_in_copy(&want, c, &df, &fs))
                .unwrap_or(Origin::NotCopied)
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
