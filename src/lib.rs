//! dsig: a Dockerfile linter and auto-fixer for graceful container shutdown.
//!
//! Stages: [`syntax`] parses Dockerfiles losslessly, [`model`] derives what the
//! image runs as PID 1, [`rules`] turn that into [`diagnostic::Diagnostic`]s,
//! [`fix`] applies their edits, [`output`] renders them, [`cli`] wires it up.

pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod docker;
pub mod files;
pub mod fix;
pub mod model;
pub mod output;
pub mod probe;
pub mod project;
pub mod rules;
pub mod server;
pub mod shell;
pub mod suppress;
pub mod syntax;

pub use diagnostic::{Diagnostic, FileError, Report, Severity, SourceFile};
pub use fix::{fix, fix_source, FixOutcome, FixedFile};

use std::collections::HashMap;
use std::path::PathBuf;

/// Where a Dockerfile comes from and what it may read.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// The Dockerfile on disk; its directory is the default build context.
    pub dockerfile: Option<PathBuf>,
    /// The build context (`--context`), when not the Dockerfile's directory.
    pub context: Option<PathBuf>,
    /// Texts that stand in for files on disk (the fixer's pending edits).
    pub overlay: HashMap<PathBuf, String>,
    /// Rule selection and severity overrides (from dsig.toml).
    pub settings: config::RuleSettings,
    /// The init that init-injection fixes install (`--init`).
    pub init: model::init::Init,
    /// How the Dockerfile is built besides its context: build args, target
    /// stage, where they come from, and the images the project builds.
    pub build: Build,
    /// What a compose service or Kubernetes container adds to how the
    /// image stops (set when one is linted, see [`project::run`]).
    pub run: Option<project::run::RunFacts>,
    /// The file was found by a directory walk, not named: a YAML file that
    /// does not parse, or is neither a compose file nor a manifest, is
    /// then skipped without an error.
    pub walked: bool,
}

/// How a Dockerfile is built: what `docker build`, a bake file, a compose
/// file or a CI workflow gives it besides the context.
#[derive(Debug, Clone, Default)]
pub struct Build {
    /// Build args (`--build-arg K=V`, dsig.toml `build-args`, bake/compose/
    /// workflow `args`); a later entry wins over an earlier one.
    pub args: Vec<(String, String)>,
    /// Build args that a build file sets to a value dsig cannot know (an
    /// unset variable, a `${{ }}` expression): their value is unknown, not
    /// the Dockerfile's default.
    pub unknown_args: Vec<String>,
    /// The stage that runs (`--target`, bake/compose `target`); `None`: the
    /// last stage.
    pub target: Option<String>,
    /// Where the context, args and target come from, for messages and JSON:
    /// `--context`, `docker-bake.hcl target "app"`, `compose.yaml service
    /// "web"`, `.github/workflows/ci.yml`, or `None` (the Dockerfile's
    /// directory, assumed).
    pub origin: Option<String>,
    /// The context is known (given with `--context` or by a build file), not
    /// assumed to be the Dockerfile's directory.
    pub context_known: bool,
    /// Images the project builds: `FROM` one of them is followed like a
    /// stage.
    pub images: std::sync::Arc<Vec<ProjectImage>>,
    /// Every container that runs the image gets an init from the runtime
    /// (compose `init: true`): PID 1 is docker-init (tini), which forwards
    /// the stop signal to what the image runs, as a child.
    pub run_init: bool,
    /// Where base images that dsig's table and the project do not know are
    /// read from (`--images`): their config and the files dsig needs.
    pub images_from: ImageSource,
}

/// Where base images that dsig does not know are read from (`--images`,
/// `images = ...` in dsig.toml).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ImageSource {
    /// Nowhere: no daemon, no network (the default).
    #[default]
    Off,
    /// The local Docker Engine (`docker image inspect`, `docker cp`).
    Docker,
    /// The image's registry (the OCI distribution API).
    Registry,
}

impl ImageSource {
    /// The name used on the command line and in dsig.toml.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ImageSource::Off => "off",
            ImageSource::Docker => "docker",
            ImageSource::Registry => "registry",
        }
    }
}

/// An image that a Dockerfile of the project builds, with the references it
/// is tagged with.
#[derive(Debug, Clone, Default)]
pub struct ProjectImage {
    /// Its references, lower-case (`myorg/base:latest`, `myorg/base`).
    pub tags: Vec<String>,
    pub dockerfile: PathBuf,
    pub context: PathBuf,
    pub args: Vec<(String, String)>,
    pub target: Option<String>,
}

impl LintOptions {
    /// Options for a Dockerfile read from `path`.
    pub fn for_file(path: impl Into<PathBuf>) -> LintOptions {
        LintOptions {
            dockerfile: Some(path.into()),
            ..LintOptions::default()
        }
    }

