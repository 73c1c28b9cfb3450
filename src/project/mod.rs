//! How the repository builds each Dockerfile: its build files.
//!
//! For a Dockerfile, [`Discovery`] looks in its directory and each one
//! above it, up to the repository root (the nearest directory with `.git`;
//! without one, the directory the walk started from), for
//!
//! - bake files ([`bake`]): `docker-bake.hcl`, `docker-bake.json` and their
//!   `.override` files;
//! - compose files ([`compose`]): `compose.yaml`, `docker-compose.yml`, ...
//!   and their `compose.*.yaml` / `docker-compose.*.yml` variants;
//!
//! and in the root's `.github/workflows` for GitHub workflows
//! ([`workflows`]): `docker/build-push-action` steps and `docker build`
//! command lines. Every configuration that builds the Dockerfile is a
//! [`BuildConfig`]: its context, build args, target stage and tags.
//!
//! Build files are hostile input like everything else: each is read only
//! when it is a regular file inside the repository of at most
//! [`MAX_FILE_SIZE`] bytes, YAML and HCL are parsed with bounds, a context
//! that leads outside the repository root (`..` or a symlink) is not used,
//! and a file that does not parse is a warning (with its line and column),
//! never an error for the Dockerfile: it is then linted as if no build file
//! named it.

pub mod bake;
pub mod compose;
pub mod infer;
pub mod k8s;
pub mod run;
pub mod workflows;
pub mod yaml;

use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::ProjectImage;

/// The largest build file read (1 MiB).
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;
/// Workflow files read from `.github/workflows`, at most.
const MAX_WORKFLOWS: usize = 200;
/// Build configurations kept per repository, at most.
const MAX_CONFIGS: usize = 10_000;

/// One way the repository builds a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildConfig {
    /// Where it is written: `docker-bake.hcl target "app"`, `compose.yaml
    /// service "web"`, `.github/workflows/ci.yml job "build" step 3`; the
    /// file named relative to the repository root.
    pub origin: String,
    /// The Dockerfile (absolute, `.` and `..` resolved lexically).
    pub dockerfile: PathBuf,
    /// The build context (absolute, cleaned).
    pub context: PathBuf,
    /// Build args with known values, in order.
    pub args: Vec<(String, String)>,
    /// Build args that are set to a value dsig cannot know.
    pub unknown_args: Vec<String>,
    /// The stage built (`None`: the last one).
    pub target: Option<String>,
    /// The references the image is tagged with.
    pub tags: Vec<String>,
    /// Every container the build file runs the image in gets an init from
    /// the runtime (compose `init: true` on the service that builds it and
    /// on every service that names its image).
    pub run_init: bool,
}

