//! What a `dsig lint` run should do, resolved from its sources.
//!
//! Like ripgrep's "high-level arguments": [`crate::cli`] parses the command
//! line into [`crate::cli::LintArgs`] (everything optional, exactly what the
//! user typed), and [`Config::from_args`] (defined in cli.rs, so that this
//! module does not depend on the command line's types) turns that into one
//! plain struct with every default filled in.
//!
//! Rule settings come from configuration files: for each linted file,
//! [`Resolver`] finds the nearest `dsig.toml` (or `.dsig.toml`) by walking up
//! from the file's directory (`--config FILE` names one for every file,
//! `--isolated` uses none), reads it into a [`FileConfig`], and layers the
//! command line (`--select`, `--ignore`, `--fail-level`) over it. The result,
//! [`RuleSettings`], goes into [`crate::LintOptions`] and is applied by the
//! library, so `--fix` never applies a fix of a rule that is switched off.
//!
//! # The file
//!
//! ```toml
//! select = ["all"]                 # codes, names or code prefixes ("SIG01")
//! ignore = ["SIG004"]
//! fail-level = "error"             # info | warning | error
//!
//! [severity]                       # per-rule: info | warning | error | off
//! shell-form-cmd = "error"
//!
//! [per-path-ignores]               # globs relative to this file's directory
//! "legacy/**" = ["SIG001", "SIG002"]
//!
//! [build-args]                     # values of ARGs, under those that build
//! APP_ENV = "production"           # files and --build-arg give
//! ```
//!
//! The same keys may instead sit under a `[tool.dsig]` table (then the file's
//! other top-level tables belong to other tools and are not read). The file
//! is read with the `toml` crate (all of TOML, with the span of every key
//! and value); unknown keys, unknown rules, wrong types and invalid globs
//! are errors that point at the line.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use toml::Spanned;

use crate::diagnostic::{line_col, Diagnostic, FileError, Report, Severity};
use crate::project::clean as normalize;
use crate::rules::RuleSet;

/// How findings are printed.
// The doc comments are the --help text, shown as written: no backticks.
#[allow(clippy::doc_markdown)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with labels, help and fix information.
    Pretty,
    /// One line per finding: `path:line:col: severity[CODE] message`.
    Concise,
    /// One JSON document for the whole run, for tools.
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow commands (annotations); the default when
    /// GITHUB_ACTIONS=true.
    Github,
}

/// When to use ANSI colours in pretty output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always colour, even when piped or when `NO_COLOR` is set.
    Always,
    /// Never colour.
    Never,
}

/// The minimum severity that makes `dsig lint` exit with status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailLevel {
    /// Any finding fails.
    Info,
    /// Warnings and errors fail.
    Warning,
    /// Only errors fail.
    Error,
}

impl FailLevel {
    #[must_use]
    pub fn severity(self) -> Severity {
        match self {
            FailLevel::Info => Severity::Info,
            FailLevel::Warning => Severity::Warning,
            FailLevel::Error => Severity::Error,
        }
    }
}

/// The init that init-injection fixes put in front (`--init`, `init = ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitChoice {
    /// tini (`tini -g --`): Alpine, Debian, Ubuntu, Fedora packages.
    Tini,
    /// dumb-init (`dumb-init --`): signals the whole process group by default.
    DumbInit,
}

impl InitChoice {
    #[must_use]
    pub fn init(self) -> crate::model::init::Init {
        match self {
            InitChoice::Tini => crate::model::init::Init::Tini,
            InitChoice::DumbInit => crate::model::init::Init::DumbInit,
        }
    }
}

/// One input to lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-` on the command line).
    Stdin,
    /// A file or directory path as given.
    Path(PathBuf),
}

/// The fail level when neither the command line nor a config file sets one.
pub const DEFAULT_FAIL_LEVEL: Severity = Severity::Warning;

/// Everything a lint run needs to know, defaults resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// Files, directories and stdin to lint, in command-line order.
    pub inputs: Vec<Input>,
    pub format: Format,
    /// `--format` was given (not the default, nor GitHub Actions' github).
    pub format_given: bool,
    /// `--fail-level`: exit 1 when a remaining finding is at least this
    /// severe. `None`: each file's config decides (default
    /// [`DEFAULT_FAIL_LEVEL`]).
    pub fail_level: Option<Severity>,
    /// Write fixes back to the files (stdin: print the fixed text).
    pub fix: bool,
    /// Also apply (and count as fixable) unsafe fixes.
    pub unsafe_fixes: bool,
    /// `--init`: the init that init-injection fixes install. `None`: each
    /// file's config decides (default tini).
    pub init: Option<crate::model::init::Init>,
    /// Print fixes as a unified diff and write nothing. Wins over `fix`.
    pub diff: bool,
    pub color: ColorChoice,
    /// No summary line and nothing for clean files.
    pub quiet: bool,
    /// The name stdin is shown as (default `<stdin>`).
    pub stdin_filename: Option<String>,
    /// Build context directory (`--context`).
    pub context: Option<std::path::PathBuf>,
    /// `--config`: the one config file for every linted file.
    pub config_file: Option<PathBuf>,
    /// `--isolated`: read no config file.
    pub isolated: bool,
    /// `--select`: replaces the config files' `select`.
    pub select: Option<Vec<String>>,
    /// `--ignore`: added to the config files' `ignore`.
    pub ignore: Vec<String>,
    /// `--jobs`: files linted at once (`None`: one per CPU).
    pub jobs: Option<std::num::NonZeroUsize>,
    /// `--build-arg K=V`, in order (a later one wins). They win over the
    /// build args that build files and dsig.toml give.
    pub build_args: Vec<(String, String)>,
    /// `--target STAGE`: the stage that runs, whatever build files say.
    pub target: Option<String>,
    /// `--no-ignore`: directory walks read no ignore file.
    pub no_ignore: bool,
    /// `--images`: where base images dsig does not know are read from;
    /// `None`: as the config file says (default off).
    pub images: Option<crate::ImageSource>,
}

/// How standard input is named in output when `--stdin-filename` is absent.
pub const STDIN_DISPLAY: &str = "<stdin>";

impl Default for Config {
    fn default() -> Self {
        Config {
            inputs: vec![Input::Path(PathBuf::from("."))],
            format: Format::Pretty,
            format_given: false,
            fail_level: None,
            fix: false,
            unsafe_fixes: false,
            init: None,
            diff: false,
            color: ColorChoice::Auto,
            quiet: false,
            stdin_filename: None,
            context: None,
            config_file: None,
            isolated: false,
            select: None,
            ignore: Vec::new(),
            jobs: None,
            build_args: Vec::new(),
            target: None,
            no_ignore: false,
            images: None,
        }
    }
}

