//! The image a Dockerfile builds, as far as PID 1 is concerned.
//!
//! Per stage: the base (an earlier stage, an external image, or `scratch`),
//! the effective ENTRYPOINT and CMD with Docker's inheritance rules, SHELL,
//! WORKDIR, USER, STOPSIGNAL, ENV, and the files copied in. A stage built
//! FROM an external image inherits values dsig cannot see: those are
//! [`Setting::Unknown`], never treated as empty.

pub mod app;
pub mod base;
pub mod chain;
pub mod context;
pub mod init;
pub mod registry;
pub mod vars;

use crate::shell::ShellKind;
use crate::syntax::{Args, Dockerfile, Kind};
use std::collections::HashMap;
use std::sync::Arc;

/// A configuration value of a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting<T> {
    /// Inherited from an image dsig cannot see.
    Unknown,
    /// Known to be unset (scratch, or reset).
    Unset,
    /// Set by instruction number `at` (index into `Dockerfile::instructions`).
    Set { value: T, at: usize },
}

impl<T> Setting<T> {
    pub fn get(&self) -> Option<(&T, usize)> {
        match self {
            Setting::Set { value, at } => Some((value, *at)),
            _ => None,
        }
    }
}

/// A CMD or ENTRYPOINT as Docker stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Exec form: the argv.
    Exec(Vec<String>),
    /// Shell form: the string, and the SHELL prefix in force when it was set.
    Shell { text: String, shell: Vec<String> },
}

impl Command {
    /// The argv Docker stores for it.
    #[must_use]
    pub fn argv(&self) -> Vec<String> {
        match self {
            Command::Exec(v) => v.clone(),
            Command::Shell { text, shell } => {
                let mut v = shell.clone();
                v.push(text.clone());
                v
            }
        }
    }
}

/// Where a stage's filesystem comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// `FROM scratch`.
    Scratch,
    /// An earlier stage (index).
    Stage(usize),
    /// An external image reference, build args substituted where known.
    Image(String),
}

/// A COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOp {
    /// Instruction index.
    pub at: usize,
    pub sources: Vec<String>,
    pub dest: String,
    /// `--from=` value, if any.
    pub from: Option<String>,
    pub chmod: Option<String>,
    /// Heredoc sources (`COPY <<EOF /path`): their names.
    pub heredocs: Vec<String>,
    /// WORKDIR in force, for relative destinations.
    pub workdir: Option<String>,
    /// `--parents`: the sources keep their parent directories.
    pub parents: bool,
    /// `--link`.
    pub link: bool,
    /// A source or the destination holds a build-time value dsig does not
    /// know (an ARG without a value): what it copies, or where, is unknown.
    pub unknown: bool,
}

/// What the image's `/bin/sh` is, inferred from the base image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemShell {
    /// A known shell, with the base image that tells.
    Known(ShellKind, String),
    /// There is no `/bin/sh` (scratch, distroless).
    Missing(String),
    /// The base image is not one dsig knows.
    Unknown(String),
}

/// The programs that the CMDs and ENTRYPOINTs of `df` name (in exec form,
/// the first words that are not options): what an image read with
/// `--images` is asked for besides what its own config runs.
fn program_words(df: &Dockerfile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for ins in &df.instructions {
        if !matches!(ins.kind, Kind::Cmd | Kind::Entrypoint) {
            continue;
        }
        if let Args::Exec(words) = &ins.args {
            for w in words.iter().filter(|w| !w.value.starts_with('-')).take(3) {
                if out.len() < 8 && !out.iter().any(|o| *o == w.value) {
                    out.push(w.value.to_string());
                }
            }
        }
    }
    out
}

/// One build stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// `AS name`, lower-cased.
    pub name: Option<String>,
    /// Index of its FROM instruction.
    pub from_at: usize,
    /// Index one past its last instruction.
    pub end: usize,
    pub base: Base,
    /// The base reference as written (after ARG substitution).
    pub base_ref: String,
    pub entrypoint: Setting<Command>,
    pub cmd: Setting<Command>,
    /// The SHELL prefix in force at the end of the stage.
    pub shell: Vec<String>,
    pub workdir: Setting<String>,
    pub user: Setting<String>,
    pub stopsignal: Setting<String>,
    /// ENV values set in this file (inherited from earlier stages too).
    pub env: Env,
    /// The COPY and ADD of this stage, after those of the stages it is
    /// built FROM (their files stay in the image).
    pub copies: Layered<CopyOp>,
    /// Every CMD and ENTRYPOINT instruction of this stage, in order.
    pub cmd_instructions: Vec<usize>,
    pub entrypoint_instructions: Vec<usize>,
    /// Files of the base image that dsig can read (the startup scripts of
    /// an official image, see [`base`]).
    pub base_files: Arc<Vec<base::BaseFile>>,
    /// `/bin/sh` of the external base image, when [`base`] knows the image
    /// (a parent image of the project is known only while the model is
    /// built).
    pub base_sh: Option<SystemShell>,
}

/// A list that a stage shares with the stages built FROM it: each stage
/// adds to its own end without a copy of its parent's (a chain of stages,
/// each FROM the previous one, was quadratic in time and memory: 4000 stages
/// took 2 GB).
pub struct Layered<T> {
    last: Option<Arc<Layer<T>>>,
}

struct Layer<T> {
    item: T,
    prev: Option<Arc<Layer<T>>>,
}

impl<T> Layered<T> {
    pub fn push(&mut self, item: T) {
        let prev = self.last.take();
        self.last = Some(Arc::new(Layer { item, prev }));
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.last.is_none()
    }

    /// The number of items (a walk of the list).
    #[must_use]
    pub fn len(&self) -> usize {
        let mut n = 0;
        let mut cur = self.last.as_deref();
        while let Some(l) = cur {
            n += 1;
            cur = l.prev.as_deref();
        }
        n
    }

    /// The items, newest first, without a copy of the list.
    pub fn rev_iter(&self) -> impl Iterator<Item = &T> {
        let mut cur = self.last.as_deref();
        std::iter::from_fn(move || {
            let l = cur?;
            cur = l.prev.as_deref();
            Some(&l.item)
        })
    }

    /// The items, oldest first.
    #[must_use]
    pub fn iter(&self) -> std::vec::IntoIter<&T> {
        let mut v = Vec::new();
        let mut cur = self.last.as_deref();
        while let Some(l) = cur {
            v.push(&l.item);
            cur = l.prev.as_deref();
        }
        v.reverse();
        v.into_iter()
    }
}

impl<T> Default for Layered<T> {
    fn default() -> Self {
        Layered { last: None }
    }
}

impl<T> Clone for Layered<T> {
    fn clone(&self) -> Self {
        Layered {
            last: self.last.clone(),
        }
    }
}

impl<T> Drop for Layered<T> {
    /// One layer after the other: the default drop of a long list recurses
    /// once per layer and overflows the stack.
    fn drop(&mut self) {
        let mut cur = self.last.take();
        while let Some(layer) = cur {
            cur = match Arc::try_unwrap(layer) {
                Ok(mut l) => l.prev.take(),
                Err(_) => None, // shared with another stage: it drops the rest
            };
        }
    }
}

