//! How the project runs its images: compose services and Kubernetes
//! containers, each a [`Unit`], linted as what really runs.
//!
//! A unit's image is the one its service builds (`build:`, followed like a
//! `FROM` of an image the project builds), or the image it names. What the
//! runtime changes is written as the Dockerfile instructions that mean the
//! same, after a `FROM` of that image: compose `entrypoint` / Kubernetes
//! `command` as `ENTRYPOINT` (which resets the image's CMD, as both
//! runtimes do), compose `command` / Kubernetes `args` as `CMD`,
//! `stop_signal` / `lifecycle.stopSignal` as `STOPSIGNAL`; `init: true`
//! puts docker-init in front ([`crate::Build::run_init`]). That text (never
//! shown) is linted by the Dockerfile rules, and every finding on it is
//! moved to the YAML node that wrote the instruction: findings point at
//! the compose or manifest file, named by their unit (`service "web": ...`).
//! Findings in the scripts the unit runs stay in the scripts.
//!
//! A unit that does not replace ENTRYPOINT or CMD is linted with the
//! image's own written out (from its Dockerfile, or the official image's
//! table), so that it gets a verdict ([`crate::diagnostic::UnitVerdict`]);
//! findings on those lines are the Dockerfile's and are not repeated at the
//! YAML. The unit's `environment`, `env_file` (compose) or `env` (Kubernetes)
//! are written as `ENV` (a startup script that branches on them is judged
//! on the path the unit takes), its `working_dir` as `WORKDIR`, and its bind
//! mounts of project paths as `COPY` from the repository root (the files
//! are there when the container starts, as if the build had put them).

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::yaml::{self, Kind, Node};
use super::{compose, k8s};
use crate::diagnostic::{
    Diagnostic, Edit, FileError, Fix, FixSafety, Report, Severity, SourceFile, UnitVerdict,
};
use crate::model::{Command, Setting};
use crate::{LintOptions, ProjectImage};

/// Units linted per file, at most (each is a whole lint of its image); the
/// others are listed as not judged.
pub const MAX_UNITS: usize = 256;

/// A value and where a YAML file writes it: `file` is an index into the
/// files of the project being linted, `span` a byte range of that file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct At<T> {
    pub value: T,
    pub file: usize,
    pub span: Range<usize>,
}

/// An argv as YAML writes it: a list, or one string split into words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Argv {
    pub words: Vec<String>,
    /// Per word, where it is: its list item, or the whole string.
    pub spans: Vec<Range<usize>>,
    /// Per word, the offset where its text is written as is (no quote or
    /// escape in it), when it is: an edit inside the word maps there.
    pub verbatim: Vec<Option<usize>>,
}

/// Where the text of a scalar `node` holding `value` starts, if it is
/// written as is (plain, or quoted without escapes).
fn verbatim_start(node: &Node, text: &str, value: &str) -> Option<usize> {
    let raw = text.get(node.span.clone())?;
    if raw == value {
        return Some(node.span.start);
    }
    let quoted = raw.len() >= 2
        && ((raw.starts_with('"') && raw.ends_with('"'))
            || (raw.starts_with('\'') && raw.ends_with('\'')));
    (quoted && &raw[1..raw.len() - 1] == value).then_some(node.span.start + 1)
}

/// The argv of `node`: a list of scalars, or (with `split`) a string split
/// like shell words (compose's rule: it is not run by `sh -c`). `None` for
/// anything else (a string that does not split: an open quote).
#[must_use]
pub fn argv_of(node: &Node, text: &str, split: bool) -> Option<Argv> {
    match &node.kind {
        Kind::Seq(items) => {
            let mut a = Argv::default();
            for item in items {
                let Kind::Scalar { value, .. } = &item.kind else {
                    return None;
                };
                a.words.push(value.clone());
                a.spans.push(item.span.clone());
                a.verbatim.push(verbatim_start(item, text, value));
            }
            Some(a)
        }
        Kind::Scalar { value, .. } if split => {
            let words = shlex::split(value)?;
            let base = verbatim_start(node, text, value);
            let mut a = Argv::default();
            let mut cursor = 0usize;
            for w in words {
                // A word written as is inside the string (not one whose
                // quotes shlex removed around a part of it).
                let found = value
                    .get(cursor..)
                    .and_then(|rest| rest.find(w.as_str()))
                    .map(|i| cursor + i);
                let verbatim = match (base, found) {
                    (Some(b), Some(i)) if !w.is_empty() => {
                        cursor = i + w.len();
                        Some(b + i)
                    }
                    _ => None,
                };
                a.verbatim.push(verbatim);
                a.spans.push(node.span.clone());
                a.words.push(w);
            }
            Some(a)
        }
        _ => None,
    }
}

