//! Compose files: each service's `build` (a context string, or a mapping
//! with `context`, `dockerfile`, `args` as a mapping or a list, `target`)
//! and its `image` (the tag of what it builds).
//!
//! `compose.yaml`, `compose.yml`, `docker-compose.yaml` and
//! `docker-compose.yml` are the base files; `compose.override.yaml` (and
//! the other `*.override.*` names) are merged into them, as `docker compose`
//! does by default. Any other `compose.*.yaml` / `docker-compose.*.yml`
//! (`docker-compose.prod.yml`) is a variant, used with `-f base -f variant`:
//! its services, merged over the base's, are configurations of their own.
//!
//! Values are interpolated (`${VAR:-default}`) with the `.env` file beside
//! the compose file; a variable that is neither there nor given a default
//! leaves the value unknown (the shell's environment is not read: what it
//! holds at build time is not known).

use std::collections::HashMap;
use std::path::Path;

use super::run::{argv_of, Argv, At};
use super::yaml::{self, Kind, Node};
use super::{BuildConfig, Warning};

const BASE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];
/// Compose files read per directory, at most.
const MAX_FILES: usize = 32;
/// Services read per file, at most.
const MAX_SERVICES: usize = 1000;

/// A service as one file writes it (values not interpolated yet).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    /// It has a `build` key.
    pub build: bool,
    pub context: Option<String>,
    pub dockerfile: Option<String>,
    /// `dockerfile_inline`: no Dockerfile on disk.
    pub inline: bool,
    /// Each arg with its value; `None`: taken from the environment.
    pub args: Vec<(String, Option<String>)>,
    pub target: Option<String>,
    pub image: Option<String>,
    /// How it runs (spans in its file; `file` is set by the caller).
    pub run: RunFields,
}

/// What a service sets of how its container runs, with where each value is
/// written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFields {
    /// The service's key (its name).
    pub key: At<()>,
    pub image: Option<At<()>>,
    pub build: Option<At<()>>,
    pub entrypoint: Option<At<Argv>>,
    pub command: Option<At<Argv>>,
    pub init: Option<At<bool>>,
    pub stop_signal: Option<At<String>>,
    /// `stop_grace_period` in seconds (`None` inside: not a duration dsig reads).
    pub stop_grace_period: Option<At<Option<u64>>>,
    /// Where `init: true` would be inserted: the offset of the line of the
    /// service's first key, and that key's indentation (a block mapping
    /// only).
    pub insert_at: Option<(usize, String)>,
    /// `environment:` entries with a value (as written, not interpolated);
    /// one taken from the shell's environment (`- KEY`, `KEY:`) is left out.
    pub environment: Vec<(String, String)>,
    /// `env_file:` paths, relative to the compose file's directory.
    pub env_files: Vec<String>,
    /// Bind mounts of a path of the project (`./src:/app`, long syntax
    /// `type: bind`): (host path as written, container path). Named
    /// volumes and absolute host paths are left out.
    pub binds: Vec<(String, String)>,
    /// `working_dir`.
    pub working_dir: Option<String>,
}

impl RunFields {
    /// Every span in file number `file`.
    pub fn set_file(&mut self, file: usize) {
        self.key.file = file;
        for a in [&mut self.image, &mut self.build].into_iter().flatten() {
            a.file = file;
        }
        for a in [&mut self.entrypoint, &mut self.command]
            .into_iter()
            .flatten()
        {
            a.file = file;
        }
        if let Some(a) = &mut self.init {
            a.file = file;
        }
        if let Some(a) = &mut self.stop_signal {
            a.file = file;
        }
        if let Some(a) = &mut self.stop_grace_period {
            a.file = file;
        }
    }

    /// `over`'s fields replace these (compose's merge of `-f` files).
    fn merge(&mut self, over: &RunFields, over_file: usize) {
        let mut over = over.clone();
        over.set_file(over_file);
        macro_rules! take {
            ($($f:ident),*) => { $( if over.$f.is_some() { self.$f = over.$f.take(); } )* };
        }
        take!(
            image,
            build,
            entrypoint,
            command,
            init,
            stop_signal,
            stop_grace_period
        );
    }
}

