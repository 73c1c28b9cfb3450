//! The image a Dockerfile builds, as far as PID 1 is concerned.
//!
//! Per stage: the base (an earlier stage, an external image, or `scratch`),
//! the effective ENTRYPOINT and CMD with Docker's inheritance rules, SHELL,
//! WORKDIR, USER, STOPSIGNAL, ENV, and the files copied in. A stage built
//! FROM an external image inherits values dsig cannot see: those are
//! [`Setting::Unknown`], never treated as empty.

pub mod app;
pub mod chain;
pub mod context;
pub mod init;

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

    pub fn is_empty(&self) -> bool {
        self.last.is_none()
    }

    /// The number of items (a walk of the list).
    pub fn len(&self) -> usize {
        let mut n = 0;
        let mut cur = self.last.as_deref();
        while let Some(l) = cur {
            n += 1;
            cur = l.prev.as_deref();
        }
        n
    }

    /// The items, oldest first.
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
/// the stages built FROM it.
#[derive(Clone, Default)]
pub struct Env {
    sets: Layered<(String, String)>,
}

impl Env {
    pub fn set(&mut self, key: String, value: String) {
        self.sets.push((key, value));
    }

    /// The variables and their values, in the order in which each was last
    /// set.
    pub fn iter(&self) -> std::vec::IntoIter<&(String, String)> {
        let all: Vec<&(String, String)> = self.sets.iter().collect();
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, (k, _)) in all.iter().enumerate() {
            last.insert(k.as_str(), i);
        }
        let live: Vec<&(String, String)> = all
            .iter()
            .enumerate()
            .filter(|(i, (k, _))| last.get(k.as_str()) == Some(i))
            .map(|(_, p)| *p)
            .collect();
        live.into_iter()
    }

    pub fn to_vec(&self) -> Vec<(String, String)> {
        self.iter().cloned().collect()
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub stages: Vec<Stage>,
}