/// What the runtime adds to how a unit stops, for the rules that read it
/// (spans in the linted text, moved to the YAML with the findings).
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    /// Seconds between the stop signal and SIGKILL.
    pub grace: Option<(u64, Range<usize>)>,
    /// `grace` is the runtime's default (the unit does not set one).
    pub grace_default: bool,
    /// `shareProcessNamespace: true`: the pod's pause container is PID 1.
    pub share_pid: Option<Range<usize>>,
    /// The `lifecycle.preStop` exec command.
    pub pre_stop: Option<(Vec<String>, Range<usize>)>,
    /// Where the unit is named.
    pub name: Range<usize>,
}

/// A compose service or a Kubernetes container.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    pub label: String,
    /// Where it is named: the service's key, the container's `name`.
    pub name: At<()>,
    pub kubernetes: bool,
    /// Where it builds its image (compose `build:`; the image is the
    /// project image tagged [`built_tag`]).
    pub build: Option<At<()>>,
    /// The image it names (interpolated; `None` inside: not known).
    pub image: Option<At<Option<String>>>,
    pub entrypoint: Option<At<Argv>>,
    pub command: Option<At<Argv>>,
    pub init: Option<At<bool>>,
    pub stop_signal: Option<At<String>>,
    pub grace: Option<At<Option<u64>>>,
    pub share_pid: Option<At<bool>>,
    pub pre_stop: Option<At<Argv>>,
    /// Where `init: true` goes (compose, a block mapping): file, offset of
    /// the line, indentation.
    pub insert_init: Option<(usize, usize, String)>,
    /// Bind mounts of project paths: (host path relative to the lint's
    /// context, the repository root; container path). Written as `COPY`:
    /// the files are there when the container starts, as the build puts
    /// them.
    pub binds: Vec<(String, String)>,
    /// `working_dir` / `workingDir`: the WORKDIR it runs in.
    pub working_dir: Option<String>,
    /// The directory `binds` are relative to (the repository root of a
    /// compose file).
    pub context: Option<PathBuf>,
    /// The container's environment that the unit sets (compose
    /// `environment` over `env_file`; Kubernetes `env` values), known values
    /// only: the startup scripts read it.
    pub env: Vec<(String, String)>,
}

impl Unit {
    /// Its verdict when dsig does not judge it.
    fn not_judged(&self) -> UnitVerdict {
        UnitVerdict {
            label: self.label.clone(),
            file: self.name.file,
            span: self.name.span.clone(),
            graceful: None,
            codes: Vec::new(),
        }
    }

    /// It replaces what the image runs.
    fn overrides(&self) -> bool {
        self.entrypoint.is_some() || self.command.is_some()
    }
}

/// One line of the linted text and the YAML node it stands for.
#[derive(Debug, Clone)]
struct Line {
    range: Range<usize>,
    file: usize,
    span: Range<usize>,
    /// Exec-form argv lines: their words.
    words: Vec<Word>,
    /// A line that the unit writes (not the FROM of its image).
    own: bool,
}

/// A word of an exec-form argv line.
#[derive(Debug, Clone)]
struct Word {
    /// Its range in the linted text (the JSON string's content), when JSON
    /// writes it as is.
    linted: Option<Range<usize>>,
    /// Where the YAML has it.
    yaml: Range<usize>,
    /// Where its text starts as is in the YAML ([`Argv::verbatim`]).
    verbatim: Option<usize>,
}

/// The text the unit runs as, and its lines.
#[derive(Debug, Default)]
struct Synth {
    text: String,
    lines: Vec<Line>,
}

impl Synth {
    fn line(&mut self, s: &str, (file, span): (usize, Range<usize>), own: bool) -> Range<usize> {
        let start = self.text.len();
        self.text.push_str(s);
        let range = start..self.text.len();
        self.text.push('\n');
        self.lines.push(Line {
            range: range.clone(),
            file,
            span,
            words: Vec::new(),
            own,
        });
        range
    }