/// The compose file names in `dir`: base files first, then the others
/// sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut others: Vec<String> = Vec::new();
    let mut bases: Vec<String> = Vec::new();
    for e in entries.filter_map(Result::ok).take(100_000) {
        let Ok(name) = e.file_name().into_string() else {
            continue;
        };
        if BASE_NAMES.contains(&name.as_str()) {
            bases.push(name);
        } else if is_variant(&name) {
            others.push(name);
        }
    }
    bases.sort_by_key(|n| BASE_NAMES.iter().position(|b| b == n));
    others.sort();
    bases.extend(others);
    bases.truncate(MAX_FILES);
    bases
}

/// `compose.X.yaml`, `docker-compose.X.yml`, ... (a variant, or a default
/// override when `X` holds `override`).
pub fn is_variant(name: &str) -> bool {
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"));
    let Some(stem) = stem else { return false };
    let rest = stem
        .strip_prefix("docker-compose.")
        .or_else(|| stem.strip_prefix("compose."));
    rest.is_some_and(|r| !r.is_empty())
}

/// A variant that is not a default override (`docker-compose.prod.yml`):
/// used with `-f base -f variant`.
#[must_use]
pub fn is_variant_only(name: &str) -> bool {
    is_variant(name) && !is_default_override(name)
}

fn is_default_override(name: &str) -> bool {
    name.contains(".override.")
}

/// Read `dir/.env` (`KEY=VALUE` lines, `export` and quotes allowed); a
/// missing or unreadable file is empty.
#[must_use]
pub fn read_env(dir: &Path, root_real: &Path, shown: &str) -> HashMap<String, String> {
    match super::read_build_file(&dir.join(".env"), root_real, shown) {
        Ok(Some(text)) => parse_env(&text),
        _ => HashMap::new(),
    }
}

/// The variables of a `.env` text.
#[must_use]
pub fn parse_env(text: &str) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let v = v.trim();
        let v = if v.len() >= 2
            && ((v.starts_with('"') && v.ends_with('"'))
                || (v.starts_with('\'') && v.ends_with('\'')))
        {
            &v[1..v.len() - 1]
        } else {
            // An unquoted value ends at ` #`.
            v.split(" #").next().unwrap_or(v).trim_end()
        };
        vars.insert(k.to_string(), v.to_string());
    }
    vars
}

/// A scalar's text (numbers and booleans as written).
fn text(node: &Node) -> Option<String> {
    node.as_str().map(str::to_string)
}

/// The services of a compose file.
///
/// # Errors
/// A warning, with its line and column, when the file is not valid YAML.
pub fn parse(shown: &str, source: &str) -> Result<Vec<Service>, Warning> {
    let docs = yaml::parse(source).map_err(|e| {
        Warning::at(
            shown,
            e.line,
            e.col,
            format!("not valid YAML: {}", e.message),
        )
    })?;
    Ok(services_of(&docs, source))
}

/// The services of a compose file already parsed into `docs` (its text is
/// `source`).
#[must_use]
pub fn services_of(docs: &[Node], source: &str) -> Vec<Service> {
    let Some(doc) = docs.first() else {
        return Vec::new();
    };
    let Some(services) = doc.get("services") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name_node, svc) in services.entries().into_iter().take(MAX_SERVICES) {
        let Some(name) = name_node.as_str() else {
            continue;
        };
        let mut s = Service {
            name: name.to_string(),
            image: svc.get("image").and_then(text),
            run: run_fields(name_node, svc, source),
            ..Service::default()
        };
        if let Some(build) = svc.get("build") {
            s.build = true;
            match &build.kind {
                Kind::Scalar { .. } => s.context = text(build),
                Kind::Map(_) => {
                    s.context = build.get("context").and_then(text);
                    s.dockerfile = build.get("dockerfile").and_then(text);
                    s.inline = build.get("dockerfile_inline").is_some();
                    s.target = build.get("target").and_then(text);
                    if let Some(args) = build.get("args") {
                        s.args = args_of(args);
                    }
                }
                Kind::Seq(_) => s.build = false,
            }
        }
        out.push(s);
    }
    out
}

