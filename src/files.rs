//! Finding Dockerfiles, reading them, and writing fixes back safely.
//!
//! Nothing here prints: problems come back as [`FileError`]s for the caller to
//! report. Directory walks read ignore files with the `ignore` crate (the one
//! ripgrep uses); the rest is the standard library.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::config::Input;
use crate::diagnostic::{line_col, FileError};

/// The largest file dsig reads (32 MiB). Real Dockerfiles and startup
/// scripts are a few kilobytes; anything near this is not one, and reading it
/// whole would only cost memory.
pub const MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;

/// Version-control directories: never descended into.
const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj"];

/// Directories of installed dependencies and build output: not descended
/// into unless `--no-ignore` is given.
const SKIP_DIRS: &[&str] = &["node_modules", "target"];

/// The largest ignore file (`.gitignore`, `.ignore`) a walk reads (64 KiB;
/// real ones are a few KiB). Each line becomes a glob: 64 KiB of hostile
/// patterns cost about 1.5 s and 50 MB in a debug build (measured), 1 MiB
/// cost 11 s and 440 MB.
const MAX_IGNORE_FILE: u64 = 64 * 1024;

/// The ignore files a walk reads in each directory.
const IGNORE_FILES: &[&str] = &[".gitignore", ".ignore"];

/// A file to lint, as found from the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File {
        /// The path as it is shown and opened.
        path: PathBuf,
        /// The directory tree the file belongs to: the walked directory, or
        /// for an explicitly named file the directory that contains it. A
        /// symlinked file is only written through when its target is inside.
        root: PathBuf,
        /// Found by a directory walk (not named on the command line).
        walked: bool,
    },
}

/// Whether a directory walk lints a file of this name as YAML: a compose
/// file or a Kubernetes manifest (`*.yaml`, `*.yml`; one that is neither
/// is skipped when read, see [`crate::LintOptions::walked`]).
#[must_use]
pub fn is_yaml_name(name: &OsStr) -> bool {
    let b = name.as_encoded_bytes();
    (b.ends_with(b".yaml") || b.ends_with(b".yml")) && !b.starts_with(b".")
}

/// Whether a file name looks like a Dockerfile: `Dockerfile`, `Containerfile`,
/// `*.Dockerfile`, `*.dockerfile`, `*.containerfile`, `*.Containerfile`,
/// `Dockerfile.*`, `Containerfile.*`, but not `*.dockerignore`
/// (`Dockerfile.dockerignore` is BuildKit's per-Dockerfile ignore file).
/// A name that is not UTF-8 is judged on its bytes (`Dockerfile.\xff` is
/// one: it is linted, and shown with the bad bytes replaced).
#[must_use]
pub fn is_dockerfile_name(name: &OsStr) -> bool {
    let name = name_bytes(name);
    let name: &[u8] = &name;
    if name.ends_with(b".dockerignore") {
        return false;
    }
    name == b"Dockerfile"
        || name == b"Containerfile"
        || [
            &b".Dockerfile"[..],
            b".dockerfile",
            b".containerfile",
            b".Containerfile",
        ]
        .iter()
        .any(|suffix| name.len() > suffix.len() && name.ends_with(suffix))
        || [
            &b"Dockerfile."[..],
            b"Containerfile.",
            b"Dockerfile-",
            b"Dockerfile_",
            b"Containerfile-",
        ]
        .iter()
        .any(|prefix| name.len() > prefix.len() && name.starts_with(prefix))
}

/// The bytes of a file name (on Unix exactly; elsewhere its lossy UTF-8).
fn name_bytes(name: &OsStr) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::borrow::Cow::Borrowed(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        match name.to_string_lossy() {
            std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
            std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
        }
    }
}

/// Whether `path` has a `.git` component: dsig never reads or writes there.
#[must_use]
pub fn in_git_dir(path: &Path) -> bool {
    path.components()
        .any(|c| matches!(c, std::path::Component::Normal(n) if n == ".git"))
}