    /// `KEYWORD ["a", "b"]` for `argv`, its words mapped.
    fn argv_line(&mut self, keyword: &str, argv: &At<Argv>) {
        let start = self.text.len();
        let mut s = format!("{keyword} [");
        let mut words = Vec::new();
        for (i, w) in argv.value.words.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            let json = serde_json::to_string(w).unwrap_or_else(|_| "\"\"".to_string());
            let content = start + s.len() + 1;
            let as_is = json.len() == w.len() + 2;
            s.push_str(&json);
            words.push(Word {
                linted: as_is.then(|| content..content + w.len()),
                yaml: argv.value.spans[i].clone(),
                verbatim: argv.value.verbatim[i],
            });
        }
        s.push(']');
        self.line(&s, (argv.file, argv.span.clone()), true);
        if let Some(l) = self.lines.last_mut() {
            l.words = words;
        }
    }
}

/// The tag that stands for the image a unit builds.
fn built_tag(n: usize) -> String {
    format!("dsig.invalid/run/unit-{n}:built")
}

/// A Dockerfile word for an image reference (no spaces or newlines).
fn safe_ref(r: &str) -> Option<&str> {
    (!r.is_empty() && r.len() < 512 && !r.chars().any(|c| c.is_whitespace() || c.is_control()))
        .then_some(r)
}

/// The image reference the linted text of `unit` (number `n`) starts
/// `FROM`.
fn reference(unit: &Unit, n: usize) -> String {
    match (&unit.build, &unit.image) {
        (Some(_), _) => built_tag(n),
        (None, Some(At { value: Some(r), .. })) => match safe_ref(r) {
            Some(r) => r.to_string(),
            None => UNKNOWN_IMAGE.to_string(),
        },
        _ => UNKNOWN_IMAGE.to_string(),
    }
}

const UNKNOWN_IMAGE: &str = "dsig.invalid/unknown-image";

/// What the image `reference` runs, as dsig's model of it says
/// (`images`: those the project builds).
struct Own {
    entrypoint: Setting<Command>,
    cmd: Setting<Command>,
    /// dsig knows the image's family (its `/bin/sh`, or that it has none).
    known: bool,
}

fn own(reference: &str, images: &Arc<Vec<ProjectImage>>, dockerfile: &Path) -> Own {
    let unknown = Own {
        entrypoint: Setting::Unknown,
        cmd: Setting::Unknown,
        known: false,
    };
    let text = format!("FROM {reference}\n");
    let Ok(df) = crate::syntax::parse(&text) else {
        return unknown;
    };
    let build = crate::Build {
        images: images.clone(),
        ..crate::Build::default()
    };
    let mut parents = crate::model::base::Parents::new(Some(dockerfile));
    let image = crate::model::Image::from_dockerfile_in(&df, &build, &mut parents);
    let Some(st) = image.final_stage() else {
        return unknown;
    };
    Own {
        entrypoint: st.entrypoint.clone(),
        cmd: st.cmd.clone(),
        known: !matches!(image.system_shell(), crate::model::SystemShell::Unknown(_)),
    }
}

/// A CMD or ENTRYPOINT as Dockerfile arguments: shell form stays shell form
/// (the rules on it judge it as written), anything else is JSON.
fn as_args(s: &Setting<Command>) -> Option<String> {
    match s {
        Setting::Set {
            value: Command::Shell { text, shell },
            ..
        } if shell == &["/bin/sh", "-c"] && !text.contains('\n') && !text.trim().is_empty() => {
            Some(text.clone())
        }
        Setting::Set { value, .. } => serde_json::to_string(&value.argv()).ok(),
        _ => None,
    }
}

/// The unit's `entrypoint`/`command` say again what its image runs: they
/// change nothing (and the Dockerfile's findings are not repeated).
fn restates(unit: &Unit, own: &Own) -> bool {
    let same = |a: &Option<At<Argv>>, s: &Setting<Command>| match (a, s) {
        (Some(a), Setting::Set { value, .. }) => a.value.words == value.argv(),
        _ => false,
    };
    match (&unit.entrypoint, &unit.command) {
        (None, Some(_)) => same(&unit.command, &own.cmd),
        // `entrypoint` resets CMD: the same only when the image has none.
        (Some(_), None) => {
            same(&unit.entrypoint, &own.entrypoint) && matches!(own.cmd, Setting::Unset)
        }
        (Some(_), Some(_)) => {
            same(&unit.entrypoint, &own.entrypoint) && same(&unit.command, &own.cmd)
        }
        (None, None) => false,
    }
}