    /// The build context directory, if there is one to read.
    #[must_use]
    pub fn context_dir(&self) -> Option<PathBuf> {
        if let Some(c) = &self.context {
            return Some(c.clone());
        }
        let d = self.dockerfile.as_ref()?;
        Some(match d.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        })
    }
}

/// A shell script given to `dsig lint` directly (it is linted as the
/// image's entrypoint): it starts with `#!` or is named `*.sh`.
#[must_use]
pub fn is_script(path: &str, text: &str) -> bool {
    text.starts_with("#!") || path.ends_with(".sh") || path.ends_with(".bash")
}

/// A compose file or Kubernetes manifest given to `dsig lint`: named
/// `*.yaml` / `*.yml`, or (on stdin) a text whose first line that is not a
/// comment is a YAML key or `---`, which no Dockerfile's is.
#[must_use]
pub fn is_yaml(path: &str, text: &str) -> bool {
    if path.ends_with(".yaml") || path.ends_with(".yml") {
        return true;
    }
    let Some(first) = text
        .lines()
        .map(str::trim_end)
        .find(|l| !l.trim_start().is_empty() && !l.trim_start().starts_with('#'))
    else {
        return false;
    };
    if first == "---" || first.starts_with("--- ") {
        return true;
    }
    first.split_once(':').is_some_and(|(key, rest)| {
        !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            && (rest.is_empty() || rest.starts_with(' '))
    })
}

/// Lint one Dockerfile given as text, without reading anything else: scripts
/// in the build context are not followed. `path` names the file in findings.
#[must_use]
pub fn lint_source(path: &str, text: &str) -> Report {
    lint(path, text, &LintOptions::default())
}

/// Lint one Dockerfile given as text, following its CMD and ENTRYPOINT into
/// the build context that `opts` names.
#[must_use]
pub fn lint(path: &str, text: &str, opts: &LintOptions) -> Report {
    lint_text(path, text.to_string(), opts)
}

/// [`lint`], taking the text: the report keeps it without a copy.
#[must_use]
pub fn lint_text(path: &str, text: String, opts: &LintOptions) -> Report {
    let mut report = Report::of_file(path, opts.dockerfile.clone());
    if opts.run.is_none() && is_yaml(path, &text) {
        return project::run::lint_yaml(path, text, opts);
    }
    if is_script(path, &text) {
        report.files[0].text = text;
        rules::check_script(&mut report, opts);
        opts.settings.apply(&mut report, path);
        let found = suppress::find(&report, &report.files[0].text, None);
        suppress::apply(&mut report, found, &opts.settings);
        report.sort();
        return report;
    }
    match syntax::parse(&text) {
        Ok(df) => {
            // FROM an image the project builds is followed (model::base).
            let mut parents = model::base::Parents::new(opts.dockerfile.as_deref());
            let image = model::Image::from_dockerfile_in(&df, &opts.build, &mut parents);
            let fs = model::context::ContextFs::new(opts.context_dir(), &opts.overlay)
                .with_build(opts.build.context_known, opts.build.origin.clone());
            let chain = model::chain::build(&image, &df, &fs, &mut report.files);
            // Startup scripts that CMD/ENTRYPOINT run but that cannot be
            // read: errors (exit 2), not a silent pass.
            let script_errors: Vec<FileError> = chain
                .gaps
                .iter()
                .filter_map(|g| match g {
                    model::chain::Gap::Unreadable(e) => Some(e.clone()),
                    _ => None,
                })
                .collect();
            let ctx = rules::Context::new(0, &text, &df, &image, &chain, opts.init)
                .with_run(opts.run.as_ref());
            report.diagnostics = rules::check_all(&ctx, opts.settings.rule_set());
            // A script read from a base image (`--images`) is not a file to
            // edit: its findings carry no fix, and say where to fix them.
            let files = &report.files;
            let in_image =
                |file: usize| file != 0 && files.get(file).is_some_and(|f| f.disk.is_none());
            for d in &mut report.diagnostics {
                if d.fix
                    .as_ref()
                    .is_some_and(|f| f.edits.iter().any(|e| in_image(e.file)))
                {
                    d.fix = None;
                }
                if in_image(d.file) {
                    let help = d.help.take().map_or_else(String::new, |h| format!("{h}; "));
                    d.help = Some(format!("{help}this script is the base image's: fix it where that image is built, or set an ENTRYPOINT of your own"));
                }
            }
            // The parse tree borrows `text`: what suppression needs of it is
            // read now, and then the report takes the text.
            let found = suppress::find(&report, &text, Some(&df));
            report.files[0].text = text;
            opts.settings.apply(&mut report, path);
            suppress::apply(&mut report, found, &opts.settings);
            report.errors.extend(script_errors);
        }
        Err(e) => {
            report.errors.push(FileError {
                file: Some(0),
                path: path.to_string(),
                message: e.message.clone(),
                offset: Some(e.offset),
                location: Some(diagnostic::line_col(&text, e.offset)),
            });
            report.files[0].text = text;
        }
    }
    report.sort();
    report
}