impl Config {
    /// How many files to lint at once.
    pub fn threads(&self) -> usize {
        self.jobs
            .or_else(|| std::thread::available_parallelism().ok())
            .map_or(1, std::num::NonZeroUsize::get)
    }

    /// The display name of stdin.
    #[must_use]
    pub fn stdin_name(&self) -> &str {
        self.stdin_filename.as_deref().unwrap_or(STDIN_DISPLAY)
    }

    /// Whether to colour output written to a stream that `is_terminal` or not.
    ///
    /// `--color always|never` decide alone; `auto` colours only a terminal,
    /// and not when `NO_COLOR` is set (non-empty) or `TERM=dumb`.
    #[must_use]
    pub fn use_color(&self, is_terminal: bool) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dumb = std::env::var_os("TERM").is_some_and(|v| v == "dumb");
                is_terminal && !no_color && !dumb
            }
        }
    }

    /// Check what the command line asks for as a whole: the rule lists (see
    /// [`Config::check_rule_args`]), that `--context` is a directory, and
    /// that `--diff` is not combined with a machine format (`--diff` prints a
    /// unified diff whatever the format, so `--format json` would be ignored).
    ///
    /// # Errors
    ///
    /// The message of the first problem, for `error: ...`.
    pub fn check_usage(&self) -> Result<(), String> {
        self.check_rule_args()?;
        if let Some(dir) = &self.context {
            match std::fs::metadata(dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(format!(
                        "--context {}: not a directory (the build context is a directory)",
                        dir.display()
                    ))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(format!("--context {}: no such directory", dir.display()))
                }
                Err(e) => {
                    return Err(format!(
                        "--context {}: {}",
                        dir.display(),
                        crate::files::io_message(&e)
                    ))
                }
            }
        }
        if self.diff
            && self.format_given
            && matches!(self.format, Format::Json | Format::Sarif | Format::Github)
        {
            let name = match self.format {
                Format::Json => "json",
                Format::Sarif => "sarif",
                _ => "github",
            };
            return Err(format!(
                "--diff prints a unified diff and cannot be combined with --format {name} (only with pretty or concise); drop one of them"
            ));
        }
        Ok(())
    }

    /// Check the command line's rule lists (`--select`, `--ignore`): every
    /// entry must name a rule, and `--select` must not be empty.
    ///
    /// # Errors
    ///
    /// The message of the first entry that names no rule.
    pub fn check_rule_args(&self) -> Result<(), String> {
        if self.select.as_ref().is_some_and(Vec::is_empty) {
            return Err(
                "--select: no rule given, so no rule would run (name codes, names, code prefixes or `all`)"
                    .to_string(),
            );
        }
        for (flag, list) in [
            ("--select", self.select.as_deref().unwrap_or_default()),
            ("--ignore", &self.ignore[..]),
        ] {
            for rule in list {
                if !is_valid_selector(rule) {
                    let problem = unknown_rule_detail(rule).unwrap_or_else(|| {
                        format!("unknown rule `{rule}` (`dsig rules` lists them)")
                    });
                    return Err(format!("{flag}: {problem}"));
                }
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- rule settings

/// Which rules run and at what severity (from `dsig.toml`; the command line
/// may add to it). Applied by the library, so `--fix` never applies a fix of
/// an ignored rule.
///
/// Rules are named by code (`SIG001`), slug (`shell-form-cmd`), code prefix
/// (`SIG01` is SIG010-SIG019) or `all`, in any case. The selectors are
/// resolved into a [`RuleSet`] when the settings are made (see
/// [`RuleSettings::new`]), and per-path globs are compiled when the config
/// file is read, not for each finding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSettings {
    /// Rules to run; `None` runs all.
    select: Option<Vec<String>>,
    /// Rules not to run (wins over `select`).
    ignore: Vec<String>,
    /// Severity overrides, later entries win; `None` switches the rule off.
    severity: Vec<(String, Option<Severity>)>,
    /// Rules ignored for files matching a glob.
    per_path_ignores: Vec<PathIgnore>,
    /// The directory per-path patterns are relative to (the config file's);
    /// `None`: the current directory.
    base: Option<PathBuf>,
    /// The rules of the registry that run, from the selectors above.
    rules: RuleSet,
}

/// `"legacy/**" = ["SIG001"]`: rules ignored for files that match a glob.
#[derive(Debug, Clone)]
pub struct PathIgnore {
    /// The pattern as written.
    pattern: String,
    /// The rule selectors as written.
    rules: Vec<String>,
    /// The rules of the registry they name.
    ignored: RuleSet,
    /// The pattern, compiled.
    matcher: PathPattern,
}

impl PartialEq for PathIgnore {
    fn eq(&self, other: &PathIgnore) -> bool {
        self.pattern == other.pattern && self.rules == other.rules
    }
}

impl Eq for PathIgnore {}

impl PathIgnore {
    /// Compile `pattern` (a glob relative to the config file's directory)
    /// for the rules `rules` name.
    ///
    /// # Errors
    ///
    /// When `pattern` is not a valid glob (an unclosed `[`, say).
    pub fn new(pattern: &str, rules: Vec<String>) -> Result<PathIgnore, globset::Error> {
        Ok(PathIgnore {
            matcher: PathPattern::new(pattern)?,
            pattern: pattern.to_string(),
            ignored: rule_set_of(&rules),
            rules,
        })
    }

    /// The pattern as written.
    #[must_use]
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Whether it ignores the rule `code` / `slug` (a rule outside the
    /// registry, like SIG000, by its selectors).
    fn covers(&self, code: &str, slug: &str) -> bool {
        if RuleSet::all().contains(code) {
            self.ignored.contains(code)
        } else {
            self.rules.iter().any(|s| selector_matches(s, code, slug))
        }
    }
}

/// The rules of the registry that one of `selectors` names.
fn rule_set_of(selectors: &[String]) -> RuleSet {
    RuleSet::of(|r| {
        selectors
            .iter()
            .any(|s| selector_matches(s, r.code, r.slug))
    })
}

/// Whether `selector` names the rule `code` / `slug`.
#[must_use]
pub fn selector_matches(selector: &str, code: &str, slug: &str) -> bool {
    selector.eq_ignore_ascii_case("all")
        || selector.eq_ignore_ascii_case(code)
        || selector.eq_ignore_ascii_case(slug)
        || (is_code_prefix(selector)
            && code
                .to_ascii_uppercase()
                .starts_with(&selector.to_ascii_uppercase()))
}

/// `SIG`, `SIG0`, `SIG01`: a code prefix (a whole code is matched exactly).
fn is_code_prefix(s: &str) -> bool {
    s.len() >= 3
        && s.len() < 6
        && s[..3].eq_ignore_ascii_case("SIG")
        && s[3..].bytes().all(|b| b.is_ascii_digit())
}

/// `SIG` and three digits: the shape of a rule code, known or not.
#[must_use]
pub fn is_rule_code(s: &str) -> bool {
    s.len() == 6 && s[..3].eq_ignore_ascii_case("SIG") && s[3..].bytes().all(|b| b.is_ascii_digit())
}

/// A known rule's code or slug, a code prefix that matches a rule, or `all`.
#[must_use]
pub fn is_valid_selector(s: &str) -> bool {
    s.eq_ignore_ascii_case("all")
        || crate::rules::find(s).is_some()
        || (is_code_prefix(s)
            && crate::rules::all()
                .iter()
                .any(|r| selector_matches(s, r.code, r.slug)))
}

/// Why a selector that looks right names no rule: a well-formed code that no
/// rule has (`SIG999`), or a code prefix that matches no rule (`SIG1`).
/// Selecting it would silently run nothing, so it is an error like a typo
/// (for which this returns `None`: the caller says what a rule looks like).
#[must_use]
pub fn unknown_rule_detail(s: &str) -> Option<String> {
    if is_valid_selector(s) {
        None
    } else if is_rule_code(s) {
        Some(format!(
            "unknown rule `{s}`: no rule has this code (`dsig rules` lists them)"
        ))
    } else if is_code_prefix(s) {
        Some(format!(
            "`{s}` is a code prefix that matches no rule (`dsig rules` lists them)"
        ))
    } else {
        None
    }
}

impl RuleSettings {
    /// Settings from rule selectors: `select` (`None`: all rules), `ignore`
    /// and per-rule severities (`None` switches a rule off; later entries
    /// win). The rules that run are resolved here, once.
    #[must_use]
    pub fn new(
        select: Option<Vec<String>>,
        ignore: Vec<String>,
        severity: Vec<(String, Option<Severity>)>,
    ) -> RuleSettings {
        let mut settings = RuleSettings {
            select,
            ignore,
            severity,
            ..RuleSettings::default()
        };
        settings.resolve();
        settings
    }

    /// These settings with rules ignored for files under `base` that match
    /// the patterns of `ignores`.
    #[must_use]
    pub fn with_path_ignores(mut self, base: PathBuf, ignores: Vec<PathIgnore>) -> RuleSettings {
        self.base = Some(base);
        self.per_path_ignores = ignores;
        self
    }

    /// Layer the command line over these settings: `select` (`--select`)
    /// replaces the selection, `ignore` (`--ignore`) adds to it.
    #[must_use]
    pub fn layered(mut self, select: Option<&[String]>, ignore: &[String]) -> RuleSettings {
        if let Some(select) = select {
            self.select = Some(select.to_vec());
        }
        self.ignore.extend(ignore.iter().cloned());
        self.resolve();
        self
    }

    /// Compute [`RuleSettings::rule_set`] from the selectors.
    fn resolve(&mut self) {
        self.rules = RuleSet::of(|r| self.selected(r.code, r.slug));
    }

    /// The rules that run at all (before per-path ignores), resolved when
    /// the settings were made.
    #[must_use]
    pub fn rule_set(&self) -> RuleSet {
        self.rules
    }

    /// Whether nothing is configured (every rule runs as it is).
    fn is_default(&self) -> bool {
        self.select.is_none()
            && self.ignore.is_empty()
            && self.severity.is_empty()
            && self.per_path_ignores.is_empty()
    }

    /// Whether the rule runs at all (before per-path ignores): from the
    /// rule set for the rules of the registry, from the selectors for the
    /// others (SIG000).
    #[must_use]
    pub fn enabled(&self, code: &str, slug: &str) -> bool {
        if RuleSet::all().contains(code) {
            self.rules.contains(code)
        } else {
            self.selected(code, slug)
        }
    }

    /// Whether the selectors let the rule run.
    fn selected(&self, code: &str, slug: &str) -> bool {
        let selected = self
            .select
            .as_ref()
            .is_none_or(|s| s.iter().any(|sel| selector_matches(sel, code, slug)));
        selected
            && !self
                .ignore
                .iter()
                .any(|sel| selector_matches(sel, code, slug))
            && self.severity_override(code, slug) != Some(None)
    }

    /// The configured severity: `Some(None)` when switched off.
    fn severity_override(&self, code: &str, slug: &str) -> Option<Option<Severity>> {
        // The most specific selector wins: a code or slug over a prefix over `all`.
        let rank = |sel: &str| {
            if sel.eq_ignore_ascii_case(code) || sel.eq_ignore_ascii_case(slug) {
                3
            } else if is_code_prefix(sel) {
                sel.len()
            } else {
                0
            }
        };
        self.severity
            .iter()
            .filter(|(sel, _)| selector_matches(sel, code, slug))
            .max_by_key(|(sel, _)| rank(sel))
            .map(|(_, s)| *s)
    }

    /// The severity a finding of this rule gets.
    #[must_use]
    pub fn severity(&self, code: &str, slug: &str, default: Severity) -> Severity {
        self.severity_override(code, slug)
            .flatten()
            .unwrap_or(default)
    }

    /// Whether a per-path ignore drops rule `code` for any of `paths`.
    #[must_use]
    pub fn path_ignored(&self, code: &str, slug: &str, paths: &[&Path]) -> bool {
        let mut ignores = self
            .per_path_ignores
            .iter()
            .filter(|pi| pi.covers(code, slug))
            .peekable();
        if ignores.peek().is_none() {
            return false;
        }
        let base = self
            .base
            .clone()
            .unwrap_or_else(|| std::env::current_dir().unwrap_or_default());
        let rels: Vec<String> = paths.iter().filter_map(|p| relative_to(&base, p)).collect();
        let names: Vec<String> = paths
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        ignores.any(|pi| {
            rels.iter().any(|rel| pi.matcher.matches(rel))
                || names.iter().any(|n| pi.matcher.matches_name(n))
        })
    }

    /// Whether a finding survives the settings (its rule runs, for its file).
    #[must_use]
    pub fn keeps(&self, report: &Report, d: &Diagnostic, linted: &Path) -> bool {
        if !self.enabled(d.code, d.slug) {
            return false;
        }
        let own = report
            .files
            .get(d.file)
            .and_then(|f| f.disk.as_deref())
            .filter(|_| d.file != 0);
        let paths: Vec<&Path> = std::iter::once(linted).chain(own).collect();
        !self.path_ignored(d.code, d.slug, &paths)
    }

    /// Drop findings of rules that are not selected and apply severity
    /// overrides. `path` is the linted file (its display path, used when it
    /// is not on disk), for per-path ignores: a finding is dropped when the
    /// pattern matches the linted Dockerfile or the script it points into.
    pub fn apply(&self, report: &mut Report, path: &str) {
        if self.is_default() {
            return;
        }
        let linted = report
            .files
            .first()
            .and_then(|f| f.disk.clone())
            .unwrap_or_else(|| PathBuf::from(path));
        let diagnostics = std::mem::take(&mut report.diagnostics);
        report.diagnostics = diagnostics
            .into_iter()
            .filter(|d| self.keeps(report, d, &linted))
            .map(|mut d| {
                d.severity = self.severity(d.code, d.slug, d.severity);
                d
            })
            .collect();
    }
}

// ---------------------------------------------------------------- paths and globs

/// `path` relative to `base` with `/` separators, both made absolute and
/// cleaned of `.` and `..` first; `None` when `path` is outside `base`.
#[must_use]
pub fn relative_to(base: &Path, path: &Path) -> Option<String> {
    let base = normalize(base);
    let path = normalize(path);
    let rel = path.strip_prefix(&base).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// A per-path pattern of `[per-path-ignores]`, compiled once with globset:
/// `*` and `?` stay within one path segment, `**` spans segments,
/// `[a-z]`, `[!a]`, `{a,b}`.
#[derive(Debug, Clone)]
struct PathPattern {
    glob: globset::GlobMatcher,
    /// No `/` but a trailing one: the pattern matches a name at any depth.
    any_depth: bool,
    /// A trailing `/`: only directories match.
    dir_only: bool,
    /// The pattern as written has no `/` at all (`./x` has one): it also
    /// matches the name of a file outside the config's directory.
    bare_name: bool,
}

impl PathPattern {
    fn new(pattern: &str) -> Result<PathPattern, globset::Error> {
        let bare_name = !pattern.contains('/');
        let p = pattern.strip_prefix("./").unwrap_or(pattern);
        let dir_only = p.ends_with('/');
        let p = p.trim_end_matches('/');
        let any_depth = !p.contains('/');
        let p = if any_depth {
            p
        } else {
            p.strip_prefix('/').unwrap_or(p)
        };
        let glob = glob(p)?.compile_matcher();
        Ok(PathPattern {
            glob,
            any_depth,
            dir_only,
            bare_name,
        })
    }

    /// Whether it matches the relative path `rel`: the whole path, or one of
    /// its directories (so `legacy/` and `legacy` cover all files under
    /// it). A pattern without `/` matches a name at any depth.
    fn matches(&self, rel: &str) -> bool {
        // Where each leading part of `rel` ends: at each `/`, and at its end
        // unless only directories match.
        let ends = rel
            .match_indices('/')
            .map(|(i, _)| i)
            .chain((!self.dir_only).then_some(rel.len()));
        let mut start = 0;
        for end in ends {
            let hit = if self.any_depth {
                self.glob.is_match(&rel[start..end])
            } else {
                end > 0 && self.glob.is_match(&rel[..end])
            };
            if hit {
                return true;
            }
            start = end + 1;
        }
        false
    }

    /// Whether it matches the file name `name` wherever the file is.
    fn matches_name(&self, name: &str) -> bool {
        self.bare_name && self.glob.is_match(name)
    }
}

/// A glob as dsig reads them: `*` and `?` do not match `/`.
fn glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
}

/// Whether `text` matches the glob `pattern` (`*` and `?` stay within one
/// path segment, `**` spans segments); an invalid glob matches nothing.
/// For tests: the COPY wildcard matcher is checked against it.
#[cfg(test)]
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    glob(pattern).is_ok_and(|g| g.compile_matcher().is_match(text))
}

// ---------------------------------------------------------------- config files

/// The longest `[per-path-ignores]` pattern: each is matched against every
/// path prefix of every linted file.
pub const MAX_PATTERN_LEN: usize = 1024;

/// Config file names looked for in each directory, first match wins.
pub const CONFIG_NAMES: [&str; 2] = ["dsig.toml", ".dsig.toml"];

/// What `dsig init` writes: every key, documented, with its default.
pub const INIT_TEMPLATE: &str = r#"# dsig configuration. dsig uses the nearest dsig.toml (or .dsig.toml) above
# each linted file; `dsig lint --config FILE` names one, `--isolated` skips them.
# Rules are named by code (SIG001), name (shell-form-cmd), code prefix (SIG01)
# or "all"; `dsig rules` lists them.

# Rules to run (default: all).
select = ["all"]

# Rules not to run.
ignore = []

# `dsig lint` exits 1 when a finding at or above this level remains:
# "info", "warning" (the default) or "error". --fail-level overrides it.
fail-level = "warning"

# The init that unsafe init-injection fixes put in front of ENTRYPOINT/CMD:
# "tini" (the default) or "dumb-init". --init overrides it.
init = "tini"

# Where base images that dsig does not know are read from: "off" (the default:
# no daemon, no network), "docker" (the local Docker Engine) or "registry"
# (the image's registry): their config, /bin/sh and startup scripts.
# --images overrides it.
images = "off"

# Build args for the Dockerfiles under this file: they stand for the values
# the build gives (`docker build --build-arg K=V`). Build files that dsig
# finds (docker-bake.hcl, compose files, workflows) and --build-arg win.
[build-args]
# APP_ENV = "production"

# Per-rule severity: "info", "warning", "error", or "off".
[severity]
# repeated-cmd-or-entrypoint = "info"

# Rules to ignore in some files: glob patterns relative to this file's
# directory (`*`, `**`, `?`, `[a-z]`); a pattern without `/` matches a file or
# directory name at any depth, a directory covers everything under it.
[per-path-ignores]
# "legacy/**" = ["SIG001", "SIG002"]
"#;

/// A parsed config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileConfig {
    pub path: PathBuf,
    pub settings: RuleSettings,
    pub fail_level: Option<Severity>,
    pub init: Option<crate::model::init::Init>,
    /// `images = "off" | "docker" | "registry"`.
    pub images: Option<crate::ImageSource>,
    /// `[build-args]`, in file order.
    pub build_args: Vec<(String, String)>,
}

/// A config file that could not be used: the error (with its line and
/// column when it has one) and the source lines to show under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub error: Box<FileError>,
    /// A snippet pointing at the problem (`3 | colour = 1` / `  | ^^^^^^`).
    pub snippet: Vec<String>,
}