/// The linted text of `unit` (number `n`), and the facts the rules read;
/// `inherited`: the image's ENTRYPOINT and CMD, written out for a unit
/// that does not replace them (its verdict is the image's).
fn synthesize(
    unit: &Unit,
    n: usize,
    inherited: &(Option<String>, Option<String>),
) -> (Synth, RunFacts) {
    let mut s = Synth::default();
    let from_at = unit
        .build
        .as_ref()
        .map(|at| (at.file, at.span.clone()))
        .or_else(|| unit.image.as_ref().map(|i| (i.file, i.span.clone())))
        .unwrap_or((unit.name.file, unit.name.span.clone()));
    let reference = reference(unit, n);
    s.line(&format!("FROM {reference}"), from_at.clone(), false);
    for (k, v) in &unit.env {
        let key_ok = !k.is_empty()
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !k.starts_with(|c: char| c.is_ascii_digit());
        if !key_ok || v.contains(['\n', '\r']) {
            continue;
        }
        let escaped = v
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('$', "\\$");
        s.line(&format!("ENV {k}=\"{escaped}\""), from_at.clone(), false);
    }
    for (src, dst) in &unit.binds {
        // JSON form: no word splitting or variables.
        let json = serde_json::to_string(&[src, dst]).unwrap_or_default();
        s.line(&format!("COPY {json}"), from_at.clone(), false);
    }
    if let Some(w) = unit.working_dir.as_deref().filter(|w| {
        w.starts_with('/')
            && !w
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '$' || c == '\\')
    }) {
        s.line(&format!("WORKDIR {w}"), from_at.clone(), false);
    }
    for (keyword, argv) in [("ENTRYPOINT", &inherited.0), ("CMD", &inherited.1)] {
        if let Some(args) = argv {
            s.line(&format!("{keyword} {args}"), from_at.clone(), false);
        }
    }
    if let Some(ep) = &unit.entrypoint {
        s.argv_line("ENTRYPOINT", ep);
    }
    if let Some(cmd) = &unit.command {
        s.argv_line("CMD", cmd);
    }
    if let Some(sig) = &unit.stop_signal {
        if let Some(v) = safe_ref(&sig.value) {
            s.line(
                &format!("STOPSIGNAL {v}"),
                (sig.file, sig.span.clone()),
                true,
            );
        }
    }
    // Comment lines stand for the rest: the rules' findings on them move to
    // their YAML.
    let mut facts = RunFacts {
        name: s.line("# unit", (unit.name.file, unit.name.span.clone()), true),
        ..RunFacts::default()
    };
    match &unit.grace {
        Some(At {
            value: Some(secs),
            file,
            span,
        }) => {
            let r = s.line("# grace", (*file, span.clone()), true);
            facts.grace = Some((*secs, r));
        }
        Some(_) => {}
        // Compose waits 10 s by default, Kubernetes 30 s.
        None => {
            facts.grace = Some((if unit.kubernetes { 30 } else { 10 }, facts.name.clone()));
            facts.grace_default = true;
        }
    }
    if let Some(sp) = unit.share_pid.as_ref().filter(|v| v.value) {
        facts.share_pid = Some(s.line("# shareProcessNamespace", (sp.file, sp.span.clone()), true));
    }
    if let Some(ps) = &unit.pre_stop {
        let r = s.line("# preStop", (ps.file, ps.span.clone()), true);
        facts.pre_stop = Some((ps.value.words.clone(), r));
    }
    (s, facts)
}

/// The project's YAML files a lint reads: `files[0]` is the linted one.
struct Files {
    files: Vec<SourceFile>,
    /// Findings in the other files are reported by this lint too (a base
    /// file's lint reports its default overrides'; a variant's lint only
    /// its own).
    others: bool,
}