/// A build file that could not be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file, named relative to the repository root.
    pub path: String,
    /// The file on disk, to name it from the current directory.
    pub file: Option<PathBuf>,
    /// 1-based; 0 when the problem has no position.
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl Warning {
    #[must_use]
    pub fn at(path: &str, line: usize, col: usize, message: String) -> Warning {
        Warning {
            path: path.to_string(),
            file: None,
            line,
            col,
            message,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // From the current directory when the file is under it.
        let path = match (&self.file, std::env::current_dir()) {
            (Some(file), Ok(cwd)) => match file.strip_prefix(clean(&cwd)) {
                Ok(rel) => rel.display().to_string(),
                Err(_) => file.display().to_string(),
            },
            _ => self.path.clone(),
        };
        if self.line > 0 {
            write!(
                f,
                "warning: {path}:{}:{}: {}; build configurations in it not used",
                self.line, self.col, self.message
            )
        } else {
            write!(
                f,
                "warning: {path}: {}; build configurations in it not used",
                self.message
            )
        }
    }
}

/// `w` with the file it is about.
fn about(mut w: Warning, file: &Path) -> Warning {
    w.file = Some(file.to_path_buf());
    w
}

/// `path` made absolute and cleaned of `.` and `..` (lexically).
#[must_use]
pub fn clean(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether a context or Dockerfile value names a local path (not a URL, a
/// Git remote, stdin, or another target / image).
#[must_use]
pub fn local_path(s: &str) -> bool {
    !(s.is_empty()
        || s == "-"
        || s.contains("://")
        || s.starts_with("git@")
        || s.starts_with("target:")
        || s.starts_with("docker-image:")
        || s.starts_with("oci-layout:")
        || s.contains('\0'))
}

/// The repository root of a Dockerfile in `dir` (absolute): the nearest
/// directory at or above it with `.git`, else `fallback`.
#[must_use]
pub fn repo_root(dir: &Path, fallback: &Path) -> PathBuf {
    git_root(dir).unwrap_or_else(|| fallback.to_path_buf())
}

/// The nearest directory at or above `dir` that holds `.git` (a directory,
/// or a file in a worktree).
pub fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// `path` relative to `root` with `/` separators (`root` and `path`
/// absolute and clean), or `path` whole when outside.
#[must_use]
pub fn shown(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.display().to_string(),
    }
}

/// Read a build file: a regular file (through symlinks only when its target
/// is inside `root_real`, the canonical root), at most [`MAX_FILE_SIZE`]
/// bytes, UTF-8. `Ok(None)`: there is no such file.
///
/// # Errors
/// A warning when the file exists but cannot be read within those bounds.
pub fn read_build_file(
    path: &Path,
    root_real: &Path,
    shown: &str,
) -> Result<Option<String>, Warning> {
    use std::io::Read;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(None);
    };
    if meta.is_dir() {
        return Ok(None);
    }
    let problem = |m: &str| Warning::at(shown, 0, 0, m.to_string());
    let real = std::fs::canonicalize(path).map_err(|e| problem(&crate::files::io_message(&e)))?;
    if !real.starts_with(root_real)
        || crate::files::in_git_dir(real.strip_prefix(root_real).unwrap_or(&real))
    {
        return Err(problem(
            "a symlink to a file outside the repository; not read",
        ));
    }
    let meta = std::fs::metadata(&real).map_err(|e| problem(&crate::files::io_message(&e)))?;
    if !meta.is_file() {
        return Err(problem("not a regular file; not read"));
    }
    let file = std::fs::File::open(&real).map_err(|e| problem(&crate::files::io_message(&e)))?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(problem("not a regular file; not read"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| problem(&crate::files::io_message(&e)))?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(problem(&format!(
            "larger than {} KiB; not read",
            MAX_FILE_SIZE / 1024
        )));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| problem("not valid UTF-8"))
}

/// What is known about one repository.
#[derive(Debug, Default)]
struct Repo {
    /// The canonical root (for the symlink checks).
    real: PathBuf,
    /// Directories whose build files were read.
    dirs: Vec<PathBuf>,
    workflows_read: bool,
    configs: Vec<BuildConfig>,
    images: Option<Arc<Vec<ProjectImage>>>,
}

/// Finds the build configurations of Dockerfiles, reading each build file
/// once per run.
#[derive(Debug, Default)]
pub struct Discovery {
    repos: HashMap<PathBuf, Repo>,
    /// Problems with build files, each once, in the order met.
    pub warnings: Vec<Warning>,
}

/// The configurations found for one Dockerfile.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The repository root (absolute, clean).
    pub root: PathBuf,
    pub configs: Vec<BuildConfig>,
    /// Every image the repository's build files build.
    pub images: Arc<Vec<ProjectImage>>,
}

impl Discovery {
    #[must_use]
    pub fn new() -> Discovery {
        Discovery::default()
    }

    /// Read the build files that may build `dockerfile`: in its directory
    /// and above, up to its repository root, and the root's workflows.
    /// `walk_root` is the directory the file was found from (the root when
    /// there is no `.git`). Returns the repository root.
    pub fn scan(&mut self, dockerfile: &Path, walk_root: &Path) -> PathBuf {
        let df = clean(dockerfile);
        let dir = df.parent().map_or_else(|| df.clone(), Path::to_path_buf);
        let fallback = clean(walk_root);
        let root = repo_root(
            &dir,
            if dir.starts_with(&fallback) {
                &fallback
            } else {
                &dir
            },
        );
        let repo = self.repos.entry(root.clone()).or_insert_with(|| Repo {
            real: std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone()),
            ..Repo::default()
        });
        let mut warnings = Vec::new();
        let before = repo.configs.len();
        for d in dir.ancestors() {
            if !d.starts_with(&root) {
                break;
            }
            if !repo.dirs.iter().any(|x| x == d) {
                repo.dirs.push(d.to_path_buf());
                read_dir_files(&root, repo, d, &mut warnings);
            }
        }
        if !repo.workflows_read {
            repo.workflows_read = true;
            read_workflows(&root, repo, &mut warnings);
        }
        repo.configs.truncate(MAX_CONFIGS);
        if repo.configs.len() != before {
            repo.images = None;
        }
        for w in warnings {
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
        root
    }

