//! One lint of a root document (a Dockerfile, a compose file or a
//! manifest), set up as `dsig lint` sets up a job: the nearest dsig.toml, the builds that the repository's build
//! files give it, and the open documents' unsaved texts as an overlay.
//! The findings come back per file URI, with LSP ranges.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{Diagnostic, DiagnosticSeverity, DiagnosticTag, NumberOrString, Range, TextEdit};

use super::position::{Encoding, LineMap};
use crate::diagnostic::{FixSafety, Report, Severity};

/// A finding (or a lint error) as the server publishes it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The document it is published for.
    pub uri: String,
    pub diagnostic: Diagnostic,
    /// The rule's code (`None` for a lint error).
    pub code: Option<&'static str>,
    pub fix: Option<FixAction>,
}

/// A fix, as a code action: its edits per document.
#[derive(Debug, Clone)]
pub struct FixAction {
    pub title: String,
    pub safe: bool,
    /// Document URI and edit, in the fix's order.
    pub edits: Vec<(String, TextEdit)>,
}

/// What one lint of a root gave.
#[derive(Debug, Clone, Default)]
pub struct Linted {
    pub findings: Vec<Finding>,
    /// The files on disk that the lint read besides the root (the scripts
    /// that CMD/ENTRYPOINT run): a change to one re-lints the root.
    pub deps: Vec<PathBuf>,
}

/// What to lint.
pub struct Target<'a> {
    pub uri: &'a str,
    /// Its path, for a `file:` URI.
    pub path: Option<&'a Path>,
    pub text: &'a str,
    /// The document is a Dockerfile (by name or language), whatever its
    /// text looks like.
    pub dockerfile: bool,
}

/// Where the lint runs: the open documents and how to name files.
pub struct Env<'a> {
    /// Open documents' texts by path (unsaved changes included).
    pub overlay: &'a HashMap<PathBuf, String>,
    /// The workspace folders (absolute): where build files are looked for
    /// when there is no `.git` above a file.
    pub workspace: &'a [PathBuf],
    pub encoding: Encoding,
    /// The URI of a file path (an open document's own URI when it is open).
    pub uri_of: &'a dyn Fn(&Path) -> String,
}

/// Builds of one Dockerfile that are linted, at most (each is a whole lint;
/// `dsig lint` takes 32, an editor lints on every change).
const MAX_BUILDS: usize = 8;

/// How a target is linted: its display name and the options of each of
/// its builds, or the finding that says why it is not linted.
struct Plan {
    display: String,
    runs: Vec<crate::LintOptions>,
    /// The config file read.
    config: Option<PathBuf>,
}

/// Why a target is not linted: the message, and the config file at fault.
type NotLinted = (String, Option<PathBuf>);