/// Lint a compose file or Kubernetes manifest (`path` as shown, `text`):
/// each unit as what it runs.
#[must_use]
pub fn lint_yaml(path: &str, text: String, opts: &LintOptions) -> Report {
    let mut report = Report::of_file(path, opts.dockerfile.clone());
    let docs = match yaml::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            // A YAML file that a directory walk found and that is not a
            // compose file may be anything (a Helm template): not an error.
            if !opts.walked || is_compose_path(opts.dockerfile.as_deref(), path) {
                report.errors.push(FileError {
                    file: Some(0),
                    path: path.to_string(),
                    message: format!("not valid YAML: {}", e.message),
                    offset: Some(e.offset),
                    location: Some(crate::diagnostic::LineCol {
                        line: e.line,
                        col: e.col,
                    }),
                });
            }
            report.files[0].text = text;
            return report;
        }
    };
    let compose_file = is_compose_path(opts.dockerfile.as_deref(), path)
        || docs.first().is_some_and(|d| {
            d.get("services").is_some_and(Node::is_map) && d.get("apiVersion").is_none()
        });
    let mut files = Files {
        files: vec![SourceFile {
            path: path.to_string(),
            text,
            disk: opts.dockerfile.clone(),
        }],
        others: false,
    };
    let (units, images) = if compose_file {
        compose_units(&mut files, &docs, opts)
    } else {
        (k8s::units(&docs, &files.files[0].text), Vec::new())
    };
    drop(docs);
    let images = if images.is_empty() {
        opts.build.images.clone()
    } else {
        let mut all = (*opts.build.images).clone();
        all.extend(images);
        Arc::new(all)
    };
    let others = files.others;
    report.files = files.files;
    for (n, unit) in units.iter().enumerate() {
        if n >= MAX_UNITS {
            // Hostile input stays bounded: each unit is a whole lint.
            report.units.push(unit.not_judged());
            continue;
        }
        lint_unit(&mut report, unit, n, opts, &images);
    }
    // Only what is in the linted file and in scripts: the other compose
    // files of the project are reported by their own lint.
    let keep = |f: usize| f == 0 || others || !crate::is_yaml(&report.files[f].path, "");
    report.diagnostics.retain(|d| keep(d.file));
    opts.settings.apply(&mut report, path);
    let found = crate::suppress::find(&report, &report.files[0].text, None);
    crate::suppress::apply(&mut report, found, &opts.settings);
    report.sort();
    report
}

/// A compose file by its name.
fn is_compose_path(disk: Option<&Path>, shown: &str) -> bool {
    let name = disk
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or_else(|| shown.rsplit('/').next().unwrap_or(shown));
    compose::is_compose_name(name)
}