/// Why a file that is not a regular file cannot be linted.
fn not_regular_message(meta: &fs::Metadata) -> String {
    format!(
        "not a regular file ({}); not opened",
        crate::model::context::special_kind(&meta.file_type())
    )
}

/// Resolve the inputs to the files to lint, in a deterministic order, with
/// the problems met on the way (missing paths, unreadable or Dockerfile-less
/// directories) in their place. A file is listed once even when reached twice.
/// Directories are walked as [`walk`] says; `no_ignore` (`--no-ignore`)
/// reads no ignore file. A path given explicitly is linted even when ignored.
pub fn discover(inputs: &[Input], no_ignore: bool) -> Vec<Result<Source, FileError>> {
    let mut found = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut stdin_seen = false;
    for input in inputs {
        let path = match input {
            Input::Stdin => {
                if !stdin_seen {
                    stdin_seen = true;
                    found.push(Ok(Source::Stdin));
                }
                continue;
            }
            Input::Path(p) => p,
        };
        // An explicitly named path is followed even when it is a symlink.
        match fs::metadata(path) {
            Err(e) => found.push(Err(path_error(path, &path_io_message(path, &e)))),
            Ok(meta) if meta.is_dir() => {
                let mut walked = Vec::new();
                walk(path, no_ignore, &mut walked);
                if !walked.iter().any(Result::is_ok) {
                    walked.push(Err(path_error(path, "no Dockerfiles found in directory")));
                }
                for item in walked {
                    match item {
                        Ok(file) => {
                            if seen.insert(dedup_key(&file)) {
                                found.push(Ok(Source::File {
                                    path: file,
                                    root: path.clone(),
                                    walked: true,
                                }));
                            }
                        }
                        Err(e) => found.push(Err(e)),
                    }
                }
            }
            Ok(meta) if !meta.is_file() => {
                found.push(Err(path_error(path, &not_regular_message(&meta))));
            }
            Ok(_) if in_git_dir(path) => found.push(Err(path_error(
                path,
                "inside .git/, which dsig never reads or writes",
            ))),
            Ok(_) => {
                if seen.insert(dedup_key(path)) {
                    let root = match path.parent() {
                        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                        _ => PathBuf::from("."),
                    };
                    found.push(Ok(Source::File {
                        path: path.clone(),
                        root,
                        walked: false,
                    }));
                }
            }
        }
    }
    found
}