impl ConfigError {
    fn plain(path: &Path, message: String) -> ConfigError {
        ConfigError {
            error: Box::new(FileError {
                file: None,
                path: path.display().to_string(),
                message,
                offset: None,
                location: None,
            }),
            snippet: Vec::new(),
        }
    }

    fn at(path: &Path, text: &str, span: Range<usize>, message: String) -> ConfigError {
        let lc = line_col(text, span.start);
        ConfigError {
            error: Box::new(FileError {
                file: None,
                path: path.display().to_string(),
                message,
                offset: Some(span.start),
                location: Some(lc),
            }),
            snippet: snippet(text, span),
        }
    }
}

/// The line of `span.start` with carets under the span (to the line's end).
fn snippet(text: &str, span: Range<usize>) -> Vec<String> {
    let start = span.start.min(text.len());
    let line_start = crate::diagnostic::line_start(text, start);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let lc = line_col(text, start);
    let number = lc.line.to_string();
    let pad = " ".repeat(number.len());
    let end = span.end.clamp(start, line_start + line.len());
    let lead = text[line_start..start].chars().count();
    let width = text.get(start..end).map_or(1, |s| s.chars().count()).max(1);
    vec![
        format!("{pad} |"),
        format!("{number} | {line}"),
        format!("{pad} | {}{}", " ".repeat(lead), "^".repeat(width)),
    ]
}