/// The units of the compose project of `files.files[0]`, and the images
/// they build (tagged [`built_tag`]); the project's other compose files
/// are added to `files`.
fn compose_units(
    files: &mut Files,
    docs: &[Node],
    opts: &LintOptions,
) -> (Vec<Unit>, Vec<ProjectImage>) {
    let shown0 = files.files[0].path.clone();
    let own = compose::services_of(docs, &files.files[0].text);
    let disk = opts.dockerfile.clone();
    let dir: PathBuf = match disk.as_deref().and_then(Path::parent) {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let abs_dir = super::clean(&dir);
    let root = super::repo_root(&abs_dir, &abs_dir);
    let root_real = std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
    let own_name = disk
        .as_deref()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .map(str::to_string);
    // The directory's compose files, this one among them.
    let mut names: Vec<String> = if disk.is_some() {
        compose::file_names(&abs_dir)
    } else {
        Vec::new()
    };
    let own_index = match own_name
        .as_ref()
        .and_then(|n| names.iter().position(|x| x == n))
    {
        Some(i) => i,
        None => {
            names = vec![own_name.unwrap_or_else(|| shown0.clone())];
            0
        }
    };
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    if compose::covered_by_base(&names[own_index], &name_refs) {
        return (Vec::new(), Vec::new());
    }
    let order = compose::project_files(&name_refs, own_index);
    files.others = !compose::is_variant_only(&names[own_index]);
    // Services per name index; report file per name index.
    let mut services: Vec<Vec<compose::Service>> = vec![Vec::new(); names.len()];
    let mut file_of: HashMap<usize, usize> = HashMap::new();
    for &i in &order {
        if i == own_index {
            services[i].clone_from(&own);
            file_of.insert(i, 0);
            continue;
        }
        let p = if dir == Path::new(".") {
            PathBuf::from(&names[i])
        } else {
            dir.join(&names[i])
        };
        let shown = p.display().to_string();
        let Ok(Some(text)) = super::read_build_file(&abs_dir.join(&names[i]), &root_real, &shown)
        else {
            continue;
        };
        let Ok(parsed) = compose::parse(&shown, &text) else {
            continue;
        };
        services[i] = parsed;
        file_of.insert(i, files.files.len());
        files.files.push(SourceFile {
            path: shown,
            text,
            disk: Some(p),
        });
    }
    let mut merged = compose::merged(&services, &order);
    if !files.others {
        // A variant's lint judges the services it writes, named where it
        // writes them (the base file's lint judges the others).
        merged.retain_mut(|m| match own.iter().find(|o| o.name == m.name) {
            Some(o) => {
                m.run.key = At {
                    file: own_index,
                    ..o.run.key.clone()
                };
                true
            }
            None => false,
        });
    }
    let env = compose::read_env(
        &abs_dir,
        &root_real,
        &super::shown(&root, &abs_dir.join(".env")),
    );
    let lookup = |name: &str| env.get(name).cloned();
    let mut units = Vec::new();
    let mut images = Vec::new();
    for s in merged {
        let f = |i: usize| file_of.get(&i).copied().unwrap_or(0);
        let mut run = s.run.clone();
        // Field files are name indices: make them report file indices.
        let remap_at = |a: &mut At<()>| a.file = f(a.file);
        remap_at(&mut run.key);
        let mut unit = Unit {
            label: format!("service \"{}\"", s.name),
            name: run.key.clone(),
            ..Unit::default()
        };
        if let Some(b) = &run.build {
            let mut b = b.clone();
            b.file = f(b.file);
            let shown = files.files[b.file].path.clone();
            if let Some(config) = compose::build_config(&abs_dir, &shown, &s, &env)
                .filter(|c| super::context_inside(&c.context, &root, &root_real))
            {
                images.push(ProjectImage {
                    tags: vec![built_tag(units.len())],
                    dockerfile: config.dockerfile.clone(),
                    context: config.context.clone(),
                    args: config.args.clone(),
                    target: config.target.clone(),
                });
                unit.build = Some(b);
            }
        }
        if unit.build.is_none() {
            if let Some(i) = &run.image {
                unit.image = Some(At {
                    value: s
                        .image
                        .as_deref()
                        .and_then(|r| super::interpolate(r, &lookup)),
                    file: f(i.file),
                    span: i.span.clone(),
                });
            }
        }
        // Compose interpolates every value (`$$` is a `$`); a variable it
        // does not know stays as written.
        let fix_file = |mut a: At<Argv>| {
            a.file = f(a.file);
            for (w, v) in a.value.words.iter_mut().zip(a.value.verbatim.iter_mut()) {
                if let Some(new) = super::interpolate(w, &lookup) {
                    if new != *w {
                        *w = new;
                        *v = None;
                    }
                }
            }
            a
        };
        unit.entrypoint = run.entrypoint.take().map(fix_file);
        unit.command = run.command.take().map(fix_file);
        unit.init = run.init.take().map(|mut a| {
            a.file = f(a.file);
            a
        });
        unit.stop_signal = run.stop_signal.take().map(|mut a| {
            a.file = f(a.file);
            a.value = super::interpolate(&a.value, &lookup).unwrap_or(a.value);
            a
        });
        unit.grace = run.stop_grace_period.take().map(|mut a| {
            a.file = f(a.file);
            a
        });
        unit.insert_init = run
            .insert_at
            .map(|(off, indent)| (unit.name.file, off, indent));
        // env_file first, `environment` over it; values interpolated.
        let mut unit_env: Vec<(String, String)> = Vec::new();
        for f in run.env_files.iter().take(16) {
            if !super::local_path(f) {
                continue;
            }
            let p = super::clean(&abs_dir.join(f));
            if let Ok(Some(text)) = super::read_build_file(&p, &root_real, f) {
                let mut vars: Vec<(String, String)> =
                    compose::parse_env(&text).into_iter().collect();
                vars.sort();
                unit_env.extend(vars);
            }
        }
        for (k, v) in &run.environment {
            unit_env.retain(|(ok, _)| ok != k);
            unit_env.push((k.clone(), v.clone()));
        }
        unit.env = unit_env
            .into_iter()
            .filter_map(|(k, v)| Some((k, super::interpolate(&v, &lookup)?)))
            .take(256)
            .collect();
        unit.context = Some(root.clone());
        unit.working_dir = run
            .working_dir
            .as_deref()
            .and_then(|w| super::interpolate(w, &lookup));
        // Host paths inside the repository, named from its root.
        unit.binds = run
            .binds
            .iter()
            .filter_map(|(src, dst)| {
                let src = super::interpolate(src, &lookup)?;
                let dst = super::interpolate(dst, &lookup)?;
                let abs = super::clean(&abs_dir.join(&src));
                let rel = abs.strip_prefix(&root).ok()?.to_str()?.to_string();
                let rel = if rel.is_empty() { ".".to_string() } else { rel };
                let ok = |p: &str| {
                    !p.chars()
                        .any(|c| c.is_whitespace() || c.is_control() || c == '"')
                };
                (ok(&rel) && ok(&dst)).then_some((rel, dst))
            })
            .collect();
        units.push(unit);
    }
    (units, images)
}

/// Lint one unit and add its findings, moved to the YAML, to `report`.
fn lint_unit(
    report: &mut Report,
    unit: &Unit,
    n: usize,
    opts: &LintOptions,
    images: &Arc<Vec<ProjectImage>>,
) {
    let has_image = unit.build.is_some() || unit.image.as_ref().is_some_and(|i| i.value.is_some());
    let dir = opts
        .dockerfile
        .as_deref()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let linted_path = dir.join(format!(".dsig-run-{n}"));
    let own = has_image.then(|| own(&reference(unit, n), images, &linted_path));
    // Only a `command` (Kubernetes `args`) over an image dsig knows nothing
    // of: its ENTRYPOINT may wrap the command (an init, a script that does
    // not run it), so what runs is not known.
    if unit.entrypoint.is_none()
        && unit.command.is_some()
        && unit.build.is_none()
        && own
            .as_ref()
            .is_none_or(|o| matches!(o.entrypoint, Setting::Unknown) && !o.known)
    {
        report.units.push(unit.not_judged());
        return;
    }
    // A unit that restates what its image runs changes nothing of it.
    let restated;
    let unit = match &own {
        Some(o) if restates(unit, o) => {
            restated = Unit {
                entrypoint: None,
                command: None,
                ..unit.clone()
            };
            &restated
        }
        _ => unit,
    };
    // A unit that changes nothing of its image is still linted, with the
    // image's ENTRYPOINT and CMD written out: its verdict is the image's
    // (its findings are the Dockerfile's own, reported there).
    let from_image = match &own {
        Some(o) if !unit.overrides() => (as_args(&o.entrypoint), as_args(&o.cmd)),
        _ => (None, None),
    };
    if !unit.overrides() && from_image.0.is_none() && from_image.1.is_none() {
        report.units.push(unit.not_judged());
        return;
    }
    let (mut synth, facts) = synthesize(unit, n, &from_image);
    let unit_opts = LintOptions {
        dockerfile: Some(linted_path),
        context: Some(unit.context.clone().unwrap_or(dir)),
        overlay: opts.overlay.clone(),
        settings: opts.settings.clone(),
        init: opts.init,
        build: crate::Build {
            images: images.clone(),
            run_init: unit.init.as_ref().is_some_and(|i| i.value)
                || unit.share_pid.as_ref().is_some_and(|s| s.value),
            origin: Some(unit.label.clone()),
            ..crate::Build::default()
        },
        run: Some(facts),
        walked: false,
    };
    let path = report.files[0].path.clone();
    let linted = crate::lint_text(&path, std::mem::take(&mut synth.text), &unit_opts);
    move_findings(report, linted, &synth, unit);
}

/// Add the findings of a unit's lint (`linted`) to `report`: those on its
/// linted text moved to the YAML, those in scripts with their files.
fn move_findings(report: &mut Report, linted: Report, synth: &Synth, unit: &Unit) {
    let Report {
        files,
        diagnostics,
        errors,
        ..
    } = linted;
    let mut codes: Vec<&'static str> = diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
        .map(|d| d.code)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    report.units.push(UnitVerdict {
        label: unit.label.clone(),
        file: unit.name.file,
        span: unit.name.span.clone(),
        graceful: Some(codes.is_empty()),
        codes,
    });
    // The script files of the lint, as files of the report.
    let mut map: Vec<usize> = vec![usize::MAX; files.len()];
    let mut place = |report: &mut Report, i: usize, files: &[SourceFile]| -> usize {
        if map[i] == usize::MAX {
            let f = &files[i];
            map[i] = report
                .files
                .iter()
                .position(|g| g.path == f.path && g.disk == f.disk)
                .unwrap_or_else(|| {
                    let mut f = f.clone();
                    f.path = relative(&f.path);
                    report.files.push(f);
                    report.files.len() - 1
                });
        }
        map[i]
    };
    for mut d in diagnostics {
        if d.file == 0 {
            let Some(line) = synth
                .lines
                .iter()
                .find(|l| l.range.start <= d.span.start && d.span.start <= l.range.end)
            else {
                continue;
            };
            if !line.own {
                continue;
            }
            // The word the finding is on, when it is one.
            let word = line.words.iter().find(|w| {
                w.linted
                    .as_ref()
                    .is_some_and(|r| r.start <= d.span.start && d.span.end <= r.end)
            });
            d.span = word.map_or_else(|| line.span.clone(), |w| w.yaml.clone());
            d.file = line.file;
            d.fix = d.fix.and_then(|fix| move_fix(fix, synth));
        } else {
            // In a script: also for a unit that changes nothing of its
            // image (its environment may take the script down another
            // path); the same finding of the Dockerfile's own lint is
            // reported once (`dsig lint` keeps the first of a file, span
            // and code).
            d.file = place(report, d.file, &files);
            if d.fix
                .as_ref()
                .is_some_and(|f| f.edits.iter().any(|e| e.file == 0))
            {
                d.fix = None;
            }
        }
        if let Some(fix) = init_fix(&d, unit) {
            d.fix = Some(fix);
        }
        d.message = format!("{}: {}", unit.label, d.message);
        // Named as the YAML writes them.
        let (ep, cmd) = if unit.kubernetes {
            ("`command`", "`args`")
        } else {
            ("`entrypoint`", "`command`")
        };
        d.message = d
            .message
            .replace("exec-form ENTRYPOINT", ep)
            .replace("exec-form CMD", cmd);
        if unit.kubernetes {
            // The kubelet (through the container runtime) sends the stop
            // signal, not `docker stop`.
            d.message = d.message.replace("`docker stop`", "the kubelet");
        }
        if let Some(fix) = &mut d.fix {
            for e in &mut fix.edits {
                if e.file >= YAML {
                    e.file -= YAML;
                } else {
                    e.file = place(report, e.file, &files);
                }
            }
        }
        report.diagnostics.push(d);
    }
    if unit.overrides() {
        for mut e in errors {
            e.file = e.file.filter(|&f| f > 0).map(|f| place(report, f, &files));
            report.errors.push(e);
        }
    }
}

/// An absolute path under the current directory, named from it (a script
/// of an image that a unit builds is found from its absolute context).
fn relative(path: &str) -> String {
    let p = Path::new(path);
    if !p.is_absolute() {
        return path.to_string();
    }
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            p.strip_prefix(super::clean(&cwd))
                .ok()
                .map(Path::to_path_buf)
        })
        .map_or_else(|| path.to_string(), |r| r.display().to_string())
}