fn dedup_key(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Collect Dockerfiles under `root`, sorted by name at every level.
///
/// Ignore files are read as ripgrep reads them: `.gitignore` (with those of
/// the parent directories) only inside a git repository (a `.git` directory
/// or file in the directory or above it), `.ignore` everywhere. Not read:
/// the user's global git excludes (`core.excludesFile`: the same tree gives
/// the same files on every machine) and `.git/info/exclude` (dsig reads
/// nothing inside `.git/`). Hidden directories are walked when nothing
/// ignores them; version-control directories ([`VCS_DIRS`]) never,
/// [`SKIP_DIRS`] only with `no_ignore`, which also reads no ignore file. The
/// starting directory itself is always searched.
///
/// An ignore file is read only when it is a regular file of at most
/// [`MAX_IGNORE_FILE`] bytes (or a symlink to one inside its directory): a
/// FIFO would block the walk and a device never ends, so a directory with
/// another kind is reported and not walked (see [`unsafe_ignore_file`]).
///
/// Symlinked directories are not followed (no loops); symlinked files are
/// when their target is inside `root` (a link out of the tree is an error,
/// and is not read). A FIFO, socket or device with a Dockerfile's name is an
/// error, not opened.
fn walk(root: &Path, no_ignore: bool, found: &mut Vec<Result<PathBuf, FileError>>) {
    if !no_ignore {
        // The crate reads the ignore files of the starting directory and of
        // every directory above it.
        let canonical = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        for (i, dir) in canonical.ancestors().enumerate() {
            let shown = if i == 0 { root } else { dir };
            if let Some(e) = unsafe_ignore_file(dir, shown) {
                found.push(Err(e));
                return;
            }
        }
    }
    // Filled in walk order, by the entry filter (directories whose ignore
    // files are not read) and by the loop below.
    let shared: std::sync::Arc<std::sync::Mutex<Vec<Result<PathBuf, FileError>>>> =
        std::sync::Arc::default();
    let from_filter = shared.clone();
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .hidden(false)
        .parents(!no_ignore)
        .ignore(!no_ignore)
        .git_ignore(!no_ignore)
        .git_exclude(false)
        .git_global(false)
        .require_git(true)
        .follow_links(false)
        .sort_by_file_name(std::cmp::Ord::cmp)
        .filter_entry(move |e| {
            if e.depth() == 0 || !e.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            let name = e.file_name();
            if VCS_DIRS.iter().any(|d| name == *d)
                || (!no_ignore && SKIP_DIRS.iter().any(|d| name == *d))
            {
                return false;
            }
            if no_ignore {
                return true;
            }
            match unsafe_ignore_file(e.path(), e.path()) {
                Some(err) => {
                    if let Ok(mut v) = from_filter.lock() {
                        v.push(Err(err));
                    }
                    false
                }
                None => true,
            }
        });
    let push = |item: Result<PathBuf, FileError>| {
        if let Ok(mut v) = shared.lock() {
            v.push(item);
        }
    };
    for item in builder.build() {
        let entry = match item {
            Ok(entry) => entry,
            Err(e) => {
                if let Some(e) = walk_error(&e, root) {
                    push(Err(e));
                }
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        if file_type.is_dir() || !(is_dockerfile_name(name) || is_yaml_name(name)) {
            continue;
        }
        // Without a leading `./` when walking `.`.
        let path = match entry.path().strip_prefix(".") {
            Ok(rel) if root == Path::new(".") => rel.to_path_buf(),
            _ => entry.path().to_path_buf(),
        };
        if file_type.is_symlink() {
            // Only symlinks to files; a dangling link is reported when read.
            match fs::metadata(&path) {
                Ok(m) if m.is_dir() => continue,
                Ok(m) if !m.is_file() => {
                    push(Err(path_error(&path, &not_regular_message(&m))));
                    continue;
                }
                Ok(_) => {
                    if let Err(message) = inside(&path, root) {
                        push(Err(path_error(&path, &message)));
                        continue;
                    }
                }
                Err(_) => {}
            }
        } else if !file_type.is_file() {
            if let Ok(m) = fs::symlink_metadata(&path) {
                push(Err(path_error(&path, &not_regular_message(&m))));
                continue;
            }
        }
        push(Ok(path));
    }
    let walked = match shared.lock() {
        Ok(mut v) => std::mem::take(&mut *v),
        Err(_) => Vec::new(),
    };
    found.extend(walked);
}

/// An ignore file of `dir` (shown under `shown`) that a walk must not read:
/// not a regular file (a FIFO blocks, a device never ends), larger than
/// [`MAX_IGNORE_FILE`], or a symlink that leaves `dir` or leads into
/// `.git/`. Missing files, directories and dangling links are fine (the
/// walk skips what it cannot open).
fn unsafe_ignore_file(dir: &Path, shown: &Path) -> Option<FileError> {
    let shown = shown.strip_prefix(".").unwrap_or(shown);
    for name in IGNORE_FILES {
        let path = dir.join(name);
        let Ok(link) = fs::symlink_metadata(&path) else {
            continue;
        };
        let meta = if link.file_type().is_symlink() {
            let (Ok(target), Ok(base)) = (fs::canonicalize(&path), fs::canonicalize(dir)) else {
                continue; // dangling: not opened
            };
            match target.strip_prefix(&base) {
                Ok(rel) if !in_git_dir(rel) => {}
                _ => {
                    return Some(path_error(
                        &shown.join(name),
                        "ignore file is a symlink out of its directory; not read, and the directory not walked (--no-ignore walks it)",
                    ))
                }
            }
            match fs::metadata(&target) {
                Ok(m) => m,
                Err(_) => continue,
            }
        } else {
            link
        };
        let why = if meta.is_dir() {
            continue;
        } else if !meta.is_file() {
            format!(
                "ignore file is not a regular file ({})",
                crate::model::context::special_kind(&meta.file_type())
            )
        } else if meta.len() > MAX_IGNORE_FILE {
            format!(
                "ignore file too large: {} bytes (dsig reads ignore files up to 64 KiB)",
                meta.len()
            )
        } else {
            continue;
        };
        return Some(path_error(
            &shown.join(name),
            &format!("{why}; not read, and the directory not walked (--no-ignore walks it)"),
        ));
    }
    None
}

/// A walk error as a [`FileError`] naming its path (`root` when it names
/// none). A broken pattern in an ignore file is not one: that pattern is
/// left out, as git and ripgrep do.
fn walk_error(e: &ignore::Error, root: &Path) -> Option<FileError> {
    let mut path: Option<&Path> = None;
    let mut cur = e;
    loop {
        match cur {
            ignore::Error::WithPath { path: p, err } => {
                path.get_or_insert(p);
                cur = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                cur = err;
            }
            ignore::Error::Partial(_) | ignore::Error::Glob { .. } => return None,
            ignore::Error::Io(io) => {
                return Some(path_error(path.unwrap_or(root), &io_message(io)))
            }
            ignore::Error::Loop { child, .. } => {
                return Some(path_error(child, "symlink loop; not followed"))
            }
            other => return Some(path_error(path.unwrap_or(root), &other.to_string())),
        }
    }
}

/// `Ok` when `path`, every symlink resolved, is inside `root` and not in
/// its `.git/`.
fn inside(path: &Path, root: &Path) -> Result<(), String> {
    let (Ok(target), Ok(canonical_root)) = (fs::canonicalize(path), fs::canonicalize(root)) else {
        return Ok(()); // reported when read
    };
    match target.strip_prefix(&canonical_root) {
        Ok(rel) if in_git_dir(rel) => {
            Err("symlink into .git/, which dsig never reads or writes; not read".to_string())
        }
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "symlink to a file outside {}; not read (name it explicitly to lint it)",
            root.display()
        )),
    }
}

fn path_error(path: &Path, message: &str) -> FileError {
    FileError {
        file: None,
        path: path.display().to_string(),
        message: message.to_string(),
        offset: None,
        location: None,
    }
}

/// A short, lower-case description of an I/O error, without "(os error N)".
#[must_use]
pub fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => {
            let s = e.to_string();
            let s = match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            };
            let mut chars = s.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => s,
            }
        }
    }
}