impl<T: PartialEq> PartialEq for Layered<T> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<T: Eq> Eq for Layered<T> {}

impl<T: std::fmt::Debug> std::fmt::Debug for Layered<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The ENV of a stage: every setting, its parent stages' first, shared with
/// the stages built FROM it. A value holds the parts dsig does not know
/// (`ENV MODE=${MODE}` of an ARG without a default): they are neither empty
/// nor the literal `${MODE}`.
#[derive(Clone, Default)]
pub struct Env {
    sets: Layered<(String, vars::Word)>,
}

impl Env {
    pub fn set(&mut self, key: String, value: vars::Word) {
        self.sets.push((key, value));
    }

    /// The variables and their values, in the order in which each was last
    /// set.
    #[must_use]
    pub fn iter(&self) -> std::vec::IntoIter<&(String, vars::Word)> {
        let all: Vec<&(String, vars::Word)> = self.sets.iter().collect();
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, (k, _)) in all.iter().enumerate() {
            last.insert(k.as_str(), i);
        }
        let live: Vec<&(String, vars::Word)> = all
            .iter()
            .enumerate()
            .filter(|(i, (k, _))| last.get(k.as_str()) == Some(i))
            .map(|(_, p)| *p)
            .collect();
        live.into_iter()
    }

    /// The value of `key`, if the Dockerfile sets it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&vars::Word> {
        self.sets.rev_iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// PATH as the stage leaves it: a part of it dsig does not know that is
    /// the base image's `$PATH` is taken to be Docker's default (as when no
    /// ENV sets PATH), a directory with another unknown part is left out.
    #[must_use]
    pub fn path(&self) -> String {
        let Some(w) = self.get("PATH") else {
            return DEFAULT_PATH.to_string();
        };
        let text: String = w
            .parts
            .iter()
            .map(|p| match p {
                vars::Part::Text(t) => t.as_str(),
                vars::Part::Unknown(u) if u == "$PATH" || u == "${PATH}" => DEFAULT_PATH,
                vars::Part::Unknown(_) => "\0",
            })
            .collect();
        text.split(':')
            .filter(|d| !d.contains('\0'))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// The variables with their values, `None` where the value is not
    /// known.
    #[must_use]
    pub fn to_vec(&self) -> Vec<(String, Option<String>)> {
        self.iter().map(|(k, v)| (k.clone(), v.known())).collect()
    }
}

impl PartialEq for Env {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Env {}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The image model of a whole Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Image {
    pub stages: Vec<Stage>,
    /// The stage that the build's target (`--target`) names, if any.
    pub target: Option<usize>,
    /// The build names a target stage the Dockerfile does not have (`docker
    /// build` fails): the message; the last stage stands in for it.
    pub target_error: Option<String>,
    /// The container runtime puts an init in front of PID 1 (compose
    /// `init: true`, `docker run --init`) or PID 1 is another container's
    /// (Kubernetes `shareProcessNamespace`): see [`crate::Build::run_init`].
    pub run_init: bool,
}

impl Image {
    /// The stage that runs: the build's target, or the last stage (the one
    /// `docker build` produces by default).
    #[must_use]
    pub fn final_stage(&self) -> Option<&Stage> {
        self.target
            .and_then(|i| self.stages.get(i))
            .or_else(|| self.stages.last())
    }

    /// The argv of PID 1: ENTRYPOINT's argv followed by CMD's (CMD is
    /// ignored after a shell-form ENTRYPOINT's string, as Docker does: it is
    /// passed as `$0...` to `sh -c`, which never reads it). `None` when a part
    /// is unknown.
    #[must_use]
    pub fn pid1_argv(&self) -> Option<Vec<String>> {
        let st = self.final_stage()?;
        let mut argv = match &st.entrypoint {
            Setting::Unknown => return None,
            Setting::Unset => vec![],
            Setting::Set { value, .. } => value.argv(),
        };
        match &st.cmd {
            Setting::Unknown => return None,
            Setting::Unset => {}
            Setting::Set { value, .. } => argv.extend(value.argv()),
        }
        Some(argv)
    }

    /// What `/bin/sh` is in the final stage's image.
    #[must_use]
    pub fn system_shell(&self) -> SystemShell {
        match self.final_stage() {
            Some(st) => self.stage_shell(st),
            None => SystemShell::Unknown(String::new()),
        }
    }

    /// Whether the final stage's environment is all in this Dockerfile: it
    /// is built on scratch or on a bare OS image (Debian, Ubuntu, Alpine,
    /// busybox, the RHEL family), whose only ENV is PATH. Official app images
    /// (postgres, node, ...) set more.
    #[must_use]
    pub fn base_env_known(&self) -> bool {
        match self.final_stage() {
            Some(st) => env_known(&self.stages, st),
            None => false,
        }
    }