const KEYS: [&str; 8] = [
    "select",
    "ignore",
    "fail-level",
    "init",
    "images",
    "severity",
    "per-path-ignores",
    "build-args",
];

/// The largest config file dsig reads (1 MiB; real ones are a few lines).
pub const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

/// Why a config path that is not a regular file is not read.
fn not_regular(meta: &std::fs::Metadata) -> String {
    let what = if meta.is_dir() {
        "a directory"
    } else {
        crate::model::context::special_kind(&meta.file_type())
    };
    format!("cannot read config: not a regular file ({what}); not opened")
}

/// Read and check a config file: a regular file (checked before it is
/// opened and again on the opened file, so a FIFO or a device is never
/// read), of at most [`MAX_CONFIG_SIZE`] bytes (checked while reading).
///
/// # Errors
///
/// When the file cannot be read, is not a regular file, is too large,
/// is not UTF-8, or is not a valid config (see [`parse_config`]).
pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
    use std::io::Read;
    let io = |e: std::io::Error| {
        ConfigError::plain(
            path,
            format!("cannot read config: {}", crate::files::io_message(&e)),
        )
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ConfigError::plain(path, not_regular(&meta)));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(ConfigError::plain(path, not_regular(&meta)));
    }
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_CONFIG_SIZE {
        return Err(ConfigError::plain(
            path,
            format!(
                "config file too large (dsig reads config files up to {} KiB)",
                MAX_CONFIG_SIZE / 1024
            ),
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| ConfigError::plain(path, "config is not valid UTF-8".to_string()))?;
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    parse_config(path, &text, &base)
}

/// A TOML table of `toml`'s spanned document tree.
type Table<'t> = toml::de::DeTable<'t>;
/// A TOML value with its byte span.
type Value<'t> = Spanned<toml::de::DeValue<'t>>;

/// What a TOML value is, for error messages.
fn type_name(value: &toml::de::DeValue<'_>) -> &'static str {
    use toml::de::DeValue;
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Reports an error at a byte range of the config text.
type At<'a> = dyn Fn(Range<usize>, String) -> ConfigError + 'a;

/// Parse config text read from `path`; per-path patterns are relative to `base`.
///
/// # Errors
///
/// The first problem: invalid TOML, an unknown key, a wrong type, an
/// unknown rule or an invalid path pattern, at its line and column.
pub fn parse_config(path: &Path, text: &str, base: &Path) -> Result<FileConfig, ConfigError> {
    use toml::de::DeValue;
    let at = |span: Range<usize>, message: String| ConfigError::at(path, text, span, message);
    let root = Table::parse(text)
        .map_err(|e| at(e.span().unwrap_or(0..0), e.message().to_string()))?
        .into_inner();
    let empty = Table::new();
    let table = match root.get("tool") {
        Some(tool) => {
            if let Some((k, _)) = root.iter().find(|(k, _)| k.get_ref() != "tool") {
                return Err(at(
                    k.span(),
                    format!(
                        "unknown key `{}`: with a [tool.dsig] table, dsig reads only that table",
                        k.get_ref()
                    ),
                ));
            }
            let DeValue::Table(tool_table) = tool.get_ref() else {
                return Err(at(tool.span(), "`tool` must be a table".to_string()));
            };
            match tool_table.get("dsig") {
                Some(v) => match v.get_ref() {
                    DeValue::Table(t) => t,
                    _ => return Err(at(v.span(), "`tool.dsig` must be a table".to_string())),
                },
                None => &empty,
            }
        }
        None => &root,
    };
    let mut out = FileConfig {
        path: path.to_path_buf(),
        settings: RuleSettings::default(),
        fail_level: None,
        init: None,
        images: None,
        build_args: Vec::new(),
    };
    let mut select = None;
    let mut ignore = Vec::new();
    let mut severity = Vec::new();
    let mut per_path = Vec::new();
    for (key, value) in table {
        match key.get_ref().as_ref() {
            "select" => {
                let rules = rule_list(&at, "select", value)?;
                if rules.is_empty() {
                    return Err(at(
                        value.span(),
                        "`select` is empty, so no rule would run (name codes, names, code prefixes or \"all\")".to_string(),
                    ));
                }
                select = Some(rules);
            }
            "ignore" => ignore = rule_list(&at, "ignore", value)?,
            "fail-level" => {
                let s = string(&at, "fail-level", value)?;
                out.fail_level = Some(Severity::parse(s).ok_or_else(|| {
                    at(
                        value.span(),
                        format!(
                            "`fail-level` must be \"info\", \"warning\" or \"error\", not \"{s}\""
                        ),
                    )
                })?);
            }
            "images" => {
                let s = string(&at, "images", value)?;
                out.images = Some(match s {
                    "off" => crate::ImageSource::Off,
                    "docker" => crate::ImageSource::Docker,
                    "registry" => crate::ImageSource::Registry,
                    _ => {
                        return Err(at(
                            value.span(),
                            format!(
                                "`images` must be \"off\", \"docker\" or \"registry\", not \"{s}\""
                            ),
                        ))
                    }
                });
            }
            "init" => {
                let s = string(&at, "init", value)?;
                out.init = Some(crate::model::init::Init::parse(s).ok_or_else(|| {
                    at(
                        value.span(),
                        format!("`init` must be \"tini\" or \"dumb-init\", not \"{s}\""),
                    )
                })?);
            }
            "severity" => {
                for (rule, level) in table_of(&at, "severity", value)? {
                    check_rule(&at, rule.get_ref(), rule.span())?;
                    let s = string(&at, &format!("severity.{}", rule.get_ref()), level)?;
                    let sev = if s.eq_ignore_ascii_case("off") {
                        None
                    } else {
                        Some(Severity::parse(s).ok_or_else(|| {
                            at(
                                level.span(),
                                format!(
                                    "severity must be \"info\", \"warning\", \"error\" or \"off\", not \"{s}\""
                                ),
                            )
                        })?)
                    };
                    severity.push((rule.get_ref().to_string(), sev));
                }
            }
            "build-args" => {
                for (name, v) in table_of(&at, "build-args", value)? {
                    let name_text = name.get_ref();
                    if name_text.is_empty() || name_text.contains('=') {
                        return Err(at(
                            name.span(),
                            format!("`{name_text}` is not a build arg name"),
                        ));
                    }
                    let s = string(&at, &format!("build-args.{name_text}"), v)?;
                    out.build_args.push((name_text.to_string(), s.to_string()));
                }
            }
            "per-path-ignores" => {
                for (pattern, rules) in table_of(&at, "per-path-ignores", value)? {
                    let text = pattern.get_ref();
                    if text.is_empty() {
                        return Err(at(pattern.span(), "empty path pattern".to_string()));
                    }
                    if text.len() > MAX_PATTERN_LEN {
                        return Err(at(
                            pattern.span(),
                            format!(
                                "path pattern longer than {MAX_PATTERN_LEN} bytes; no path is that deep"
                            ),
                        ));
                    }
                    let rules = rule_list(&at, &format!("per-path-ignores.\"{text}\""), rules)?;
                    let ignore = PathIgnore::new(text, rules).map_err(|e| {
                        at(
                            pattern.span(),
                            format!("invalid path pattern `{text}`: {}", e.kind()),
                        )
                    })?;
                    per_path.push(ignore);
                }
            }
            other => {
                let normal = other.replace('_', "-").to_ascii_lowercase();
                let hint = if KEYS.contains(&normal.as_str()) {
                    format!("did you mean `{normal}`?")
                } else {
                    format!(
                        "expected one of {}",
                        KEYS.map(|k| format!("`{k}`")).join(", ")
                    )
                };
                return Err(at(key.span(), format!("unknown key `{other}` ({hint})")));
            }
        }
    }
    out.settings =
        RuleSettings::new(select, ignore, severity).with_path_ignores(normalize(base), per_path);
    Ok(out)
}

fn string<'v>(at: &At<'_>, key: &str, value: &'v Value<'_>) -> Result<&'v str, ConfigError> {
    match value.get_ref() {
        toml::de::DeValue::String(s) => Ok(s),
        other => Err(at(
            value.span(),
            format!("`{key}` must be a string, not {}", type_name(other)),
        )),
    }
}

fn table_of<'v, 't>(
    at: &At<'_>,
    key: &str,
    value: &'v Value<'t>,
) -> Result<&'v Table<'t>, ConfigError> {
    match value.get_ref() {
        toml::de::DeValue::Table(t) => Ok(t),
        other => Err(at(
            value.span(),
            format!("`{key}` must be a table, not {}", type_name(other)),
        )),
    }
}

fn check_rule(at: &At<'_>, rule: &str, span: Range<usize>) -> Result<(), ConfigError> {
    if is_valid_selector(rule) {
        return Ok(());
    }
    let problem = unknown_rule_detail(rule).unwrap_or_else(|| {
        format!(
            "unknown rule `{rule}` (a code such as SIG001, a name such as shell-form-cmd, a code prefix, or \"all\")"
        )
    });
    Err(at(span, problem))
}

fn rule_list(at: &At<'_>, key: &str, value: &Value<'_>) -> Result<Vec<String>, ConfigError> {
    let toml::de::DeValue::Array(items) = value.get_ref() else {
        return Err(at(
            value.span(),
            format!(
                "`{key}` must be an array of rules, not {}",
                type_name(value.get_ref())
            ),
        ));
    };
    let mut out = Vec::new();
    for item in items {
        let s = string(at, key, item)?;
        check_rule(at, s, item.span())?;
        out.push(s.to_string());
    }
    Ok(out)
}

/// The nearest config file in `dir` or above it.
///
/// It is shown relative to the current directory when it is inside it.
#[must_use]
pub fn find(dir: &Path) -> Option<PathBuf> {
    let dir = normalize(dir);
    let found = dir.ancestors().find_map(|d| {
        CONFIG_NAMES
            .iter()
            .map(|n| d.join(n))
            // Not only regular files: a FIFO or a broken link named
            // dsig.toml is reported when loaded, not silently skipped.
            .find(|p| std::fs::symlink_metadata(p).is_ok_and(|m| !m.is_dir()))
    })?;
    let cwd = std::env::current_dir().ok().map(|c| normalize(&c));
    Some(
        cwd.and_then(|c| found.strip_prefix(c).ok().map(Path::to_path_buf))
            .unwrap_or(found),
    )
}

/// The settings for one linted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub settings: RuleSettings,
    pub fail_level: Severity,
    /// The init for init-injection fixes.
    pub init: crate::model::init::Init,
    /// Where base images dsig does not know are read from (`--images`,
    /// `images = ...`).
    pub images: crate::ImageSource,
    /// `[build-args]` of the config file (under build files' and the
    /// command line's).
    pub build_args: Vec<(String, String)>,
    /// The config file they came from, if any.
    pub file: Option<PathBuf>,
}