/// Check bytes read from `display`: no NUL bytes, valid UTF-8.
///
/// # Errors
///
/// When the bytes hold a NUL byte or are not UTF-8.
pub fn decode(display: &str, bytes: Vec<u8>) -> Result<String, FileError> {
    if bytes.contains(&0) {
        return Err(FileError {
            file: None,
            path: display.to_string(),
            message: "binary file (contains NUL bytes); not a Dockerfile".to_string(),
            offset: None,
            location: None,
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = std::str::from_utf8(&e.as_bytes()[..offset]).unwrap_or_default();
            Err(FileError {
                file: None,
                path: display.to_string(),
                message: format!("invalid UTF-8 at byte offset {offset}"),
                offset: Some(offset),
                location: Some(line_col(valid, offset)),
            })
        }
    }
}

/// Read at most [`MAX_FILE_SIZE`] bytes from `reader`: `Ok(None)` when
/// there is more (the size is checked while reading, so a growing file, a
/// FIFO or `/dev/zero` cannot exhaust memory).
///
/// # Errors
///
/// When reading fails.
pub fn read_limited(reader: impl Read) -> io::Result<Option<Vec<u8>>> {
    read_limited_sized(reader, 0)
}

/// [`read_limited`] into a buffer sized for `expected` bytes (a regular
/// file's length), so that it is not grown by doubling.
fn read_limited_sized(reader: impl Read, expected: u64) -> io::Result<Option<Vec<u8>>> {
    // One byte more than expected, to see the end without growing.
    let capacity = expected.min(MAX_FILE_SIZE).saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    reader.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= MAX_FILE_SIZE).then_some(bytes))
}