    fn stage_shell(&self, st: &Stage) -> SystemShell {
        if let Some(shell) = copied_shell(st) {
            return shell;
        }
        // The copies of the stages it is built FROM are among its own: none
        // copies a shell in. A loop, not recursion: a Dockerfile may chain
        // 100,000 stages.
        let mut st = st;
        loop {
            match &st.base {
                Base::Scratch => return SystemShell::Missing("scratch".into()),
                // An earlier stage: the index only goes down.
                Base::Stage(i) if *i < self.stages.len() => st = &self.stages[*i],
                Base::Stage(_) => return SystemShell::Unknown(String::new()),
                Base::Image(r) => return st.base_sh.clone().unwrap_or_else(|| classify_image(r)),
            }
        }
    }
}

/// Whether the environment of `st`'s base is all known (see
/// [`Image::base_env_known`]).
fn env_known(stages: &[Stage], st: &Stage) -> bool {
    let mut st = st;
    loop {
        match &st.base {
            Base::Scratch => return true,
            Base::Stage(i) if *i < stages.len() => st = &stages[*i],
            Base::Stage(_) => return false,
            Base::Image(r) => {
                let r = r.to_ascii_lowercase();
                let (name, _) = split_ref(&r);
                let base = crate::shell::base_name(name);
                return matches!(
                    base,
                    "debian"
                        | "ubuntu"
                        | "alpine"
                        | "busybox"
                        | "fedora"
                        | "centos"
                        | "rockylinux"
                        | "almalinux"
                        | "amazonlinux"
                        | "oraclelinux"
                        | "archlinux"
                        | "opensuse"
                        | "ubi"
                        | "ubi-minimal"
                        | "ubi8"
                        | "ubi9"
                ) && !name.contains("distroless");
            }
        }
    }
}

/// A `/bin/sh` the stage copies in itself (`COPY busybox /bin/sh` on
/// scratch): the last such copy wins; its kind comes from the source's name
/// (bash, dash, busybox/ash), unknown otherwise.
fn copied_shell(st: &Stage) -> Option<SystemShell> {
    let op = st.copies.iter().rev().find(|c| {
        c.sources.len() == 1
            && c.heredocs.is_empty()
            && matches!(
                context::absolute(&c.dest, c.workdir.as_deref()).as_str(),
                "/bin/sh" | "/usr/bin/sh"
            )
    })?;
    let src = crate::shell::base_name(&op.sources[0]);
    let what = format!("the image (COPY {} {})", op.sources[0], op.dest);
    Some(if src.starts_with("bash") {
        SystemShell::Known(ShellKind::Bash, what)
    } else if src.starts_with("dash") {
        SystemShell::Known(ShellKind::Dash, what)
    } else if src.starts_with("busybox") || src.starts_with("ash") {
        SystemShell::Known(ShellKind::Ash, what)
    } else {
        SystemShell::Unknown(what)
    })
}

/// Infer `/bin/sh` from an image reference.
#[must_use]
pub fn classify_image(reference: &str) -> SystemShell {
    if known_os_base(reference).is_none() {
        if let Some(k) = base::shell_of(reference) {
            return SystemShell::Known(k, reference.to_string());
        }
    }
    classify_by_name(reference)
}

/// Infer `/bin/sh` from an image reference's name and tag alone.
fn classify_by_name(reference: &str) -> SystemShell {
    let r = reference.to_ascii_lowercase();
    let (name, tag) = split_ref(&r);
    let base = crate::shell::base_name(name);
    let known = |k| SystemShell::Known(k, reference.to_string());
    if name.contains("distroless") {
        return if tag.contains("debug") {
            known(ShellKind::Ash)
        } else {
            SystemShell::Missing(reference.into())
        };
    }
    if name == "scratch" {
        return SystemShell::Missing(reference.into());
    }
    if tag.contains("alpine") || matches!(base, "alpine" | "busybox") || name.contains("/alpine") {
        return known(ShellKind::Ash);
    }
    if matches!(
        base,
        "centos" | "fedora" | "rockylinux" | "almalinux" | "amazonlinux" | "oraclelinux" | "photon"
    ) || base.starts_with("ubi")
        || name.contains("redhat")
        || tag.contains("oracle")
        || tag.contains("ubi")
        || tag.contains("centos")
        || tag.contains("amazonlinux")
    {
        return known(ShellKind::Bash);
    }
    const DEBIAN_TAGS: &[&str] = &[
        "bookworm", "bullseye", "buster", "stretch", "trixie", "jammy", "focal", "noble", "bionic",
        "xenial", "slim",
    ];
    if matches!(base, "debian" | "ubuntu" | "buildpack-deps")
        || DEBIAN_TAGS.iter().any(|t| tag.contains(t))
    {
        return known(ShellKind::Dash);
    }
    // Official images whose default variants are Debian or Ubuntu based.
    const DEBIAN_DEFAULT: &[&str] = &[
        "node",
        "python",
        "golang",
        "ruby",
        "php",
        "perl",
        "rust",
        "openjdk",
        "eclipse-temurin",
        "postgres",
        "redis",
        "nginx",
        "httpd",
        "mongo",
        "rabbitmq",
        "wordpress",
        "ghost",
        "haproxy",
        "cassandra",
        "gcc",
        "maven",
        "gradle",
        "elixir",
        "erlang",
        "julia",
        "r-base",
        "memcached",
        "mariadb",
        "tomcat",
        "jenkins",
        "sonarqube",
        "drupal",
        "joomla",
        "nextcloud",
        "odoo",
        "docker",
    ];
    let official = !name.contains('/')
        || name.starts_with("library/")
        || name.starts_with("docker.io/library/");
    if official && DEBIAN_DEFAULT.contains(&base) {
        return if base == "docker" {
            known(ShellKind::Ash)
        } else {
            known(ShellKind::Dash)
        };
    }
    SystemShell::Unknown(reference.to_string())
}

/// The CMD of plain OS base images, which set no ENTRYPOINT, USER, WORKDIR
/// or STOPSIGNAL (as published on Docker Hub). `None` for any other image:
/// its configuration is unknown.
#[must_use]
pub fn known_os_base(reference: &str) -> Option<&'static [&'static str]> {
    let r = reference.to_ascii_lowercase();
    let (name, _) = split_ref(&r);
    let name = name.strip_prefix("docker.io/").unwrap_or(name);
    let name = name.strip_prefix("library/").unwrap_or(name);
    match name {
        "debian" | "ubuntu" => Some(&["bash"]),
        "alpine" => Some(&["/bin/sh"]),
        "busybox" => Some(&["sh"]),
        "fedora" | "centos" | "rockylinux" | "almalinux" | "amazonlinux" | "oraclelinux" => {
            Some(&["/bin/bash"])
        }
        _ => None,
    }
}

fn split_ref(r: &str) -> (&str, &str) {
    let r = r.split('@').next().unwrap_or(r);
    // A tag follows the last ':' after the last '/'.
    let slash = r.rfind('/').map_or(0, |i| i + 1);
    match r[slash..].rfind(':') {
        Some(i) => (&r[..slash + i], &r[slash + i + 1..]),
        None => (r, ""),
    }
}

/// The PATH Docker gives a stage whose base sets none (scratch), and that
/// of the bare OS images.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The ARGs BuildKit defines itself (`--platform` and the target): unknown
/// to dsig unless the build gives them.
const PREDEFINED_ARGS: [&str; 11] = [
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDOSVERSION",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETOSVERSION",
    "TARGETARCH",
    "TARGETVARIANT",
    "TARGETSTAGE",
];

/// Steps of the variable lookups of one Dockerfile (each walks its stage's
/// settings back to the one it needs); past them a variable is unknown.
const LOOKUP_FUEL: usize = 1_000_000;

/// The build-time variables while the model is built, with BuildKit's
/// scopes: the global ARGs (before the first FROM) are seen by FROM only,
/// unless a stage declares them again (`ARG NAME` takes the global value);
/// a stage sees its own ARGs and ENVs, and those of the stage it is built
/// FROM; values the build gives (`--build-arg`) replace the defaults of
/// the ARGs declared. An ARG without a value that the build does not give
/// is unknown (the build may give it), and so is a variable the stage does
/// not set on a base whose environment dsig does not know.
struct BuildVars<'b> {
    given: HashMap<&'b str, &'b str>,
    globals: HashMap<String, vars::Var>,
    /// Per stage: its settings (its parents' first) and whether the
    /// environment of its base is known.
    scopes: Vec<(Layered<(String, vars::Var)>, bool)>,
    /// The current stage's variables already looked up or set.
    memo: std::cell::RefCell<HashMap<String, vars::Var>>,
    fuel: std::cell::Cell<usize>,
}