    /// The configurations that build `dockerfile` ([`Discovery::scan`]
    /// first, for every Dockerfile of the run, so that the images are the
    /// whole repository's).
    pub fn find(&mut self, dockerfile: &Path, walk_root: &Path) -> Found {
        let root = self.scan(dockerfile, walk_root);
        let Some(repo) = self.repos.get_mut(&root) else {
            return Found::default();
        };
        let df = clean(dockerfile);
        let df_real = std::fs::canonicalize(&df).ok();
        let mut configs: Vec<BuildConfig> = Vec::new();
        // How many other places write each build.
        let mut more: Vec<usize> = Vec::new();
        for c in &repo.configs {
            // Through symlinks too, but only for a file of the same name
            // (one canonicalize per candidate, not per configuration).
            let same = c.dockerfile == df
                || (c.dockerfile.file_name() == df.file_name()
                    && df_real.as_ref().is_some_and(|r| {
                        std::fs::canonicalize(&c.dockerfile).is_ok_and(|x| x == *r)
                    }));
            if !same || !context_inside(&c.context, &root, &repo.real) {
                continue;
            }
            // The same build written twice (a workflow that runs the bake
            // target, say, or services that share one build through an
            // anchor) is linted once, named by the first.
            let same_build = configs.iter().position(|o| {
                o.context == c.context
                    && o.args == c.args
                    && o.unknown_args == c.unknown_args
                    && o.target == c.target
            });
            if let Some(i) = same_build {
                more[i] += 1;
                configs[i].run_init &= c.run_init;
                for t in &c.tags {
                    if !configs[i].tags.contains(t) {
                        configs[i].tags.push(t.clone());
                    }
                }
            } else {
                configs.push(c.clone());
                more.push(0);
            }
        }
        for (c, n) in configs.iter_mut().zip(more) {
            if n > 0 {
                c.origin = format!("{} (and {n} more)", c.origin);
            }
        }
        let images = repo
            .images
            .get_or_insert_with(|| Arc::new(images_of(&repo.configs)))
            .clone();
        Found {
            root,
            configs,
            images,
        }
    }
}

/// Whether a context is a directory inside the repository, symlinks
/// followed.
pub(crate) fn context_inside(context: &Path, root: &Path, root_real: &Path) -> bool {
    context.starts_with(root)
        && std::fs::canonicalize(context).is_ok_and(|real| real.starts_with(root_real))
        && context.is_dir()
}