/// Edits of a moved fix that are already in the report's YAML files carry
/// `YAML + file` until [`move_findings`] resolves them.
const YAML: usize = 1 << 40;

/// An edit of the linted text inside one word of an argv that the YAML
/// writes as is, moved there; `None` when any edit cannot be.
fn move_fix(fix: Fix, synth: &Synth) -> Option<Fix> {
    let mut edits = Vec::new();
    for e in fix.edits {
        if e.file != 0 {
            edits.push(e);
            continue;
        }
        let (line, word) = synth.lines.iter().find_map(|l| {
            l.words
                .iter()
                .find(|w| {
                    w.linted
                        .as_ref()
                        .is_some_and(|r| r.start <= e.range.start && e.range.end <= r.end)
                })
                .map(|w| (l, w))
        })?;
        let content = word.linted.as_ref()?;
        let start = word.verbatim?;
        // The replacement must stay as is in YAML and in JSON.
        if e.replacement.contains(['"', '\'', '\\', '\n', '#', ':']) {
            return None;
        }
        edits.push(Edit {
            file: YAML + line.file,
            range: start + (e.range.start - content.start)..start + (e.range.end - content.start),
            replacement: e.replacement,
        });
    }
    Some(Fix {
        safety: fix.safety,
        message: fix.message,
        edits,
    })
}

/// Rules that an init answers: the program is not PID 1 with it.
const INIT_ANSWERS: &[&str] = &["SIG020"];

/// `init: true` for a compose service whose finding an init answers.
fn init_fix(d: &Diagnostic, unit: &Unit) -> Option<Fix> {
    if unit.kubernetes || !INIT_ANSWERS.contains(&d.code) {
        return None;
    }
    let (file, range, replacement) = match &unit.init {
        Some(init) if !init.value => (init.file, init.span.clone(), "true".to_string()),
        Some(_) => return None,
        None => {
            let (file, off, indent) = unit.insert_init.as_ref()?;
            (*file, *off..*off, format!("{indent}init: true\n"))
        }
    };
    Some(Fix {
        safety: FixSafety::Safe,
        message: "Add `init: true`: docker-init (tini) becomes PID 1 and forwards the stop signal"
            .to_string(),
        edits: vec![Edit {
            file: YAML + file,
            range,
            replacement,
        }],
    })
}