impl<'b> BuildVars<'b> {
    fn new(build: &'b crate::Build) -> BuildVars<'b> {
        let given: HashMap<&str, &str> = build
            .args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut globals = HashMap::new();
        for k in PREDEFINED_ARGS {
            let target = build
                .target
                .as_deref()
                .filter(|t| k == "TARGETSTAGE" && !t.is_empty());
            let v = given.get(k).copied().or(target);
            globals.insert(
                k.to_string(),
                v.map_or(vars::Var::Unknown, |v| vars::Var::Set(vars::Word::text(v))),
            );
        }
        BuildVars {
            given,
            globals,
            scopes: Vec::new(),
            memo: std::cell::RefCell::default(),
            fuel: std::cell::Cell::new(LOOKUP_FUEL),
        }
    }

    fn global(&self, name: &str) -> vars::Var {
        self.globals.get(name).cloned().unwrap_or(vars::Var::Unset)
    }

    /// A FROM reference: the global ARGs substituted, unknown parts as
    /// written.
    fn base_reference(&self, raw: &str, escape: char) -> String {
        match vars::expand(raw, escape, &|n| self.global(n)) {
            Ok(w) => w.display(),
            Err(_) => raw.to_string(),
        }
    }

    /// `NAME` or `NAME=value` of an ARG: its name and value.
    fn declared(
        &self,
        word: &str,
        escape: char,
        scope: &dyn Fn(&str) -> vars::Var,
    ) -> (String, Option<vars::Var>) {
        let (k, v) = match word.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (word, None),
        };
        let value = if let Some(g) = self.given.get(k) {
            Some(vars::Var::Set(vars::Word::text(g)))
        } else {
            v.map(|v| match vars::expand(v, escape, scope) {
                Ok(w) => vars::Var::Set(w),
                Err(_) => vars::Var::Unknown,
            })
        };
        (k.to_string(), value)
    }

    /// An ARG before the first FROM.
    fn global_arg(&mut self, word: &str, escape: char) {
        let (k, v) = self.declared(word, escape, &|n| self.global(n));
        match v {
            Some(v) => {
                self.globals.insert(k, v);
            }
            None => {
                self.globals.entry(k).or_insert(vars::Var::Unknown);
            }
        }
    }

    /// An ARG in a stage: without a value, the global one.
    fn stage_arg(&mut self, word: &str, escape: char) {
        let (k, v) = self.declared(word, escape, &|n| self.get(n));
        let v = v.unwrap_or_else(|| self.globals.get(&k).cloned().unwrap_or(vars::Var::Unknown));
        self.set(&k, v);
    }

    /// A new stage (the last of `stages`), built FROM stage `parent` if any.
    fn enter_stage(&mut self, stages: &[Stage], parent: Option<usize>) {
        let scope = match parent.and_then(|p| self.scopes.get(p)) {
            Some(s) => s.clone(),
            None => (
                Layered::default(),
                stages.last().is_some_and(|st| env_known(stages, st)),
            ),
        };
        self.scopes.push(scope);
        self.memo.get_mut().clear();
    }

    /// A variable of the current stage.
    fn get(&self, name: &str) -> vars::Var {
        if let Some(v) = self.memo.borrow().get(name) {
            return v.clone();
        }
        let Some((sets, env_known)) = self.scopes.last() else {
            return self.global(name);
        };
        let mut found = None;
        for (k, v) in sets.rev_iter() {
            let fuel = self.fuel.get();
            if fuel == 0 {
                return vars::Var::Unknown;
            }
            self.fuel.set(fuel - 1);
            if k == name {
                found = Some(v.clone());
                break;
            }
        }
        let v = found.unwrap_or_else(|| match (env_known, name) {
            (false, _) => vars::Var::Unknown,
            (true, "PATH") => vars::Var::Set(vars::Word::text(DEFAULT_PATH)),
            (true, _) => vars::Var::Unset,
        });
        self.memo.borrow_mut().insert(name.to_string(), v.clone());
        v
    }

    fn set(&mut self, key: &str, v: vars::Var) {
        self.memo.get_mut().remove(key);
        if let Some((sets, _)) = self.scopes.last_mut() {
            sets.push((key.to_string(), v));
        }
    }

    /// `text` with the current stage's variables substituted.
    fn expand(&self, text: &str, escape: char) -> Result<vars::Word, String> {
        vars::expand(text, escape, &|n| self.get(n))
    }

    /// `text` substituted, when all of it is known.
    fn known(&self, text: &str, escape: char) -> Option<String> {
        self.expand(text, escape).ok().and_then(|w| w.known())
    }
}

const DEFAULT_SHELL: [&str; 2] = ["/bin/sh", "-c"];

impl Image {
    /// Build the model from a parsed Dockerfile, built with no build args
    /// for its last stage.
    #[must_use]
    pub fn from_dockerfile(df: &Dockerfile) -> Image {
        Image::from_dockerfile_with(df, &crate::Build::default())
    }

    /// Build the model from a parsed Dockerfile as `build` builds it: its
    /// build args, its target stage, the images of its project (`FROM` one
    /// of them is followed, see [`base::Parents`]).
    #[must_use]
    pub fn from_dockerfile_with(df: &Dockerfile, build: &crate::Build) -> Image {
        Image::from_dockerfile_in(df, build, &mut base::Parents::default())
    }