fn at<T>(node: &Node, value: T) -> At<T> {
    At {
        value,
        file: 0,
        span: node.span.clone(),
    }
}

/// The run fields of service `svc`, named by `key`, in `source`.
fn run_fields(key: &Node, svc: &Node, source: &str) -> RunFields {
    let argv = |k: &str| {
        let n = svc.get(k)?;
        argv_of(n, source, true).map(|a| at(n, a))
    };
    let insert_at = match &svc.kind {
        Kind::Map(entries) => entries.first().and_then(|(k, _)| {
            let start = crate::diagnostic::line_start(source, k.span.start.min(source.len()));
            let indent = source.get(start..k.span.start)?;
            (!indent.is_empty() && indent.bytes().all(|b| b == b' '))
                .then(|| (start, indent.to_string()))
        }),
        _ => None,
    };
    RunFields {
        key: at(key, ()),
        image: svc.get("image").map(|n| at(n, ())),
        build: svc.get("build").map(|n| at(n, ())),
        entrypoint: argv("entrypoint"),
        command: argv("command"),
        init: svc.get("init").and_then(|n| {
            let v = n.as_str()?;
            Some(at(n, matches!(v, "true" | "True" | "TRUE")))
        }),
        stop_signal: svc
            .get("stop_signal")
            .and_then(|n| n.as_str().map(|v| at(n, v.to_string()))),
        stop_grace_period: svc
            .get("stop_grace_period")
            .and_then(|n| n.as_str().map(|v| at(n, duration_seconds(v)))),
        insert_at,
        environment: svc
            .get("environment")
            .map(environment_of)
            .unwrap_or_default(),
        env_files: svc.get("env_file").map(env_files_of).unwrap_or_default(),
        binds: svc.get("volumes").map(binds_of).unwrap_or_default(),
        working_dir: svc.get("working_dir").and_then(text),
    }
}

/// `environment:` as a mapping or a list of `KEY=VALUE`.
fn environment_of(node: &Node) -> Vec<(String, String)> {
    match &node.kind {
        Kind::Map(_) => node
            .entries()
            .into_iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), text(v)?)))
            .collect(),
        Kind::Seq(items) => items
            .iter()
            .filter_map(|i| {
                let (k, v) = i.as_str()?.split_once('=')?;
                Some((k.to_string(), v.to_string()))
            })
            .collect(),
        Kind::Scalar { .. } => Vec::new(),
    }
}

/// The bind mounts of a project path among `volumes:` (short `SRC:DST[:MODE]`
/// or long `{type: bind, source, target}`).
fn binds_of(node: &Node) -> Vec<(String, String)> {
    let relative = |s: &str| s.starts_with("./") || s.starts_with("../") || s == ".";
    let Some(items) = node.as_seq() else {
        return Vec::new();
    };
    items
        .iter()
        .take(64)
        .filter_map(|i| match &i.kind {
            Kind::Scalar { .. } => {
                let s = i.as_str()?;
                let mut parts = s.splitn(3, ':');
                let (src, dst) = (parts.next()?, parts.next()?);
                (relative(src) && dst.starts_with('/')).then(|| (src.to_string(), dst.to_string()))
            }
            Kind::Map(_) => {
                if i.get("type").and_then(Node::as_str) != Some("bind") {
                    return None;
                }
                let src = text(i.get("source")?)?;
                let dst = text(i.get("target")?)?;
                (relative(&src) && dst.starts_with('/')).then_some((src, dst))
            }
            Kind::Seq(_) => None,
        })
        .collect()
}

/// `env_file:` as a path, a list of paths, or a list of `{path: ...}`.
fn env_files_of(node: &Node) -> Vec<String> {
    match &node.kind {
        Kind::Scalar { .. } => text(node).into_iter().collect(),
        Kind::Seq(items) => items
            .iter()
            .filter_map(|i| text(i).or_else(|| i.get("path").and_then(text)))
            .take(64)
            .collect(),
        Kind::Map(_) => Vec::new(),
    }
}