/// The error for input over [`MAX_FILE_SIZE`].
#[must_use]
pub fn too_large_message(size: Option<u64>) -> String {
    let limit = MAX_FILE_SIZE / (1024 * 1024);
    match size {
        Some(n) => format!(
            "file too large: {n} bytes (dsig reads files up to {limit} MiB; no Dockerfile is this big)"
        ),
        None => format!("input too large (dsig reads files up to {limit} MiB)"),
    }
}

fn read_error(display: &str, message: String) -> FileError {
    FileError {
        file: None,
        path: display.to_string(),
        message,
        offset: None,
        location: None,
    }
}

/// Why `path` cannot be opened.
fn open_error(path: &Path, e: &io::Error) -> String {
    format!("cannot read: {}", path_io_message(path, e))
}

/// [`io_message`], with a dangling symlink named as such.
fn path_io_message(path: &Path, e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        if let Ok(target) = fs::read_link(path) {
            return format!(
                "broken symlink (its target {} does not exist)",
                target.display()
            );
        }
    }
    io_message(e)
}

/// Read a Dockerfile as text.
///
/// Only a regular file is opened (a FIFO would block, a device never ends):
/// the type is checked before the open and again on the opened file.
///
/// # Errors
///
/// When the file cannot be read, is not a regular file, is too large or
/// is not text.
pub fn read_file(path: &Path, display: &str) -> Result<String, FileError> {
    if let Ok(meta) = fs::metadata(path) {
        if !meta.is_file() {
            return Err(read_error(display, not_regular_message(&meta)));
        }
    }
    let file = File::open(path).map_err(|e| read_error(display, open_error(path, &e)))?;
    let meta = file
        .metadata()
        .map_err(|e| read_error(display, format!("cannot read: {}", io_message(&e))))?;
    if !meta.is_file() {
        return Err(read_error(display, not_regular_message(&meta)));
    }
    let size = meta.len();
    if size > MAX_FILE_SIZE {
        return Err(read_error(display, too_large_message(Some(size))));
    }
    match read_limited_sized(file, size) {
        Ok(Some(bytes)) => decode(display, bytes),
        Ok(None) => Err(read_error(display, too_large_message(None))),
        Err(e) => Err(read_error(
            display,
            format!("cannot read: {}", io_message(&e)),
        )),
    }
}

/// Read all of standard input as a Dockerfile.
///
/// # Errors
///
/// When standard input cannot be read or is not text.
pub fn read_stdin(display: &str) -> Result<String, FileError> {
    match read_limited(io::stdin().lock()) {
        Ok(Some(bytes)) => decode(display, bytes),
        Ok(None) => Err(read_error(display, too_large_message(None))),
        Err(e) => Err(read_error(
            display,
            format!("cannot read standard input: {}", io_message(&e)),
        )),
    }
}