/// Finds, reads and caches config files for a run.
#[derive(Debug)]
pub struct Resolver<'c> {
    config: &'c Config,
    /// Directory → config file found from it.
    found: HashMap<PathBuf, Option<PathBuf>>,
    /// Config file → its settings, or the error (reported once).
    loaded: HashMap<PathBuf, Result<Rc<Resolved>, ConfigError>>,
    reported: Vec<PathBuf>,
    none: Option<Rc<Resolved>>,
    /// The linted trees (each input directory, or a named file's
    /// directory), made absolute: a config file inside one of them may be
    /// the repository's, so it must resolve inside it.
    trees: Vec<PathBuf>,
}

/// `Ok` unless `file` lies in one of `trees` but resolves (through a
/// symlink, of the file or of a directory on the way) outside all of them:
/// a repository's config must not be a window on files outside it. A config
/// file outside the linted trees (above them, or named with `--config`) is
/// the user's own and is read wherever it leads.
fn check_config_jail(file: &Path, trees: &[PathBuf]) -> Result<(), ConfigError> {
    let lexical = normalize(file);
    if !trees.iter().any(|t| lexical.starts_with(t)) {
        return Ok(());
    }
    let Ok(target) = std::fs::canonicalize(file) else {
        return Ok(()); // missing or broken: reported when loaded
    };
    let inside = trees.iter().any(|t| {
        lexical.starts_with(t)
            && std::fs::canonicalize(t).is_ok_and(|canonical| target.starts_with(canonical))
    });
    if inside {
        return Ok(());
    }
    Err(ConfigError::plain(
        file,
        "config not read: it is a symlink (or is reached through one) to a file outside the linted directory; copy the settings into the repository instead".to_string(),
    ))
}