/// A compose duration (`10s`, `1m30s`, `1h`, `500ms`, or a number of
/// seconds) in whole seconds, rounded down.
#[must_use]
pub fn duration_seconds(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let mut total_ms: u64 = 0;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit() && c != '.')?;
        let (num, tail) = rest.split_at(digits);
        let n: f64 = num.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let ms = match unit {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return None,
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let add = (n * ms) as u64;
        total_ms = total_ms.saturating_add(add);
        rest = tail;
    }
    Some(total_ms / 1000)
}

/// `args:` as a mapping (`K: V`, `K:` from the environment) or a list
/// (`- K=V`, `- K` from the environment).
fn args_of(node: &Node) -> Vec<(String, Option<String>)> {
    match &node.kind {
        Kind::Map(_) => node
            .entries()
            .into_iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), text(v))))
            .collect(),
        Kind::Seq(items) => items
            .iter()
            .filter_map(|i| {
                let s = i.as_str()?;
                Some(match s.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (s.to_string(), None),
                })
            })
            .collect(),
        Kind::Scalar { .. } => Vec::new(),
    }
}

/// `over` merged onto `base` (compose's `-f base -f over`).
fn merge(base: &Service, over: &Service) -> Service {
    let mut m = base.clone();
    m.build |= over.build;
    for (field, value) in [
        (&mut m.context, &over.context),
        (&mut m.dockerfile, &over.dockerfile),
        (&mut m.target, &over.target),
        (&mut m.image, &over.image),
    ] {
        if value.is_some() {
            field.clone_from(value);
        }
    }
    m.inline |= over.inline;
    m.run.merge(&over.run, 0);
    for (k, v) in &over.args {
        m.args.retain(|(ok, _)| ok != k);
        m.args.push((k.clone(), v.clone()));
    }
    m
}

/// Which compose files make up the project that file `target` of `files`
/// (names as in [`file_names`]) is linted in, in merge order: a base file or
/// a default override goes with every base file and default override of its
/// directory (`docker compose` with no `-f`), a variant with the base files
/// (`-f base -f variant`), any other file alone.
#[must_use]
pub fn project_files(names: &[&str], target: usize) -> Vec<usize> {
    let default = |n: &str| BASE_NAMES.contains(&n) || is_default_override(n);
    let Some(name) = names.get(target) else {
        return Vec::new();
    };
    if default(name) {
        (0..names.len()).filter(|&i| default(names[i])).collect()
    } else if is_variant(name) {
        let mut v: Vec<usize> = (0..names.len())
            .filter(|&i| BASE_NAMES.contains(&names[i]))
            .collect();
        v.push(target);
        v
    } else {
        vec![target]
    }
}

/// Whether a file named `name` is linted as part of a base file's project
/// when one is beside it (a default override): its own lint then reports
/// nothing.
#[must_use]
pub fn covered_by_base(name: &str, names: &[&str]) -> bool {
    is_default_override(name) && names.iter().any(|n| BASE_NAMES.contains(n))
}

/// Whether `name` is a compose file name ([`file_names`] would list it).
#[must_use]
pub fn is_compose_name(name: &str) -> bool {
    BASE_NAMES.contains(&name) || is_variant(name)
}

/// The services of the files `order` (indices into `files`, each with its
/// services) merged in that order; each run field's `file` is the index of
/// the file that wrote it.
#[must_use]
pub fn merged(files: &[Vec<Service>], order: &[usize]) -> Vec<Service> {
    let mut out: Vec<Service> = Vec::new();
    for &i in order {
        let Some(services) = files.get(i) else {
            continue;
        };
        for s in services {
            match out.iter_mut().find(|b| b.name == s.name) {
                Some(b) => {
                    let run = b.run.clone();
                    *b = merge(b, s);
                    b.run = run;
                    b.run.merge(&s.run, i);
                }
                None => {
                    let mut s = s.clone();
                    s.run.set_file(i);
                    out.push(s);
                }
            }
        }
    }
    out
}

/// The build configuration of service `s` of a compose file of `dir`, its
/// values interpolated with `env` (`None`: it builds nothing dsig can read).
#[must_use]
pub fn build_config(
    dir: &Path,
    shown: &str,
    s: &Service,
    env: &HashMap<String, String>,
) -> Option<BuildConfig> {
    let lookup = |name: &str| env.get(name).cloned();
    config(dir, shown, s, &lookup)
}