    /// [`Image::from_dockerfile_with`], with the parent images of the
    /// project already being modelled (`parents`): the Dockerfile linted
    /// (see [`base::Parents::new`]) and, for a parent, its children.
    pub fn from_dockerfile_in(
        df: &Dockerfile,
        build: &crate::Build,
        parents: &mut base::Parents,
    ) -> Image {
        let mut stages: Vec<Stage> = Vec::new();
        let mut bv = BuildVars::new(build);
        let mut cmd_set_in_stage = false;
        // Stage name -> index of the latest stage of that name: one lookup
        // per FROM instead of a scan of all earlier stages (quadratic in
        // stages on large multi-stage files).
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut run_words: Option<Vec<String>> = None;
        for (at, ins) in df.instructions.iter().enumerate() {
            if ins.kind == Kind::From {
                let words: Vec<&str> = match &ins.args {
                    Args::List(w) => w.iter().map(|w| w.value.as_ref()).collect(),
                    _ => vec![],
                };
                let raw = words.first().copied().unwrap_or("");
                let reference = bv.base_reference(raw, df.escape);
                let name = match words.as_slice() {
                    [_, as_, n, ..] if as_.eq_ignore_ascii_case("as") => {
                        Some(n.to_ascii_lowercase())
                    }
                    _ => None,
                };
                let lower = reference.to_ascii_lowercase();
                let parent = by_name.get(lower.as_str()).copied();
                // The base image, when dsig knows it (see `base`).
                let known_base = match parent {
                    None => base::lookup_in(&reference, &build.images, parents).or_else(|| {
                        // Read from Docker or a registry (`--images`).
                        (build.images_from != crate::ImageSource::Off).then(|| {
                            let words = run_words.get_or_insert_with(|| program_words(df));
                            base::image_lookup(&reference, build.images_from, words)
                        })?
                    }),
                    Some(_) => None,
                };
                let mut st = match parent {
                    Some(p) => {
                        let mut s = stages[p].clone();
                        s.base = Base::Stage(p);
                        // The parent's files stay in the image.
                        s.cmd_instructions.clear();
                        s.entrypoint_instructions.clear();
                        s
                    }
                    None if known_base.is_some() => {
                        // A base image dsig knows: a bare OS image, an
                        // official image or one the project builds (see
                        // `base`); what it does not know stays Unknown.
                        let b = known_base.unwrap_or_else(|| base::BaseImage::unknown(&reference));
                        fn known<T>(v: Option<Option<T>>, at: usize) -> Setting<T> {
                            match v {
                                None => Setting::Unknown,
                                Some(None) => Setting::Unset,
                                Some(Some(value)) => Setting::Set { value, at },
                            }
                        }
                        let mut env = Env::default();
                        for (k, v) in &b.env {
                            env.set(k.clone(), vars::Word::text(v));
                        }
                        for k in &b.env_unknown {
                            env.set(k.clone(), vars::Word::unknown(&format!("${{{k}}}")));
                        }
                        Stage {
                            name: None,
                            from_at: at,
                            end: at + 1,
                            base: Base::Image(reference.clone()),
                            base_ref: reference.clone(),
                            entrypoint: known(b.entrypoint, at),
                            cmd: known(b.cmd, at),
                            shell: b.shell.unwrap_or_else(|| {
                                DEFAULT_SHELL
                                    .iter()
                                    .map(std::string::ToString::to_string)
                                    .collect()
                            }),
                            workdir: known(b.workdir, at),
                            user: known(b.user, at),
                            stopsignal: known(b.stopsignal, at),
                            env,
                            copies: Layered::default(),
                            cmd_instructions: vec![],
                            entrypoint_instructions: vec![],
                            base_files: b.files,
                            base_sh: Some(b.sh),
                        }
                    }
                    None => {
                        let scratch = lower == "scratch";
                        fn inherit<T>(scratch: bool) -> Setting<T> {
                            if scratch {
                                Setting::Unset
                            } else {
                                Setting::Unknown
                            }
                        }
                        Stage {
                            name: None,
                            from_at: at,
                            end: at + 1,
                            base: if scratch {
                                Base::Scratch
                            } else {
                                Base::Image(reference.clone())
                            },
                            base_ref: reference.clone(),
                            entrypoint: inherit(scratch),
                            cmd: inherit(scratch),
                            shell: DEFAULT_SHELL
                                .iter()
                                .map(std::string::ToString::to_string)
                                .collect(),
                            workdir: inherit(scratch),
                            user: inherit(scratch),
                            stopsignal: inherit(scratch),
                            env: Env::default(),
                            copies: Layered::default(),
                            cmd_instructions: vec![],
                            entrypoint_instructions: vec![],
                            base_files: Arc::default(),
                            base_sh: None,
                        }
                    }
                };
                if let Some(n) = &name {
                    by_name.insert(n.clone(), stages.len());
                }
                st.name = name;
                st.from_at = at;
                st.end = at + 1;
                st.base_ref = reference;
                cmd_set_in_stage = false;
                stages.push(st);
                bv.enter_stage(&stages, parent);
                continue;
            }
            let Some(st) = stages.last_mut() else {
                // Before the first FROM only ARG is meaningful: global build args.
                if let Args::Words(ws) = &ins.args {
                    for w in ws {
                        bv.global_arg(&w.value, df.escape);
                    }
                }
                continue;
            };
            st.end = at + 1;
            match (&ins.kind, &ins.args) {
                (Kind::Cmd, _) => {
                    st.cmd_instructions.push(at);
                    cmd_set_in_stage = true;
                    st.cmd = command(ins, &st.shell)
                        .map_or(Setting::Unset, |value| Setting::Set { value, at });
                }
                (Kind::Entrypoint, _) => {
                    st.entrypoint_instructions.push(at);
                    st.entrypoint = command(ins, &st.shell)
                        .map_or(Setting::Unset, |value| Setting::Set { value, at });
                    // Docker: ENTRYPOINT resets a CMD that was not set in this stage.
                    if !cmd_set_in_stage {
                        st.cmd = Setting::Unset;
                    }
                }
                (Kind::Shell, Args::Exec(w)) if !w.is_empty() => {
                    st.shell = w.iter().map(|w| w.value.to_string()).collect();
                }
                (Kind::Workdir, Args::Text(t)) => {
                    st.workdir = match (bv.known(&t.value, df.escape), &st.workdir) {
                        (Some(v), _) if v.starts_with('/') => Setting::Set { value: v, at },
                        (Some(v), Setting::Set { value, .. }) => Setting::Set {
                            value: format!("{}/{}", value.trim_end_matches('/'), v),
                            at,
                        },
                        (Some(v), Setting::Unset) => Setting::Set {
                            value: format!("/{v}"),
                            at,
                        },
                        // Relative to a directory dsig does not know, or
                        // unknown itself.
                        _ => Setting::Unknown,
                    };
                }
                (Kind::User, Args::Text(t)) => {
                    st.user = bv
                        .known(&t.value, df.escape)
                        .map_or(Setting::Unknown, |value| Setting::Set { value, at });
                }
                (Kind::StopSignal, Args::Text(t)) => {
                    st.stopsignal = bv
                        .known(&t.value, df.escape)
                        .map_or(Setting::Unknown, |value| Setting::Set { value, at });
                }
                (Kind::Arg, Args::Words(ws)) => {
                    for w in ws {
                        bv.stage_arg(&w.value, df.escape);
                    }
                }
                (Kind::Env, Args::KeyValues { pairs, .. }) => {
                    // Every value sees the variables as they were before
                    // the instruction (`ENV A=1 B=$A` gives B the old A).
                    let set: Vec<(String, vars::Word)> = pairs
                        .iter()
                        .filter_map(|(k, v)| {
                            let key = bv.known(&k.value, df.escape)?;
                            let value = bv
                                .expand(&v.value, df.escape)
                                .unwrap_or_else(|_| vars::Word::unknown(&v.value));
                            Some((key, value))
                        })
                        .collect();
                    for (k, v) in set {
                        bv.set(&k, vars::Var::Set(v.clone()));
                        st.env.set(k, v);
                    }
                }
                (Kind::Copy | Kind::Add, args) => {
                    let mut words: Vec<String> = match args {
                        Args::Exec(w) | Args::List(w) => {
                            w.iter().map(|w| w.value.to_string()).collect()
                        }
                        _ => vec![],
                    };
                    if words.is_empty() {
                        continue;
                    }
                    let dest = words.pop().unwrap_or_default();
                    let heredocs: Vec<String> =
                        ins.heredocs().iter().map(|h| h.name.to_string()).collect();
                    words.retain(|w| !w.starts_with("<<"));
                    let mut unknown = false;
                    let mut value = |w: &str| {
                        if let Ok(v) = bv.expand(w, df.escape) {
                            v.known().unwrap_or_else(|| {
                                unknown = true;
                                v.display()
                            })
                        } else {
                            unknown = true;
                            w.to_string()
                        }
                    };
                    let sources: Vec<String> = words.iter().map(|w| value(w)).collect();
                    let dest = value(&dest);
                    let chmod = ins
                        .flag("chmod")
                        .and_then(|f| f.value().map(str::to_string))
                        .map(|c| bv.known(&c, df.escape).unwrap_or(c));
                    st.copies.push(CopyOp {
                        at,
                        sources,
                        dest,
                        from: ins.flag("from").and_then(|f| f.value().map(str::to_string)),
                        chmod,
                        heredocs,
                        workdir: st.workdir.get().map(|(w, _)| w.clone()),
                        parents: ins.flag("parents").is_some(),
                        link: ins.flag("link").is_some(),
                        unknown,
                    });
                }
                _ => {}
            }
        }
        // `--target`: a stage by name, as BuildKit finds it (case-insensitive).
        let (target, target_error) = match build.target.as_deref().filter(|t| !t.is_empty()) {
            None => (None, None),
            Some(t) => match by_name.get(&t.to_ascii_lowercase()) {
                Some(&i) => (Some(i), None),
                None => (
                    None,
                    Some(format!(
                        "target stage {t:?} could not be found: the last stage is linted"
                    )),
                ),
            },
        };
        Image {
            stages,
            target,
            target_error,
            run_init: build.run_init,
        }
    }
}