impl Image {
    /// The final stage (the one `docker build` produces by default).
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The argv of PID 1: ENTRYPOINT's argv followed by CMD's (CMD is
    /// ignored after a shell-form ENTRYPOINT's string, as Docker does: it is
    /// passed as `$0...` to `sh -c`, which never reads it). `None` when a part
    /// is unknown.
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
    pub fn base_env_known(&self) -> bool {
        let Some(mut st) = self.final_stage() else {
            return false;
        };
        loop {
            match &st.base {
                Base::Scratch => return true,
                Base::Stage(i) if *i < self.stages.len() => st = &self.stages[*i],
                Base::Stage(_) => return false,
                Base::Image(r) => {
                    let r = r.to_ascii_lowercase();
                    let (name, _) = split_ref(&r);
                    let base = name.rsplit('/').next().unwrap_or(name);
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
                Base::Image(r) => return classify_image(r),
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
    let src = op.sources[0].rsplit('/').next().unwrap_or(&op.sources[0]);
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
pub fn classify_image(reference: &str) -> SystemShell {
    let r = reference.to_ascii_lowercase();
    let (name, tag) = split_ref(&r);
    let base = name.rsplit('/').next().unwrap_or(name);
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

/// Substitute `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR-default}` from
/// `vars`; unknown variables become empty (as BuildKit does for FROM).
pub fn substitute(s: &str, vars: &HashMap<String, String>) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            if b[i + 1] == b'{' {
                if let Some(close) = s[i..].find('}') {
                    let inner = &s[i + 2..i + close];
                    let (name, default) = match inner.find(":-").or_else(|| inner.find('-')) {
                        Some(p) => {
                            let skip = if inner[p..].starts_with(":-") { 2 } else { 1 };
                            (&inner[..p], Some(&inner[p + skip..]))
                        }
                        None => (inner, None),
                    };
                    match vars.get(name).filter(|v| !v.is_empty()) {
                        Some(v) => out.push_str(v),
                        None => out.push_str(default.unwrap_or("")),
                    }
                    i += close + 1;
                    continue;
                }
            } else if b[i + 1].is_ascii_alphabetic() || b[i + 1] == b'_' {
                let n = s[i + 1..]
                    .bytes()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    .count();
                out.push_str(vars.get(&s[i + 1..i + 1 + n]).map_or("", |v| v.as_str()));
                i += 1 + n;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Remove one level of shell-like quoting from an ENV/ARG value as BuildKit
/// keeps it (`"a b"` → `a b`, `a\ b` → `a b`).
pub fn unquote(v: &str, escape: char) -> String {
    let mut out = String::new();
    let mut q: Option<char> = None;
    let mut it = v.chars();
    while let Some(c) = it.next() {
        match (q, c) {
            (None, '"' | '\'') => q = Some(c),
            (Some(open), c) if c == open => q = None,
            (Some('\''), c) => out.push(c),
            (_, c) if c == escape => {
                if let Some(n) = it.next() {
                    out.push(n);
                }
            }
            (_, c) => out.push(c),
        }
    }
    out
}

const DEFAULT_SHELL: [&str; 2] = ["/bin/sh", "-c"];

impl Image {
    /// Build the model from a parsed Dockerfile.
    pub fn from_dockerfile(df: &Dockerfile) -> Image {
        let mut stages: Vec<Stage> = Vec::new();
        let mut global_args: HashMap<String, String> = HashMap::new();
        let mut cmd_set_in_stage = false;
        // Stage name -> index of the latest stage of that name: one lookup
        // per FROM instead of a scan of all earlier stages (quadratic in
        // stages on large multi-stage files).
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (at, ins) in df.instructions.iter().enumerate() {
            if ins.kind == Kind::From {
                let words: Vec<&str> = match &ins.args {
                    Args::List(w) => w.iter().map(|w| w.value.as_str()).collect(),
                    _ => vec![],
                };
                let raw = words.first().copied().unwrap_or("");
                let reference = substitute(raw, &global_args);
                let name = match words.as_slice() {
                    [_, as_, n, ..] if as_.eq_ignore_ascii_case("as") => {
                        Some(n.to_ascii_lowercase())
                    }
                    _ => None,
                };
                let lower = reference.to_ascii_lowercase();
                let parent = by_name.get(lower.as_str()).copied();
                let mut st = match parent {
                    Some(p) => {
                        let mut s = stages[p].clone();
                        s.base = Base::Stage(p);
                        // The parent's files stay in the image.
                        s.cmd_instructions.clear();
                        s.entrypoint_instructions.clear();
                        s
                    }
                    None if known_os_base(&lower).is_some() => {
                        let cmd = known_os_base(&lower).unwrap_or_default();
                        Stage {
                            name: None,
                            from_at: at,
                            end: at + 1,
                            base: Base::Image(reference.clone()),
                            base_ref: reference.clone(),
                            entrypoint: Setting::Unset,
                            cmd: Setting::Set {
                                value: Command::Exec(cmd.iter().map(|s| s.to_string()).collect()),
                                at,
                            },
                            shell: DEFAULT_SHELL.iter().map(|s| s.to_string()).collect(),
                            workdir: Setting::Unset,
                            user: Setting::Unset,
                            stopsignal: Setting::Unset,
                            env: Env::default(),
                            copies: Layered::default(),
                            cmd_instructions: vec![],
                            entrypoint_instructions: vec![],
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
                            shell: DEFAULT_SHELL.iter().map(|s| s.to_string()).collect(),
                            workdir: inherit(scratch),
                            user: inherit(scratch),
                            stopsignal: inherit(scratch),
                            env: Env::default(),
                            copies: Layered::default(),
                            cmd_instructions: vec![],
                            entrypoint_instructions: vec![],
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
                continue;
            }
            let Some(st) = stages.last_mut() else {
                // Before the first FROM only ARG is meaningful: global build args.
                if let Args::Words(ws) = &ins.args {
                    for w in ws {
                        let (k, v) = w.value.split_once('=').unwrap_or((&w.value, ""));
                        global_args.insert(k.to_string(), unquote(v, df.escape));
                    }
                }
                continue;
            };
            st.end = at + 1;
            match (&ins.kind, &ins.args) {
                (Kind::Cmd, args) => {
                    st.cmd_instructions.push(at);
                    cmd_set_in_stage = true;
                    st.cmd = command(args, &st.shell)
                        .map_or(Setting::Unset, |value| Setting::Set { value, at });
                }
                (Kind::Entrypoint, args) => {
                    st.entrypoint_instructions.push(at);
                    st.entrypoint = command(args, &st.shell)
                        .map_or(Setting::Unset, |value| Setting::Set { value, at });
                    // Docker: ENTRYPOINT resets a CMD that was not set in this stage.
                    if !cmd_set_in_stage {
                        st.cmd = Setting::Unset;
                    }
                }
                (Kind::Shell, Args::Exec(w)) if !w.is_empty() => {
                    st.shell = w.iter().map(|w| w.value.clone()).collect();
                }
                (Kind::Workdir, Args::Text(t)) => {
                    let v = t.value.clone();
                    let joined = match (&st.workdir, v.starts_with('/')) {
                        (Setting::Set { value, .. }, false) => {
                            format!("{}/{}", value.trim_end_matches('/'), v)
                        }
                        (_, _) => v,
                    };
                    st.workdir = Setting::Set { value: joined, at };
                }
                (Kind::User, Args::Text(t)) => {
                    st.user = Setting::Set {
                        value: t.value.clone(),
                        at,
                    }
                }
                (Kind::StopSignal, Args::Text(t)) => {
                    st.stopsignal = Setting::Set {
                        value: t.value.clone(),
                        at,
                    }
                }
                (Kind::Env, Args::KeyValues { pairs, legacy }) => {
                    for (k, v) in pairs {
                        let val = if *legacy {
                            v.value.clone()
                        } else {
                            unquote(&v.value, df.escape)
                        };
                        st.env.set(k.value.clone(), val);
                    }
                }
                (Kind::Copy | Kind::Add, args) => {
                    let mut words: Vec<String> = match args {
                        Args::Exec(w) | Args::List(w) => {
                            w.iter().map(|w| w.value.clone()).collect()
                        }
                        _ => vec![],
                    };
                    if words.is_empty() {
                        continue;
                    }
                    let dest = words.pop().unwrap_or_default();
                    let heredocs: Vec<String> =
                        ins.heredocs.iter().map(|h| h.name.clone()).collect();
                    words.retain(|w| !w.starts_with("<<"));
                    st.copies.push(CopyOp {
                        at,
                        sources: words,
                        dest,
                        from: ins.flag("from").and_then(|f| f.value.clone()),
                        chmod: ins.flag("chmod").and_then(|f| f.value.clone()),
                        heredocs,
                        workdir: st.workdir.get().map(|(w, _)| w.clone()),
                        parents: ins.flag("parents").is_some(),
                        link: ins.flag("link").is_some(),
                        unknown: false,
                    });
                }
                _ => {}
            }
        }
        Image { stages }
    }
}

fn command(args: &Args, shell: &[String]) -> Option<Command> {
    match args {
        Args::Exec(w) => Some(Command::Exec(w.iter().map(|w| w.value.clone()).collect())),
        Args::Shell { text, .. } => Some(Command::Shell {
            text: text.value.clone(),
            shell: shell.to_vec(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            image("FROM node:20\nCMD [\"a\"]\n").pid1_argv(),
            None,
            "unknown base: unknown ENTRYPOINT"
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
        let env =
            |s: &str| -> Vec<(String, String)> { image(s).final_stage().unwrap().env.to_vec() };
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
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
            df.push_str(&format!(
                "FROM s{} AS s{i}\nCOPY a /a{i}\nENV V{}=1\n",
                i - 1,
                i % 3
            ));
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
        assert_eq!(env[0], ("PATH".to_string(), "/x".to_string()));
        assert!(matches!(i.system_shell(), SystemShell::Missing(_)));
        drop(i);
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