/// The configurations of the compose files of `dir` (absolute): `files` is
/// each file's name, its name as shown, and its services.
#[must_use]
pub fn configs(
    dir: &Path,
    files: &[(String, String, Vec<Service>)],
    env: &HashMap<String, String>,
) -> Vec<BuildConfig> {
    let lookup = |name: &str| env.get(name).cloned();
    // The base files with their default overrides, merged.
    let mut base: Vec<(String, Service)> = Vec::new();
    for (name, shown, services) in files {
        if !(BASE_NAMES.contains(&name.as_str()) || is_default_override(name)) {
            continue;
        }
        for s in services {
            match base.iter_mut().find(|(_, b)| b.name == s.name) {
                Some((_, b)) => *b = merge(b, s),
                None => base.push((shown.clone(), s.clone())),
            }
        }
    }
    let mut out: Vec<BuildConfig> = base
        .iter()
        .filter_map(|(shown, s)| config(dir, shown, s, &lookup))
        .collect();
    // A service without an init that runs an image another one builds: that
    // image does not always run with an init.
    for (_, s) in &base {
        if s.build || s.run.init.as_ref().is_some_and(|i| i.value) {
            continue;
        }
        let Some(image) = s
            .image
            .as_ref()
            .and_then(|i| super::interpolate(i, &lookup))
        else {
            continue;
        };
        for c in &mut out {
            if c.tags.contains(&image) {
                c.run_init = false;
            }
        }
    }
    for (name, shown, services) in files {
        if BASE_NAMES.contains(&name.as_str()) || is_default_override(name) {
            continue;
        }
        for s in services {
            let merged = match base.iter().find(|(_, b)| b.name == s.name) {
                Some((_, b)) => merge(b, s),
                None => s.clone(),
            };
            out.extend(config(dir, shown, &merged, &lookup));
        }
    }
    out
}