/// `Ok` unless a config file that dsig found by itself (walking up from a
/// linted file, so possibly the repository's, even above the linted
/// directory) resolves outside the directory it was found in, or into a
/// `.git` directory: a `dsig.toml` that is a symlink to
/// `/proc/self/environ` or `~/.git-credentials` would otherwise be read and
/// shown in the config error's snippet. A `--config` file is named by the
/// user and not checked here.
fn check_found_config(file: &Path) -> Result<(), ConfigError> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let (Ok(target), Ok(dir)) = (std::fs::canonicalize(file), std::fs::canonicalize(dir)) else {
        return Ok(()); // missing or broken: reported when loaded
    };
    let inside = target
        .strip_prefix(&dir)
        .is_ok_and(|rel| !crate::files::in_git_dir(rel));
    if inside {
        return Ok(());
    }
    Err(ConfigError::plain(
        file,
        "config not read: it is a symlink to a file outside its own directory (or inside `.git`); use --config to name a config file kept elsewhere".to_string(),
    ))
}

impl<'c> Resolver<'c> {
    #[must_use]
    pub fn new(config: &'c Config) -> Resolver<'c> {
        Resolver {
            config,
            found: HashMap::new(),
            loaded: HashMap::new(),
            reported: Vec::new(),
            none: None,
            trees: config
                .inputs
                .iter()
                .filter_map(|i| match i {
                    Input::Path(p) if p.is_dir() => Some(normalize(p)),
                    Input::Path(p) => Some(normalize(match p.parent() {
                        Some(d) if !d.as_os_str().is_empty() => d,
                        _ => Path::new("."),
                    })),
                    // Standard input named as a file of a tree: that tree.
                    Input::Stdin => {
                        config
                            .stdin_filename
                            .as_deref()
                            .map(|f| match Path::new(f).parent() {
                                Some(d) if !d.as_os_str().is_empty() => normalize(d),
                                _ => normalize(Path::new(".")),
                            })
                    }
                })
                .collect(),
        }
    }

    /// The settings for a file in `dir`. An error is returned in full the
    /// first time a config file fails, and as `Err(None)` after that.
    ///
    /// # Errors
    ///
    /// When the config file for `dir` cannot be used.
    pub fn for_dir(&mut self, dir: &Path) -> Result<Rc<Resolved>, Option<ConfigError>> {
        let file = if self.config.isolated {
            None
        } else if let Some(f) = &self.config.config_file {
            Some(f.clone())
        } else {
            let key = normalize(dir);
            self.found
                .entry(key.clone())
                .or_insert_with(|| find(&key))
                .clone()
        };
        let Some(file) = file else {
            let config = self.config;
            return Ok(self
                .none
                .get_or_insert_with(|| {
                    Rc::new(Resolved {
                        settings: RuleSettings::default()
                            .layered(config.select.as_deref(), &config.ignore),
                        fail_level: config.fail_level.unwrap_or(DEFAULT_FAIL_LEVEL),
                        init: config.init.unwrap_or_default(),
                        images: config.images.unwrap_or_default(),
                        build_args: Vec::new(),
                        file: None,
                    })
                })
                .clone());
        };
        let config = self.config;
        let trees = &self.trees;
        let searched = self.config.config_file.is_none();
        let entry = self.loaded.entry(file.clone()).or_insert_with(|| {
            if searched {
                check_found_config(&file)?;
            }
            check_config_jail(&file, trees)?;
            load(&file).map(|fc| {
                Rc::new(Resolved {
                    settings: fc
                        .settings
                        .layered(config.select.as_deref(), &config.ignore),
                    fail_level: config
                        .fail_level
                        .or(fc.fail_level)
                        .unwrap_or(DEFAULT_FAIL_LEVEL),
                    init: config.init.or(fc.init).unwrap_or_default(),
                    images: config.images.or(fc.images).unwrap_or_default(),
                    build_args: fc.build_args,
                    file: Some(fc.path),
                })
            })
        });
        match entry {
            Ok(r) => Ok(r.clone()),
            Err(e) => {
                if self.reported.contains(&file) {
                    Err(None)
                } else {
                    self.reported.push(file);
                    Err(Some(e.clone()))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_matches(pattern: &str, rel: &str) -> bool {
        PathPattern::new(pattern).expect("valid").matches(rel)
    }

    #[test]
    fn globs() {
        for (p, t, want) in [
            ("*.Dockerfile", "app.Dockerfile", true),
            ("*.Dockerfile", "a/app.Dockerfile", false),
            ("**/*.Dockerfile", "a/b/app.Dockerfile", true),
            ("**/*.Dockerfile", "app.Dockerfile", true),
            ("a/**/b", "a/b", true),
            ("a/**/b", "a/x/y/b", true),
            ("a/**", "a/x/y", true),
            ("a/**", "b/x", false),
            ("Docker?ile", "Dockerfile", true),
            ("[Dd]ockerfile", "dockerfile", true),
            ("[!D]ockerfile", "Dockerfile", false),
            ("[a-c]x", "bx", true),
        ] {
            assert_eq!(glob_match(p, t), want, "{p} ~ {t}");
        }
        assert!(path_matches("legacy", "svc/legacy/Dockerfile"));
        assert!(path_matches("legacy/", "legacy/Dockerfile"));
        assert!(!path_matches("legacy/", "x/legacy"));
        assert!(path_matches("svc/legacy", "svc/legacy/Dockerfile"));
        assert!(!path_matches("svc/legacy", "other/svc/legacy/Dockerfile"));
        assert!(path_matches("Dockerfile.*", "a/b/Dockerfile.dev"));
        assert!(path_matches("./a/*", "a/Dockerfile"));
    }

    #[test]
    fn selectors() {
        assert!(selector_matches("all", "SIG001", "shell-form-cmd"));
        assert!(selector_matches("sig001", "SIG001", "shell-form-cmd"));
        assert!(selector_matches(
            "Shell-Form-Cmd",
            "SIG001",
            "shell-form-cmd"
        ));
        assert!(selector_matches("SIG00", "SIG001", "shell-form-cmd"));
        assert!(!selector_matches("SIG01", "SIG001", "shell-form-cmd"));
        assert!(!is_valid_selector("SIG999"));
        assert!(!is_valid_selector("SIG1"));
        assert!(!is_valid_selector("SIG09"));
        assert!(is_valid_selector("SIG0"));
        assert!(is_valid_selector("sig02"));
        assert!(is_valid_selector("SIG022"));
        assert!(!is_valid_selector("SIG0001"));
        assert!(!is_valid_selector("no-such-rule"));
    }

    #[test]
    fn settings() {
        let s = RuleSettings::new(
            Some(vec!["SIG00".into()]),
            vec!["shell-form-entrypoint".into()],
            vec![
                ("all".into(), Some(Severity::Info)),
                ("SIG001".into(), Some(Severity::Error)),
                ("SIG003".into(), None),
            ],
        );
        assert!(s.rule_set().contains("SIG001"));
        assert!(!s.rule_set().contains("SIG002"));
        assert!(!s.rule_set().contains("SIG003"));
        assert!(!s.rule_set().contains("SIG010"));
        assert!(s.enabled("SIG001", "shell-form-cmd"));
        assert!(!s.enabled("SIG002", "shell-form-entrypoint"));
        assert!(!s.enabled("SIG003", "invalid-exec-form"));
        assert!(!s.enabled("SIG010", "script-missing-exec"));
        assert_eq!(
            s.severity("SIG001", "shell-form-cmd", Severity::Warning),
            Severity::Error
        );
        assert_eq!(s.severity("SIG004", "x", Severity::Warning), Severity::Info);
    }

    #[test]
    fn config_files() {
        let base = Path::new("/p");
        let ok = parse_config(
            Path::new("dsig.toml"),
            "select = ['all']\nfail-level = 'error'\n[severity]\nSIG004 = 'off'\n[per-path-ignores]\n'x/**' = ['SIG001']\n",
            base,
        )
        .expect("valid");
        assert_eq!(ok.fail_level, Some(Severity::Error));
        assert_eq!(ok.settings.severity, vec![("SIG004".to_string(), None)]);
        assert_eq!(ok.settings.per_path_ignores[0].pattern, "x/**");
        let tool = parse_config(
            Path::new(".dsig.toml"),
            "[tool.other]\nx = 1\n[tool.dsig]\nignore = ['SIG001']\n",
            base,
        )
        .expect("valid");
        assert_eq!(tool.settings.ignore, vec!["SIG001".to_string()]);
        let args = parse_config(
            Path::new("dsig.toml"),
            "[build-args]\nAPP_ENV = 'prod'\n\"B\" = ''\n",
            base,
        )
        .expect("valid");
        assert_eq!(
            args.build_args,
            vec![
                ("APP_ENV".to_string(), "prod".to_string()),
                ("B".to_string(), String::new())
            ]
        );
        for (text, message, line) in [
            ("colour = 1\n", "unknown key `colour` (expected one of", 1),
            ("\nfail_level = 'info'\n", "did you mean `fail-level`?", 2),
            ("select = ['SIG001', 'nope']\n", "unknown rule `nope`", 1),
            (
                "\nselect = ['SIG100']\n",
                "unknown rule `SIG100`: no rule has this code",
                2,
            ),
            (
                "ignore = ['SIG9']\n",
                "`SIG9` is a code prefix that matches no rule",
                1,
            ),
            ("select = []\n", "`select` is empty", 1),
            ("[severity]\nSIG999 = 'off'\n", "unknown rule `SIG999`", 2),
            (
                "select = 'SIG001'\n",
                "must be an array of rules, not a string",
                1,
            ),
            ("[severity]\nSIG001 = 'fatal'\n", "not \"fatal\"", 2),
            ("fail-level = 'x'\n", "`fail-level` must be", 1),
            ("x = 1\n[tool.dsig]\n", "dsig reads only that table", 1),
            (
                "[per-path-ignores]\n'a' = [1]\n",
                "must be a string, not an integer",
                2,
            ),
            (
                "[build-args]\nA = 1\n",
                "`build-args.A` must be a string, not an integer",
                2,
            ),
            ("\nbuild_args = {}\n", "did you mean `build-args`?", 2),
        ] {
            let e = parse_config(Path::new("dsig.toml"), text, base).expect_err(text);
            assert!(e.error.message.contains(message), "{text:?}: {e:?}");
            assert_eq!(e.error.location.map(|l| l.line), Some(line), "{text:?}");
            assert_eq!(e.snippet.len(), 3);
        }
    }

    #[test]
    fn init_template_is_valid() {
        let c =
            parse_config(Path::new("dsig.toml"), INIT_TEMPLATE, Path::new("/p")).expect("valid");
        assert_eq!(c.fail_level, Some(Severity::Warning));
        assert!(c.settings.enabled("SIG001", "shell-form-cmd"));
    }
}