fn plan(target: &Target, env: &Env) -> Result<Plan, NotLinted> {
    if target.text.len() as u64 > crate::files::MAX_FILE_SIZE {
        let message = format!(
            "not linted: {}",
            crate::files::too_large_message(Some(target.text.len() as u64))
        );
        return Err((message, None));
    }
    let Some(path) = target.path else {
        // Not a file (an unsaved buffer): its text alone, nothing else read.
        let display = if target.dockerfile {
            "Dockerfile".to_string()
        } else {
            target.uri.to_string()
        };
        return Ok(Plan {
            display,
            runs: vec![crate::LintOptions::default()],
            config: None,
        });
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("/"),
    };
    let config = crate::config::Config {
        inputs: vec![crate::config::Input::Path(path.to_path_buf())],
        ..crate::config::Config::default()
    };
    let mut resolver = crate::config::Resolver::new(&config);
    let resolved = match resolver.for_dir(&dir) {
        Ok(r) => r,
        Err(e) => {
            let (file, message) = match e {
                Some(e) => (e.error.path.clone(), e.error.message.clone()),
                None => (String::new(), "cannot read the config file".to_string()),
            };
            return Err((
                format!("not linted: {file}: {message}"),
                absolute(Path::new(&file)),
            ));
        }
    };
    let display = path.display().to_string();
    let yaml = !target.dockerfile && crate::is_yaml(&display, target.text);
    let script = !target.dockerfile && !yaml && crate::is_script(&display, target.text);
    let base = crate::LintOptions {
        dockerfile: Some(path.to_path_buf()),
        settings: resolved.settings.clone(),
        init: resolved.init,
        overlay: env.overlay.clone(),
        walked: yaml,
        ..crate::LintOptions::default()
    };
    let walk_root = env
        .workspace
        .iter()
        .filter(|w| path.starts_with(w))
        .max_by_key(|w| w.as_os_str().len())
        .cloned()
        .unwrap_or_else(|| dir.clone());
    let mut discovery = crate::project::Discovery::new();
    let builds = if script {
        vec![(None, crate::Build::default())]
    } else if yaml {
        let found = discovery.find(path, &walk_root);
        vec![(
            None,
            crate::Build {
                images: found.images,
                ..crate::Build::default()
            },
        )]
    } else {
        // The ways `dsig lint` finds the Dockerfile built (build files, an
        // inferred context, or its directory), the first few of them.
        let source = crate::files::Source::File {
            path: path.to_path_buf(),
            root: walk_root.clone(),
            walked: false,
        };
        let mut builds =
            crate::cli::builds_of(&config, &resolved.build_args, &source, &mut discovery);
        builds.truncate(MAX_BUILDS);
        builds
    };
    for w in &discovery.warnings {
        warn(&w.to_string());
    }
    let runs = builds
        .into_iter()
        .map(|(context, mut build)| {
            build.images_from = resolved.images;
            crate::LintOptions {
                context,
                build,
                ..base.clone()
            }
        })
        .collect();
    Ok(Plan {
        display,
        runs,
        config: resolved.file.as_deref().and_then(absolute),
    })
}

/// Lint `target`.
#[must_use]
pub fn lint(target: &Target, env: &Env) -> Linted {
    let mut out = Linted::default();
    let plan = match plan(target, env) {
        Ok(plan) => plan,
        Err((message, config)) => {
            out.findings
                .push(plain(target.uri, Range::default(), message));
            out.deps.extend(config);
            return out;
        }
    };
    out.deps.extend(plan.config);
    for opts in &plan.runs {
        let report = crate::lint_text(&plan.display, target.text.to_string(), opts);
        for f in report.files.iter().skip(1) {
            if let Some(d) = &f.disk {
                if !out.deps.contains(d) {
                    out.deps.push(d.clone());
                }
            }
        }
        convert(&report, target.uri, env, &mut out);
    }
    for w in crate::model::base::take_image_warnings() {
        warn(&w);
    }
    // A finding that several builds give is published once.
    let mut seen = std::collections::HashSet::new();
    out.findings.retain(|f| {
        seen.insert((
            f.uri.clone(),
            f.diagnostic.range,
            f.code,
            f.diagnostic.message.clone(),
        ))
    });
    out
}

/// Every safe fix of `target` (and of the scripts it runs), applied as
/// `dsig lint --fix` applies them, with its first build: a whole-text
/// replacement per changed file, and how many fixes. `None` when nothing
/// changes.
#[must_use]
pub fn fix_all(target: &Target, env: &Env) -> Option<(Vec<(String, TextEdit)>, usize)> {
    let plan = plan(target, env).ok()?;
    let opts = plan.runs.first()?;
    let outcome = crate::fix(&plan.display, target.text, opts, false);
    if outcome.applied == 0 {
        return None;
    }
    let whole = |original: &str, text: &str| {
        let map = LineMap::new(original);
        TextEdit {
            range: map.range(original, 0..original.len(), env.encoding),
            new_text: text.to_string(),
        }
    };
    let mut edits = Vec::new();
    if outcome.text != target.text {
        edits.push((target.uri.to_string(), whole(target.text, &outcome.text)));
    }
    for f in &outcome.others {
        edits.push(((env.uri_of)(&f.disk), whole(&f.original, &f.text)));
    }
    (!edits.is_empty()).then_some((edits, outcome.applied))
}