fn config(
    dir: &Path,
    shown: &str,
    s: &Service,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Option<BuildConfig> {
    if !s.build || s.inline {
        return None;
    }
    let value = |raw: &Option<String>| -> Option<Option<String>> {
        match raw {
            None => Some(None),
            Some(r) => super::interpolate(r, lookup).map(Some),
        }
    };
    let context = value(&s.context)?.unwrap_or_else(|| ".".to_string());
    if !super::local_path(&context) {
        return None;
    }
    let dockerfile = value(&s.dockerfile)?.unwrap_or_else(|| "Dockerfile".to_string());
    if !super::local_path(&dockerfile) {
        return None;
    }
    let target = value(&s.target)?.filter(|t| !t.is_empty());
    let context = super::clean(&dir.join(context));
    let dockerfile = super::clean(&context.join(dockerfile));
    let mut args = Vec::new();
    let mut unknown_args = Vec::new();
    for (k, v) in &s.args {
        let known = match v {
            Some(raw) => super::interpolate(raw, lookup),
            None => lookup(k),
        };
        match known {
            Some(v) => args.push((k.clone(), v)),
            None => unknown_args.push(k.clone()),
        }
    }
    let tags = s
        .image
        .as_ref()
        .and_then(|i| super::interpolate(i, lookup))
        .filter(|i| !i.is_empty())
        .into_iter()
        .collect();
    Some(BuildConfig {
        origin: format!("{shown} service \"{}\"", s.name),
        dockerfile,
        context,
        args,
        unknown_args,
        target,
        tags,
        run_init: s.run.init.as_ref().is_some_and(|i| i.value),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn services() {
        let text = r#"
x-build: &build
  context: ..
  dockerfile: docker/Dockerfile
services:
  web:
    image: "org/web:${TAG:-dev}"
    build:
      <<: *build
      args:
        PY: "3.12"
        FROM_ENV:
        HOME_DIR: ${HOME_DIR}
      target: runtime
  worker:
    build: ./worker
  db:
    image: postgres:16
"#;
        let services = parse("docker/compose.yaml", text).expect("valid");
        assert_eq!(services.len(), 3);
        let env: HashMap<String, String> = [("FROM_ENV".to_string(), "x".to_string())].into();
        let files = vec![(
            "compose.yaml".to_string(),
            "docker/compose.yaml".to_string(),
            services,
        )];
        let c = configs(Path::new("/r/docker"), &files, &env);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].origin, "docker/compose.yaml service \"web\"");
        assert_eq!(c[0].context, PathBuf::from("/r"));
        assert_eq!(c[0].dockerfile, PathBuf::from("/r/docker/Dockerfile"));
        assert_eq!(c[0].target.as_deref(), Some("runtime"));
        assert_eq!(
            c[0].args,
            vec![
                ("PY".to_string(), "3.12".to_string()),
                ("FROM_ENV".to_string(), "x".to_string())
            ]
        );
        assert_eq!(c[0].unknown_args, vec!["HOME_DIR".to_string()]);
        assert_eq!(c[0].tags, vec!["org/web:dev".to_string()]);
        assert_eq!(
            c[1].dockerfile,
            PathBuf::from("/r/docker/worker/Dockerfile")
        );
    }

    /// A real compose file (getsentry/self-hosted at
    /// 89a143f8e4d396a858cf6f462a832ae7da9fd2db) with its .env: anchors,
    /// merge keys given as lists, args from the environment.
    #[test]
    fn real_sentry() {
        const REPO: &str = "getsentry/self-hosted";
        const AT: &str = "89a143f8e4d396a858cf6f462a832ae7da9fd2db";
        let (Some(text), Some(env)) = (
            crate::project::mirrored(REPO, AT, "docker-compose.yml"),
            crate::project::mirrored(REPO, AT, ".env"),
        ) else {
            return;
        };
        let text = text.as_str();
        let env = parse_env(&env);
        let services = parse("docker-compose.yml", text).expect("valid");
        assert!(services.len() > 50, "{}", services.len());
        let files = vec![(
            "docker-compose.yml".to_string(),
            "docker-compose.yml".to_string(),
            services,
        )];
        let c = configs(Path::new("/r"), &files, &env);
        let web = c
            .iter()
            .find(|c| c.origin == "docker-compose.yml service \"web\"")
            .expect("web builds through <<: *sentry_defaults");
        assert_eq!(web.dockerfile, PathBuf::from("/r/sentry/Dockerfile"));
        assert_eq!(
            web.args,
            vec![(
                "SENTRY_IMAGE".to_string(),
                "ghcr.io/getsentry/sentry:nightly".to_string()
            )]
        );
        assert_eq!(web.tags, vec!["sentry-self-hosted-local".to_string()]);
        let clickhouse = c
            .iter()
            .find(|c| c.origin == "docker-compose.yml service \"clickhouse\"")
            .expect("clickhouse");
        assert_eq!(clickhouse.context, PathBuf::from("/r/clickhouse"));
        assert!(clickhouse.args.iter().any(|(k, _)| k == "BASE_IMAGE"));
        // Services that only pull an image are no build.
        assert!(!c.iter().any(|c| c.origin.contains("\"postgres\"")));
    }

    #[test]
    fn variants_and_errors() {
        let base = parse("compose.yaml", "services:\n  app:\n    build: .\n").expect("valid");
        let prod = parse(
            "docker-compose.prod.yml",
            "services:\n  app:\n    build:\n      target: prod\n",
        )
        .expect("valid");
        let files = vec![
            ("compose.yaml".to_string(), "compose.yaml".to_string(), base),
            (
                "docker-compose.prod.yml".to_string(),
                "docker-compose.prod.yml".to_string(),
                prod,
            ),
        ];
        let c = configs(Path::new("/r"), &files, &HashMap::new());
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].target, None);
        assert_eq!(c[1].target.as_deref(), Some("prod"));
        assert_eq!(c[1].dockerfile, PathBuf::from("/r/Dockerfile"));
        let e = parse("compose.yaml", "services:\n  app: [\n").expect_err("invalid");
        assert_eq!(e.path, "compose.yaml");
        assert!(e.line >= 2, "{e:?}");
        assert!(is_variant("docker-compose.prod.yml"));
        assert!(!is_variant("compose.yaml"));
    }
}