fn command(ins: &crate::syntax::Instruction, shell: &[String]) -> Option<Command> {
    match &ins.args {
        Args::Exec(w) => Some(Command::Exec(
            w.iter().map(|w| w.value.to_string()).collect(),
        )),
        Args::Shell { text, .. } => Some(Command::Shell {
            text: text.value(ins).into_owned(),
            shell: shell.to_vec(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    fn image(s: &str) -> Image {
        Image::from_dockerfile(&crate::syntax::parse(s).unwrap())
    }

    #[test]
    fn pid1_argv_combinations() {
        let i = image("FROM scratch\nCMD app --x\n");
        assert_eq!(i.pid1_argv().unwrap(), ["/bin/sh", "-c", "app --x"]);
        let i = image("FROM scratch\nENTRYPOINT [\"/init\"]\nCMD [\"app\"]\n");
        assert_eq!(i.pid1_argv().unwrap(), ["/init", "app"]);
        let i = image("FROM scratch\nCMD [\"app\"]\nENTRYPOINT [\"/init\"]\n");
        assert_eq!(i.pid1_argv().unwrap(), ["/init", "app"]);
        let i = image("FROM scratch AS a\nCMD [\"app\"]\nFROM a\nENTRYPOINT [\"/init\"]\n");
        assert_eq!(
            i.pid1_argv().unwrap(),
            ["/init"],
            "ENTRYPOINT resets an inherited CMD"
        );
        let i =
            image("FROM scratch\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nCMD app\n");
        assert_eq!(
            i.pid1_argv().unwrap(),
            ["/bin/bash", "-o", "pipefail", "-c", "app"]
        );
        assert_eq!(
            image("FROM myorg/node:20\nCMD [\"a\"]\n").pid1_argv(),
            None,
            "unknown base: unknown ENTRYPOINT"
        );
        assert_eq!(
            image("FROM node:24-slim\nCMD [\"a\"]\n")
                .pid1_argv()
                .unwrap(),
            ["docker-entrypoint.sh", "a"],
            "an official image's ENTRYPOINT"
        );
        assert_eq!(
            image("FROM debian:bookworm\nRUN x\n").pid1_argv().unwrap(),
            ["bash"],
            "Debian's own CMD"
        );
        assert_eq!(
            image("FROM example.com/x\nRUN x\n").pid1_argv(),
            None,
            "unknown base: unknown CMD"
        );
    }

    #[test]
    fn env_in_order_of_last_setting() {
        let env = |s: &str| -> Vec<(String, Option<String>)> {
            image(s).final_stage().unwrap().env.to_vec()
        };
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, Option<String>)> {
            v.iter()
                .map(|(k, v)| (k.to_string(), Some(v.to_string())))
                .collect()
        };
        assert_eq!(
            env("FROM scratch\nENV A=1 B=2 A=3\nENV C=4\nENV B=5\n"),
            pairs(&[("A", "3"), ("C", "4"), ("B", "5")])
        );
        assert_eq!(
            env("FROM scratch AS a\nENV X=1 Z=0\nFROM a\nENV Y=2 X=3\n"),
            pairs(&[("Z", "0"), ("Y", "2"), ("X", "3")]),
            "inherited from the parent stage"
        );
        let i = image("FROM scratch AS a\nENV X=1\nFROM scratch\nENV Y=2\n");
        assert_eq!(i.stages[0].env.to_vec(), pairs(&[("X", "1")]));
        assert_eq!(i.stages[1].env.to_vec(), pairs(&[("Y", "2")]));
    }

    /// A stage built FROM another shares its parent's COPYs and ENV: 100,000
    /// stages in a chain are built, read and dropped without a copy per
    /// stage or a recursion per stage.
    #[test]
    fn a_long_chain_of_stages_shares_copies_and_env() {
        let n = 100_000;
        let mut df = String::from("FROM scratch AS s0\nCOPY a /a0\nENV PATH=/x\n");
        for i in 1..n {
            let _ = write!(
                df,
                "FROM s{} AS s{i}\nCOPY a /a{i}\nENV V{}=1\n",
                i - 1,
                i % 3
            );
        }
        let i = image(&df);
        let last = i.final_stage().unwrap();
        assert_eq!(last.copies.len(), n);
        assert_eq!(last.copies.iter().next().unwrap().dest, "/a0");
        assert_eq!(
            last.copies.iter().next_back().unwrap().dest,
            format!("/a{}", n - 1)
        );
        assert_eq!(i.stages[1].copies.len(), 2, "a parent keeps its own");
        let env = last.env.to_vec();
        assert_eq!(env.len(), 4, "{env:?}");
        assert_eq!(env[0], ("PATH".to_string(), Some("/x".to_string())));
        assert!(matches!(i.system_shell(), SystemShell::Missing(_)));
        drop(i);
    }

    fn image_with(s: &str, args: &[(&str, &str)], target: Option<&str>) -> Image {
        let build = crate::Build {
            args: args
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            target: target.map(String::from),
            ..crate::Build::default()
        };
        Image::from_dockerfile_with(&crate::syntax::parse(s).unwrap(), &build)
    }

    /// The sources and destination of the final stage's last COPY/ADD, and
    /// whether a part of them is unknown.
    fn last_copy(i: &Image) -> (Vec<String>, String, bool) {
        let c = i
            .final_stage()
            .unwrap()
            .copies
            .iter()
            .next_back()
            .unwrap()
            .clone();
        (c.sources, c.dest, c.unknown)
    }

    fn copy_of(s: &str, args: &[(&str, &str)]) -> (Vec<String>, String, bool) {
        last_copy(&image_with(s, args, None))
    }

    #[test]
    fn build_args_in_copy_sources_and_destinations() {
        let df =
            "FROM debian:bookworm\nARG APP_ENV=prod\nADD entrypoint-${APP_ENV}.sh /entrypoint.sh\n";
        assert_eq!(
            copy_of(df, &[]),
            (
                vec!["entrypoint-prod.sh".into()],
                "/entrypoint.sh".into(),
                false
            )
        );
        assert_eq!(
            copy_of(df, &[("APP_ENV", "dev"), ("APP_ENV", "staging")]),
            (
                vec!["entrypoint-staging.sh".into()],
                "/entrypoint.sh".into(),
                false
            ),
            "a build arg replaces the default; the later one wins"
        );
        // Without a value the build may give one: unknown, as written.
        let df = "FROM debian:bookworm\nARG APP_ENV\nADD entrypoint-${APP_ENV}.sh /entrypoint.sh\n";
        assert_eq!(
            copy_of(df, &[]),
            (
                vec!["entrypoint-${APP_ENV}.sh".into()],
                "/entrypoint.sh".into(),
                true
            )
        );
        assert_eq!(copy_of(df, &[("APP_ENV", "dev")]).0, ["entrypoint-dev.sh"]);
        // Build args count only for the ARGs the file declares: an undeclared
        // one is unset on a base whose environment is known.
        let df = "FROM scratch\nCOPY a${X}b /x\n";
        assert_eq!(copy_of(df, &[("X", "1")]).0, ["ab"]);
        // Quotes as BuildKit takes them; the exec form too.
        let df =
            "FROM scratch\nENV D=/srv\nCOPY [\"run.sh\", \"${D}/bin/\"]\nCOPY 'a$D' \"$D\"/c /z\n";
        assert_eq!(copy_of(df, &[]).0, ["a$D", "/srv/c"]);
        assert_eq!(
            image_with(df, &[], None).stages[0]
                .copies
                .iter()
                .next()
                .unwrap()
                .dest,
            "/srv/bin/"
        );
    }

    #[test]
    fn scopes_as_buildkit_has_them() {
        // A global ARG is seen by FROM only, unless the stage declares it
        // again (then with the global value).
        let df = "ARG V=1\nFROM scratch\nCOPY a${V} /x\n";
        assert_eq!(copy_of(df, &[]).0, ["a"]);
        let df = "ARG V=1\nFROM scratch\nARG V\nCOPY a${V} /x\n";
        assert_eq!(copy_of(df, &[]).0, ["a1"]);
        assert_eq!(copy_of(df, &[("V", "2")]).0, ["a2"]);
        // ENV over ARG; every value of one ENV sees the variables before it.
        let df = "FROM scratch\nARG A=1\nENV A=2\nCOPY $A /x\n";
        assert_eq!(copy_of(df, &[]).0, ["2"]);
        let df = "FROM scratch\nENV A=1\nENV A=2 B=$A\nCOPY $B /x\n";
        assert_eq!(copy_of(df, &[]).0, ["1"]);
        // ENV and ARG carry to the stages built FROM the stage.
        let df = "FROM scratch AS base\nENV D=/opt\nARG E=e\nFROM base\nCOPY x $D/$E/\n";
        assert_eq!(copy_of(df, &[]).1, "/opt/e/");
        // A variable the stage does not set, on a base whose ENV dsig does
        // not see, is unknown; on a bare OS base it is unset.
        assert!(copy_of("FROM node:20\nCOPY x ${NODE_HOME}/\n", &[]).2);
        assert!(!copy_of("FROM alpine:3.20\nCOPY x ${NODE_HOME}/\n", &[]).2);
        // Platform args: unknown unless given.
        let df =
            "FROM --platform=$BUILDPLATFORM scratch\nARG TARGETARCH\nCOPY bin-${TARGETARCH} /app\n";
        assert!(copy_of(df, &[]).2);
        assert_eq!(copy_of(df, &[("TARGETARCH", "arm64")]).0, ["bin-arm64"]);
    }

    #[test]
    fn workdir_user_stopsignal_and_env() {
        let df = "FROM scratch\nARG HOME_DIR=/srv\nARG SIG=SIGQUIT\nARG WHO\nWORKDIR ${HOME_DIR}\nWORKDIR app\nUSER $WHO\nSTOPSIGNAL $SIG\nENV MODE=${WHO} LANG=C\n";
        let i = image_with(df, &[], None);
        let st = i.final_stage().unwrap();
        assert_eq!(st.workdir.get().unwrap().0, "/srv/app");
        assert_eq!(st.user, Setting::Unknown);
        assert_eq!(st.stopsignal.get().unwrap().0, "SIGQUIT");
        assert_eq!(
            st.env.to_vec(),
            [("MODE".into(), None), ("LANG".into(), Some("C".into()))],
            "an ENV of an unknown value is unknown, not `${{WHO}}`"
        );
        let i = image_with(df, &[("WHO", "app")], None);
        assert_eq!(i.final_stage().unwrap().user.get().unwrap().0, "app");
        let i = image_with("FROM scratch\nARG D\nWORKDIR $D\n", &[], None);
        assert_eq!(i.final_stage().unwrap().workdir, Setting::Unknown);
        // Quotes and escapes as BuildKit's ProcessWord takes them, in both
        // ENV forms.
        let i = image_with(
            "FROM scratch\nENV A \"x y\"\nENV B=\\$HOME C='$A' D=\"$A\"\n",
            &[],
            None,
        );
        let env = i.final_stage().unwrap().env.to_vec();
        let val = |k: &str| env.iter().find(|(x, _)| x == k).unwrap().1.clone();
        assert_eq!(val("A").as_deref(), Some("x y"));
        assert_eq!(val("B").as_deref(), Some("$HOME"));
        assert_eq!(val("C").as_deref(), Some("$A"));
        assert_eq!(val("D").as_deref(), Some("x y"));
        let i = image_with("FROM scratch\nWORKDIR app\n", &[], None);
        assert_eq!(i.final_stage().unwrap().workdir.get().unwrap().0, "/app");
    }

    #[test]
    fn path_with_parts_dsig_does_not_know() {
        let path = |df: &str| image_with(df, &[], None).final_stage().unwrap().env.path();
        assert_eq!(
            path(
                "FROM debian:bookworm\nENV CONDA_DIR=/opt/conda\nENV PATH=${CONDA_DIR}/bin:$PATH\n"
            ),
            format!("/opt/conda/bin:{DEFAULT_PATH}")
        );
        // The base image's PATH is not known: Docker's default stands in.
        assert_eq!(
            path("FROM continuumio/miniconda3\nENV PATH=/opt/conda/envs/app/bin:$PATH\n"),
            format!("/opt/conda/envs/app/bin:{DEFAULT_PATH}")
        );
        assert_eq!(
            path("FROM node:20\nARG TOOLS\nENV PATH=${TOOLS}/bin:/opt/x:${PATH}\n"),
            format!("/opt/x:{DEFAULT_PATH}"),
            "a directory with an unknown part is left out"
        );
        assert_eq!(path("FROM node:20\n"), DEFAULT_PATH);
    }

    #[test]
    fn from_references() {
        let i = image_with("ARG BASE\nFROM ${BASE}\nCMD x\n", &[], None);
        assert_eq!(i.stages[0].base, Base::Image("${BASE}".into()));
        assert!(matches!(i.system_shell(), SystemShell::Unknown(_)));
        let i = image_with("ARG BASE\nFROM ${BASE}\n", &[("BASE", "alpine:3.20")], None);
        assert_eq!(i.stages[0].base, Base::Image("alpine:3.20".into()));
        // A global ARG naming a stage.
        let i = image_with(
            "ARG FLAVOUR=slim\nFROM scratch AS slim\nENV A=1\nFROM ${FLAVOUR}\n",
            &[],
            None,
        );
        assert_eq!(i.stages[1].base, Base::Stage(0));
        // A stage's ARG is not seen by a later FROM.
        let i = image_with("FROM scratch\nARG B=alpine\nFROM ${B}\n", &[], None);
        assert_eq!(i.stages[1].base, Base::Image(String::new()));
    }

    #[test]
    fn target_stage() {
        let df = "FROM scratch AS build\nCMD [\"build\"]\nFROM scratch AS Runtime\nCMD [\"run\"]\nFROM scratch\nCMD [\"test\"]\n";
        let argv = |t: Option<&str>| image_with(df, &[], t).pid1_argv().unwrap();
        assert_eq!(argv(None), ["test"]);
        assert_eq!(argv(Some("build")), ["build"]);
        assert_eq!(argv(Some("RUNTIME")), ["run"], "names are case-insensitive");
        let i = image_with(df, &[], Some("nope"));
        assert_eq!(i.pid1_argv().unwrap(), ["test"], "the last stage");
        assert!(i.target_error.as_deref().unwrap().contains("\"nope\""));
        assert_eq!(image_with(df, &[], Some("build")).target_error, None);
        // TARGETSTAGE is the target.
        let df = "ARG TARGETSTAGE\nFROM scratch AS app\nARG TARGETSTAGE\nCOPY $TARGETSTAGE.sh /x\n";
        assert_eq!(last_copy(&image_with(df, &[], Some("app"))).0, ["app.sh"]);
    }

    /// A script that branches on an ENV whose value is a build arg dsig does
    /// not know: on a Debian base (whose environment is otherwise known, an
    /// unset variable is empty) both branches stay possible.
    #[test]
    fn an_unknown_env_value_is_unknown_to_the_script() {
        let dir = std::path::PathBuf::from("/nonexistent-dsig-values-test");
        let df = "FROM debian:bookworm\nARG MODE\nENV MODE=${MODE}\nCOPY run.sh /run.sh\nCMD [\"/run.sh\"]\n";
        let script =
            "#!/bin/sh\nif [ \"$MODE\" = worker ]; then\n  exec worker\nfi\n/usr/local/bin/app\n";
        let lint = |args: &[(&str, &str)]| {
            let mut opts = crate::LintOptions::for_file(dir.join("Dockerfile"));
            opts.overlay.insert(dir.join("run.sh"), script.to_string());
            opts.build.args = args
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let df_ = crate::syntax::parse(df).unwrap();
            let image = Image::from_dockerfile_with(&df_, &opts.build);
            let fs = context::ContextFs::new(opts.context_dir(), &opts.overlay);
            let mut files = vec![];
            let chain = chain::build(&image, &df_, &fs, &mut files);
            let s = &chain.scripts[0];
            let mut ends: Vec<String> = s
                .flow
                .paths
                .iter()
                .map(|p| format!("{:?}", p.end).split_whitespace().take(1).collect())
                .collect();
            ends.sort();
            ends.dedup();
            // The base image's own ENV (PATH of debian) and $PWD are not the point.
            let env: Vec<(String, Option<String>)> = s
                .env
                .iter()
                .filter(|(k, _)| k != "PATH" && k != "PWD")
                .cloned()
                .collect();
            (env, ends, s.flow.paths.len())
        };
        let (env, ends, n) = lint(&[]);
        assert_eq!(env, [("MODE".to_string(), None)]);
        assert_eq!(
            (n, ends),
            (2, vec!["Exec".to_string(), "Foreground".to_string()]),
            "both branches"
        );
        let (env, _, n) = lint(&[("MODE", "worker")]);
        assert_eq!(env, [("MODE".to_string(), Some("worker".to_string()))]);
        assert_eq!(n, 1, "the worker branch only");
        let (_, _, n) = lint(&[("MODE", "web")]);
        assert_eq!(n, 1, "the app branch only");
    }

    /// Values that double at each ARG, and lookups that would walk a long
    /// chain of stages again and again, stay bounded: past the bounds a
    /// value is unknown.
    #[test]
    fn hostile_values_are_bounded() {
        let mut df = String::from("FROM scratch\nARG A0=0123456789abcdef\n");
        for i in 1..64 {
            let _ = writeln!(df, "ARG A{i}=$A{p}$A{p}", p = i - 1);
        }
        df.push_str("COPY $A63 /x\nCOPY $A8 /y\n");
        let t = std::time::Instant::now();
        let i = image_with(&df, &[], None);
        let copies: Vec<CopyOp> = i.stages[0].copies.iter().cloned().collect();
        assert!(copies[0].unknown);
        assert_eq!(copies[1].sources[0].len(), 16 << 8);
        let n = 20_000;
        let mut df = String::from("FROM scratch AS s0\n");
        for k in 1..n {
            let _ = write!(df, "FROM s{} AS s{k}\nENV V{k}=1\nCOPY a$U{k} /x\n", k - 1);
        }
        let i = image_with(&df, &[], None);
        assert!(last_copy(&i).2, "out of lookups: unknown");
        assert_eq!(i.stages[1].copies.iter().next().unwrap().sources, ["a"]);
        assert!(t.elapsed() < std::time::Duration::from_secs(30));
    }

    #[test]
    fn shells_from_images() {
        let k = |r| match classify_image(r) {
            SystemShell::Known(k, _) => Some(k),
            _ => None,
        };
        assert_eq!(k("debian:bookworm-slim"), Some(ShellKind::Dash));
        assert_eq!(k("node:20-alpine"), Some(ShellKind::Ash));
        assert_eq!(k("python:3.12"), Some(ShellKind::Dash));
        assert_eq!(
            k("registry.access.redhat.com/ubi9/ubi-minimal"),
            Some(ShellKind::Bash)
        );
        assert_eq!(k("wangyanglinux/go:run1.0"), None);
        assert!(matches!(
            classify_image("gcr.io/distroless/static"),
            SystemShell::Missing(_)
        ));
        let i = image("ARG BASE=alpine:3.19\nFROM ${BASE} AS b\nFROM b\nCMD x\n");
        assert!(matches!(
            i.system_shell(),
            SystemShell::Known(ShellKind::Ash, _)
        ));
    }
}