/// Every tagged image of the configurations, one entry per build.
fn images_of(configs: &[BuildConfig]) -> Vec<ProjectImage> {
    let mut out: Vec<ProjectImage> = Vec::new();
    for c in configs.iter().filter(|c| !c.tags.is_empty()) {
        let mut tags: Vec<String> = Vec::new();
        for t in &c.tags {
            let t = t.to_ascii_lowercase();
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        let same = out.iter_mut().find(|i| {
            i.dockerfile == c.dockerfile
                && i.context == c.context
                && i.args == c.args
                && i.target == c.target
        });
        match same {
            Some(i) => {
                for t in tags {
                    if !i.tags.contains(&t) {
                        i.tags.push(t);
                    }
                }
            }
            None => out.push(ProjectImage {
                tags,
                dockerfile: c.dockerfile.clone(),
                context: c.context.clone(),
                args: c.args.clone(),
                target: c.target.clone(),
            }),
        }
    }
    out
}

/// Read the bake and compose files of directory `dir`.
fn read_dir_files(root: &Path, repo: &mut Repo, dir: &Path, warnings: &mut Vec<Warning>) {
    let mut bake_files = bake::BakeFiles::default();
    let mut any_bake = false;
    for name in bake::NAMES {
        let path = dir.join(name);
        let shown_path = shown(root, &path);
        match read_build_file(&path, &repo.real, &shown_path) {
            Ok(Some(text)) => match bake_files.add(&shown_path, &text) {
                Ok(()) => any_bake = true,
                Err(w) => warnings.push(about(w, &path)),
            },
            Ok(None) => {}
            Err(w) => warnings.push(about(w, &path)),
        }
    }
    if any_bake {
        repo.configs.extend(bake_files.configs(dir));
    }
    let names = compose::file_names(dir);
    if names.is_empty() {
        return;
    }
    let env = compose::read_env(dir, &repo.real, &shown(root, &dir.join(".env")));
    let mut files = Vec::new();
    for name in names {
        let path = dir.join(&name);
        let shown_path = shown(root, &path);
        match read_build_file(&path, &repo.real, &shown_path) {
            Ok(Some(text)) => match compose::parse(&shown_path, &text) {
                Ok(services) => files.push((name, shown_path, services)),
                Err(w) => warnings.push(about(w, &path)),
            },
            Ok(None) => {}
            Err(w) => warnings.push(about(w, &path)),
        }
    }
    repo.configs.extend(compose::configs(dir, &files, &env));
}

/// Read the workflows in `root/.github/workflows`.
fn read_workflows(root: &Path, repo: &mut Repo, warnings: &mut Vec<Warning>) {
    let dir = root.join(".github").join("workflows");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .collect();
    names.sort();
    names.truncate(MAX_WORKFLOWS);
    for name in names {
        let path = dir.join(&name);
        let shown_path = shown(root, &path);
        match read_build_file(&path, &repo.real, &shown_path) {
            Ok(Some(text)) => match workflows::parse(&shown_path, &text, root) {
                Ok(configs) => repo.configs.extend(configs),
                Err(w) => warnings.push(about(w, &path)),
            },
            Ok(None) => {}
            Err(w) => warnings.push(about(w, &path)),
        }
    }
}

/// Interpolate `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
/// `${VAR:+alt}`, `${VAR:?msg}`, `$VAR` and `$$` (compose's rules) with
/// `vars`; `None` when a variable without a default is not in `vars`.
pub fn interpolate(s: &str, vars: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    interpolate_at(s, vars, 0)
}

fn interpolate_at(s: &str, vars: &dyn Fn(&str) -> Option<String>, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('$') => {
                out.push('$');
                i += 2;
            }
            Some('{') => {
                // The matching `}` (nested `${...}` in defaults).
                let mut level = 0usize;
                let mut j = i + 1;
                let mut end = None;
                while j < chars.len() {
                    match chars[j] {
                        '{' => level += 1,
                        '}' => {
                            level -= 1;
                            if level == 0 {
                                end = Some(j);
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let end = end?;
                let inner: String = chars[i + 2..end].iter().collect();
                let name_len = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let (name, rest) = inner.split_at(name_len);
                if name.is_empty() {
                    return None;
                }
                let value = vars(name);
                let piece = if rest.is_empty() {
                    value?
                } else if let Some(d) = rest.strip_prefix(":-") {
                    match value.filter(|v| !v.is_empty()) {
                        Some(v) => v,
                        None => interpolate_at(d, vars, depth + 1)?,
                    }
                } else if let Some(d) = rest.strip_prefix('-') {
                    match value {
                        Some(v) => v,
                        None => interpolate_at(d, vars, depth + 1)?,
                    }
                } else if let Some(a) = rest.strip_prefix(":+") {
                    match value {
                        Some(v) if !v.is_empty() => interpolate_at(a, vars, depth + 1)?,
                        Some(_) => String::new(),
                        None => return None,
                    }
                } else if let Some(a) = rest.strip_prefix('+') {
                    match value {
                        Some(_) => interpolate_at(a, vars, depth + 1)?,
                        None => return None,
                    }
                } else if rest.starts_with(":?") || rest.starts_with('?') {
                    value?
                } else {
                    return None;
                };
                out.push_str(&piece);
                i = end + 1;
            }
            Some(n) if n.is_ascii_alphabetic() || *n == '_' => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                let name: String = chars[i + 1..j].iter().collect();
                out.push_str(&vars(&name)?);
                i = j;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    Some(out)
}

/// A file of a public repository at a pinned commit, read from the local
/// fetch mirror (`DSIG_MIRROR`, default `/work/.mirror`, the repository's
/// git directory at `<mirror>/<owner>+<name>/repo`): fetched code is not
/// committed here, so the parser tests on real build files read it there
/// and are skipped, saying what to fetch, when it is missing.
#[cfg(test)]
pub(crate) fn mirrored(repo: &str, commit: &str, path: &str) -> Option<String> {
    let mirror = std::env::var_os("DSIG_MIRROR").unwrap_or_else(|| "/work/.mirror".into());
    let git_dir = Path::new(&mirror).join(repo.replace('/', "+")).join("repo");
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(&git_dir)
        .args(["show", &format!("{commit}:{path}")])
        .output()
        .ok()
        .filter(|o| o.status.success());
    if let Some(o) = out {
        String::from_utf8(o.stdout).ok()
    } else {
        eprintln!(
            "skipped: fetch github:{repo} (commit {commit}) into {}",
            git_dir.display()
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation() {
        let vars = |n: &str| match n {
            "A" => Some("a".to_string()),
            "E" => Some(String::new()),
            _ => None,
        };
        for (input, want) in [
            ("x${A}y", Some("xay")),
            ("$A/$$A", Some("a/$A")),
            ("${B:-b}", Some("b")),
            ("${E:-d}", Some("d")),
            ("${E-d}", Some("")),
            ("${B:-${A}2}", Some("a2")),
            ("${A:+yes}", Some("yes")),
            ("${B}", None),
            ("${B:?needed}", None),
            ("$B", None),
            ("${", None),
        ] {
            assert_eq!(interpolate(input, &vars).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn paths() {
        assert!(local_path("../app"));
        assert!(!local_path("https://github.com/a/b.git"));
        assert!(!local_path("target:base"));
        assert_eq!(clean(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
        assert_eq!(shown(Path::new("/r"), Path::new("/r/x/y")), "x/y");
        assert_eq!(shown(Path::new("/r"), Path::new("/r")), ".");
    }
}