/// Write `bytes` to the file at `path` atomically: a temporary file in the
/// same directory is written, synced, given the original's permissions and
/// renamed over the original, so readers see the old or the new content and a
/// failure leaves the original intact.
///
/// A file the user cannot write to is not replaced (renaming would succeed
/// where a write would not). If `path` is a symlink, the link is kept and its
/// target is written instead. Nothing is written unless the file, with every
/// symlink on its path resolved, lies inside `root` and not inside `.git/`,
/// and nothing is written over a file whose content is no longer
/// `original` (the text the fixes were computed from): it was edited while
/// dsig ran, and that edit is kept.
///
/// # Errors
///
/// Why the file was not written (the message for the user).
pub fn write_fixed(path: &Path, root: &Path, original: &[u8], bytes: &[u8]) -> Result<(), String> {
    let link_meta =
        fs::symlink_metadata(path).map_err(|e| format!("cannot write: {}", io_message(&e)))?;
    // Where the bytes would land, every symlink on the way resolved: it
    // must be inside the tree being linted.
    let target =
        fs::canonicalize(path).map_err(|e| format!("cannot resolve: {}", io_message(&e)))?;
    let root = fs::canonicalize(root)
        .map_err(|e| format!("cannot resolve {}: {}", root.display(), io_message(&e)))?;
    if !target.starts_with(&root) {
        let how = if link_meta.file_type().is_symlink() {
            "symlink target"
        } else {
            "the file (through a symlinked directory)"
        };
        return Err(format!(
            "not fixed: {how} {} is outside {}; fix the target directly",
            target.display(),
            root.display()
        ));
    }
    if target.strip_prefix(&root).is_ok_and(in_git_dir) {
        return Err("not fixed: the file is inside .git/, which dsig never writes".to_string());
    }
    let meta = fs::metadata(&target).map_err(|e| format!("cannot write: {}", io_message(&e)))?;
    if !meta.is_file() {
        return Err("cannot write: not a regular file".to_string());
    }
    // Respect a read-only file: only replace what we could have written.
    OpenOptions::new()
        .write(true)
        .open(&target)
        .map_err(|e| format!("cannot write: {}", io_message(&e)))?;

    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (tmp_path, mut tmp) =
        create_temp(&dir, &name).map_err(|e| format!("cannot write: {}", io_message(&e)))?;
    let result = (|| -> Result<(), String> {
        let io = |e: io::Error| format!("cannot write: {}", io_message(&e));
        tmp.write_all(bytes).map_err(io)?;
        keep_owner(&tmp, &meta)?;
        // After the owner: chown clears set-user-ID and set-group-ID bits.
        tmp.set_permissions(meta.permissions()).map_err(io)?;
        tmp.sync_all().map_err(io)?;
        drop(tmp);
        fail_point("rename").map_err(io)?;
        change_point(&target);
        // Last check before the rename: the file still holds what was read.
        unchanged(&target, original)?;
        fs::rename(&tmp_path, &target).map_err(io)
    })();
    if let Err(message) = result {
        let _ = fs::remove_file(&tmp_path);
        return Err(message);
    }
    // Make the rename durable; not all platforms can sync a directory.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Give the new file the original's owner and group (when they differ from
/// ours: a file fixed by root keeps its user's ownership). A file we could
/// write but cannot give back to its owner is not replaced.
#[cfg(unix)]
fn keep_owner(tmp: &File, original: &fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let ours = tmp
        .metadata()
        .map_err(|e| format!("cannot write: {}", io_message(&e)))?;
    if (ours.uid(), ours.gid()) == (original.uid(), original.gid()) {
        return Ok(());
    }
    std::os::unix::fs::fchown(tmp, Some(original.uid()), Some(original.gid())).map_err(|e| {
        format!(
            "not fixed: the fixed file could not keep its owner (uid {}, gid {}): {}",
            original.uid(),
            original.gid(),
            io_message(&e)
        )
    })
}

#[cfg(not(unix))]
fn keep_owner(_tmp: &File, _original: &fs::Metadata) -> Result<(), String> {
    Ok(())
}

/// Failure injection for the tests of what a failed write leaves behind:
/// `DSIG_TEST_FAIL=rename` makes the step named `rename` fail. Only in
/// debug builds; release builds have no such switch.
fn fail_point(step: &str) -> io::Result<()> {
    if cfg!(debug_assertions) && std::env::var_os("DSIG_TEST_FAIL").is_some_and(|v| v == step) {
        return Err(io::Error::other(format!("injected failure ({step})")));
    }
    Ok(())
}

/// Fault injection for the test of an edit made while `--fix` runs:
/// `DSIG_TEST_FAIL=change` with `DSIG_TEST_CHANGE=NAME` appends a line to
/// the file named NAME just before it would be replaced. Debug builds only.
fn change_point(target: &Path) {
    if cfg!(debug_assertions)
        && std::env::var_os("DSIG_TEST_FAIL").is_some_and(|v| v == "change")
        && std::env::var_os("DSIG_TEST_CHANGE").is_some_and(|n| target.file_name() == Some(&n))
    {
        if let Ok(mut f) = OpenOptions::new().append(true).open(target) {
            let _ = f.write_all(b"# edited meanwhile\n");
        }
    }
}

/// `Ok` when the file at `target` holds exactly `original`.
fn unchanged(target: &Path, original: &[u8]) -> Result<(), String> {
    let changed =
        || "not fixed: the file changed while dsig was fixing it; run dsig again".to_string();
    let meta = fs::metadata(target).map_err(|e| format!("cannot write: {}", io_message(&e)))?;
    if !meta.is_file() || meta.len() != original.len() as u64 {
        return Err(changed());
    }
    let file = File::open(target).map_err(|e| format!("cannot write: {}", io_message(&e)))?;
    match read_limited_sized(file, meta.len()) {
        Ok(Some(now)) if now == original => Ok(()),
        Ok(_) => Err(changed()),
        Err(e) => Err(format!("cannot write: {}", io_message(&e))),
    }
}

/// Create a new, empty temporary file next to the one being replaced.
fn create_temp(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let pid = std::process::id();
    let mut last = None;
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".{name}.dsig-{pid}-{n}.tmp"));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("cannot create a temporary file")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in [
            "Dockerfile",
            "Containerfile",
            "app.Dockerfile",
            "x.dockerfile",
            "x.containerfile",
            "Dockerfile.dev",
            "Dockerfile-trixie",
            "Dockerfile_prod",
        ] {
            assert!(is_dockerfile_name(OsStr::new(yes)), "{yes}");
        }
        for no in [
            "dockerfile.md",
            "README",
            ".Dockerfile",
            "Dockerfile.",
            "Dockerfile.dockerignore",
            "Dockerfiles",
            "Dockerfile-",
        ] {
            assert!(!is_dockerfile_name(OsStr::new(no)), "{no}");
        }
    }

    #[test]
    fn walk_errors_name_their_path() {
        let io = |k| ignore::Error::Io(io::Error::from(k));
        let e = ignore::Error::WithDepth {
            depth: 2,
            err: Box::new(ignore::Error::WithPath {
                path: PathBuf::from("a/locked"),
                err: Box::new(io(io::ErrorKind::PermissionDenied)),
            }),
        };
        let fe = walk_error(&e, Path::new("a")).expect("an error");
        assert_eq!(
            (fe.path.as_str(), fe.message.as_str()),
            ("a/locked", "permission denied")
        );
        // Without a path: the walked directory.
        let fe = walk_error(&io(io::ErrorKind::NotFound), Path::new("a")).expect("an error");
        assert_eq!(fe.path, "a");
        // A bad pattern in an ignore file is left out, not an error.
        let partial = ignore::Error::Partial(vec![ignore::Error::WithPath {
            path: PathBuf::from("a/.gitignore"),
            err: Box::new(ignore::Error::Glob {
                glob: Some("[z-a]".into()),
                err: "invalid range".into(),
            }),
        }]);
        assert!(walk_error(&partial, Path::new("a")).is_none());
    }

    #[test]
    fn decode_errors() {
        let e = decode("f", b"FROM a\n# caf\xe9\n".to_vec()).unwrap_err();
        assert_eq!(e.message, "invalid UTF-8 at byte offset 12");
        assert_eq!(e.to_string(), "f:2:6: invalid UTF-8 at byte offset 12");
        let e = decode("f", b"FROM a\0".to_vec()).unwrap_err();
        assert!(e.message.starts_with("binary file"));
    }
}