/// Warnings said so far (each lint would repeat them on every keystroke).
static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
/// Different warnings remembered, at most (then they are said again).
const MAX_SAID: usize = 256;

/// A warning on stderr (the editor's server log), escaped, once.
fn warn(line: &str) {
    if let Ok(mut said) = SAID.lock() {
        if said.iter().any(|s| s == line) {
            return;
        }
        if said.len() >= MAX_SAID {
            said.clear();
        }
        said.push(line.to_string());
    }
    eprintln!("dsig server: {}", crate::output::escape::line(line));
}

/// `path` made absolute (against the current directory).
fn absolute(path: &Path) -> Option<PathBuf> {
    if path.as_os_str().is_empty() {
        return None;
    }
    std::path::absolute(path).ok()
}

/// A finding with no rule (a lint error, a file not linted).
pub fn plain(uri: &str, range: Range, message: String) -> Finding {
    Finding {
        uri: uri.to_string(),
        diagnostic: Diagnostic {
            range,
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("dsig".to_string()),
            message,
            ..Diagnostic::default()
        },
        code: None,
        fix: None,
    }
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The report's findings and errors as [`Finding`]s: file 0 is `root_uri`,
/// a script is its file's URI. A file that is not on disk (a script read
/// from a base image) has no URI: its findings are shown on the root's
/// first line, naming it.
fn convert(report: &Report, root_uri: &str, env: &Env, out: &mut Linted) {
    let mut maps: HashMap<usize, LineMap> = HashMap::new();
    let mut place = |file: usize, span: std::ops::Range<usize>| -> Option<(String, Range)> {
        let f = report.files.get(file)?;
        let uri = if file == 0 {
            root_uri.to_string()
        } else {
            (env.uri_of)(f.disk.as_deref()?)
        };
        let map = maps.entry(file).or_insert_with(|| LineMap::new(&f.text));
        Some((uri, map.range(&f.text, span, env.encoding)))
    };
    for d in &report.diagnostics {
        let (uri, range, message) = match place(d.file, d.span.clone()) {
            Some((uri, range)) => (uri, range, d.message.clone()),
            None => {
                let name = report.files.get(d.file).map_or("", |f| f.path.as_str());
                (
                    root_uri.to_string(),
                    Range::default(),
                    format!("{name}: {}", d.message),
                )
            }
        };
        let message = match &d.help {
            Some(help) => format!("{message}\nhelp: {help}"),
            None => message,
        };
        let fix = d.fix.as_ref().and_then(|fix| {
            let mut edits = Vec::with_capacity(fix.edits.len());
            for e in &fix.edits {
                // An edit of a file that is not on disk cannot be applied.
                let (uri, range) = place(e.file, e.range.clone())?;
                edits.push((
                    uri,
                    TextEdit {
                        range,
                        new_text: e.replacement.clone(),
                    },
                ));
            }
            let safe = fix.safety == FixSafety::Safe;
            Some(FixAction {
                title: if safe {
                    format!("{} ({})", fix.message, d.code)
                } else {
                    format!("(unsafe) {} ({})", fix.message, d.code)
                },
                safe,
                edits,
            })
        });
        out.findings.push(Finding {
            uri,
            diagnostic: Diagnostic {
                range,
                severity: Some(severity(d.severity)),
                code: Some(NumberOrString::String(d.code.to_string())),
                source: Some("dsig".to_string()),
                message,
                // An unused suppression comment is shown faded, as unused
                // code is.
                tags: (d.slug == "unused-suppression").then(|| vec![DiagnosticTag::UNNECESSARY]),
                ..Diagnostic::default()
            },
            code: Some(d.code),
            fix,
        });
    }
    for e in &report.errors {
        let at = e
            .file
            .zip(e.offset)
            .and_then(|(file, offset)| place(file, offset..offset));
        let (uri, range) = at.unwrap_or_else(|| (root_uri.to_string(), Range::default()));
        let message = if uri == root_uri && e.file != Some(0) {
            format!("{}: {}", e.path, e.message)
        } else {
            e.message.clone()
        };
        out.findings.push(plain(&uri, range, message));
    }
}
