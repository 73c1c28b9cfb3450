//! The command line: argument parsing, the `lint`, `rules` and `explain`
//! commands, and exit codes.
//!
//! [`run`] never panics on bad input or closed pipes and returns the process
//! exit code: [`EXIT_OK`], [`EXIT_FINDINGS`] or [`EXIT_ERROR`] (which wins).

use std::collections::HashSet;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::json;

use crate::config::{
    ColorChoice, Config, ConfigError, FailLevel, Format, InitChoice, Input, Resolver,
};
use crate::diagnostic::{FileError, Severity};
use crate::files::{self, Source};
use crate::output::{self, pretty, Run};

/// Nothing at or above the fail level (or, with `--diff`, nothing to fix).
pub const EXIT_OK: u8 = 0;
/// Findings at or above `--fail-level` remain (or `--diff` printed a diff).
pub const EXIT_FINDINGS: u8 = 1;
/// A usage, I/O or parse error; wins over [`EXIT_FINDINGS`].
pub const EXIT_ERROR: u8 = 2;

const ABOUT: &str = "Lint and fix Dockerfiles so containers stop gracefully";

const LONG_ABOUT: &str = "\
Lint and fix Dockerfiles so containers stop gracefully.

dsig works out which process each image runs as PID 1 and whether the SIGTERM \
sent by `docker stop` reaches your application: shell-form CMD and ENTRYPOINT \
(/bin/sh as PID 1 swallows signals), wrappers that do not `exec`, and missing \
init processes. It reads compose files and Kubernetes manifests too, and judges each service and container as it runs (overrides, init: true, stop signal, grace period). Many findings can be fixed in place, e.g. by switching to exec form.";

const LINT_AFTER_HELP: &str = "\
Examples:
  dsig lint                          Lint every Dockerfile under the current directory
  dsig lint Dockerfile docker/       Lint a file and a directory
  dsig lint --diff                   Show what --fix would change, write nothing
  dsig lint --fix                    Apply safe fixes in place
  dsig lint --fix --unsafe-fixes     Also apply fixes that may change behaviour
  dsig lint --format concise .       One line per finding (for editors and grep)
  dsig lint --format json . > out.json
  dsig lint --format sarif . > dsig.sarif
  dsig lint --ignore SIG004 --fail-level error
  dsig lint --context . --build-arg APP_ENV=prod --target runtime debian/Dockerfile
  dsig lint - --stdin-filename Dockerfile < Dockerfile
  dsig lint --fix - < Dockerfile > Dockerfile.fixed
  dsig lint compose.yaml             Each service as it runs, with its image
  helm template chart | dsig lint -  Each container of the rendered manifests

Directories are searched recursively for Dockerfile, Containerfile, *.Dockerfile,
*.dockerfile, *.containerfile, Dockerfile.* and Containerfile.*, skipping hidden
directories, .git, node_modules and target, and for compose files (compose.yaml,
docker-compose.yml and their variants) and Kubernetes manifests (*.yaml, *.yml
with Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob; other
YAML is skipped). A file named explicitly is linted whatever its name.

Each compose service and container is judged as what it runs: its image (the one
its build makes, or the one it names), with `entrypoint`/`command` (Kubernetes
`command`/`args`), `init: true`, `stop_signal`, the grace period, its environment
and bind mounts; findings point at the YAML, and a line per service says whether
it stops gracefully (JSON: `units`).

Each Dockerfile is linted the way the repository builds it: dsig looks in its
directory and each one above, up to the repository root (the nearest with .git),
for docker-bake.hcl/.json, compose files and .github/workflows (docker/build-push-
action steps, `docker build` lines), and lints it once per build that uses it, with
that build's context, build args and target (a finding is reported once).
--verbose names them. Build args: --build-arg wins over build files, which win over
`build-args` in dsig.toml; --target wins over a build file's target. --context
replaces what build files say (their args and target too). Without a build file,
the context is the Dockerfile's directory (assumed).

Settings come from the nearest dsig.toml or .dsig.toml above each file (`dsig
init` writes one); the command line wins. `# dsig ignore=SIG001` on the line
above an instruction suppresses its finding. On GitHub Actions
(GITHUB_ACTIONS=true) the default format is github (annotations).

Exit status: 0 when no finding reaches --fail-level, 1 when one does (with --diff:
when there is something to fix), 2 on usage, I/O or parse errors.";

#[derive(Debug, Parser)]
#[command(name = "dsig", version, about = ABOUT, long_about = LONG_ABOUT, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint Dockerfiles and optionally fix them.
    #[command(after_help = LINT_AFTER_HELP)]
    Lint(LintArgs),
    /// List the rules: code, name, default severity, fix availability, summary.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
    /// Write a dsig.toml with every setting documented.
    Init(InitArgs),
    /// Run an image on the local Docker Engine, stop it as `docker stop`
    /// does, and say whether it stopped gracefully.
    #[command(after_help = PROBE_AFTER_HELP)]
    Probe(ProbeArgs),
    /// Run the language server (LSP) on stdin and stdout, for editors:
    /// findings as you type, fixes as code actions, rule docs on hover.
    Server(ServerArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell).
    #[command(after_help = COMPLETIONS_AFTER_HELP)]
    Completions(CompletionsArgs),
    /// Print dsig's man page (roff) on stdout.
    #[command(after_help = "Install it with: dsig man > ~/.local/share/man/man1/dsig.1")]
    Man,
}

const COMPLETIONS_AFTER_HELP: &str = "\
Install:
  bash:        dsig completions bash > ~/.local/share/bash-completion/completions/dsig
  zsh:         dsig completions zsh > \"${fpath[1]}/_dsig\"
  fish:        dsig completions fish > ~/.config/fish/completions/dsig.fish
  powershell:  dsig completions powershell >> $PROFILE";

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Talk LSP over stdin/stdout (the only transport; editors pass it)
    #[arg(long)]
    pub stdio: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

const PROBE_AFTER_HELP: &str = "\
Examples:
  dsig probe myapp:dev                           Start, wait 1 s, stop, report
  dsig probe --ready 'listening' myapp:dev       Wait for a log line first
  dsig probe --dockerfile Dockerfile myapp:dev   Compare with dsig lint's verdict
  dsig probe myapp:dev -- --port 8080            Arguments for the container

The image must be on the local Docker Engine (dsig probe does not pull); the
`docker` command is used. PID 1's command line and signal handlers are read
from /proc, which needs root (as the daemon's processes are); without it they
are reported as not readable. The container is removed at the end, also on
errors and Ctrl-C.

Exit status: 0 when the container stopped gracefully (before the timeout, not
SIGKILLed), 1 when it did not, 2 when it could not be probed.";

#[allow(clippy::doc_markdown)]
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The image (local: dsig probe does not pull)
    #[arg(value_name = "IMAGE")]
    pub image: String,

    /// Arguments for the container, after `--` (`docker run IMAGE ARGS`)
    #[arg(value_name = "ARGS", last = true)]
    pub args: Vec<String>,

    /// Wait until the container logs this text before stopping it
    #[arg(long, value_name = "TEXT")]
    pub ready: Option<String>,

    /// Seconds to wait before stopping it, without --ready
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub delay: f64,

    /// Seconds --ready may take
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub ready_timeout: u64,

    /// Seconds between the stop signal and SIGKILL (`docker stop -t`)
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,

    /// The image's Dockerfile: show dsig lint's verdict beside what happened
    #[arg(long, value_name = "FILE")]
    pub dockerfile: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ProbeFormat::Pretty, value_name = "FORMAT")]
    pub format: ProbeFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeFormat {
    Pretty,
    Json,
    Sarif,
    Github,
}

/// The arguments of `dsig lint`, exactly as given: options the user did not
/// set are `None` so that [`Config::from_args`] can layer defaults under them.
// The doc comments are the --help text, shown as written: no backticks.
#[allow(clippy::doc_markdown)]
#[derive(Debug, Args, Default)]
pub struct LintArgs {
    /// Files or directories to lint; `-` reads standard input [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Apply safe fixes in place (stdin: print the fixed text to stdout and
    /// findings to stderr), then report what remains.
    #[arg(long)]
    pub fix: bool,

    /// Also apply unsafe fixes (ones that may change behaviour) with --fix or
    /// --diff.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// The init that unsafe init-injection fixes install in front of
    /// ENTRYPOINT/CMD [default: tini, or `init` in dsig.toml]
    #[arg(long, value_enum, value_name = "INIT")]
    pub init: Option<InitChoice>,

    /// Print the fixes as a unified diff instead of applying them; write
    /// nothing. Exits 1 when there is a diff. Overrides --fix. Not with
    /// --format json, sarif or github. Lines with control characters or
    /// text a CI runner would take as a command are shown escaped (those
    /// lines do not apply as a patch).
    #[arg(long)]
    pub diff: bool,

    /// Output format [default: pretty]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Exit with status 1 when a finding of this severity or higher remains
    /// [default: warning]
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_level: Option<FailLevel>,

    /// Print only findings and errors: no summary, nothing for clean files.
    #[arg(long, short)]
    pub quiet: bool,

    /// When to colour output; `auto` colours a terminal unless NO_COLOR is set
    /// [default: auto]
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,

    /// Never colour output (same as --color never).
    #[arg(long, conflicts_with = "color")]
    pub no_color: bool,

    /// Name to show for standard input (`-`) in findings; given alone, lints
    /// standard input.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Build context directory in which to look for the scripts that CMD and
    /// ENTRYPOINT run and the files COPY reads; must exist. Without it, dsig
    /// uses the context that the repository's build files give each
    /// Dockerfile (docker-bake.hcl/.json, compose files, GitHub workflows
    /// with docker/build-push-action or `docker build`), and otherwise the
    /// Dockerfile's directory, assumed. Given, build files are not used.
    #[arg(long, value_name = "DIR")]
    pub context: Option<std::path::PathBuf>,

    /// Set a build arg, as `docker build --build-arg` does (repeatable). It
    /// wins over the args of build files and of `build-args` in dsig.toml.
    #[arg(long = "build-arg", value_name = "KEY=VALUE", value_parser = parse_build_arg)]
    pub build_args: Vec<(String, String)>,

    /// The stage that is built and runs (as `docker build --target`),
    /// instead of the last one or the one a build file names.
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,

    /// Walk directories without reading .gitignore or .ignore files, and
    /// into node_modules and target (named paths are always linted).
    #[arg(long)]
    pub no_ignore: bool,

    /// Where base images that dsig does not know are read from: `off` (the
    /// default: no daemon, no network), `docker` (the local Docker Engine)
    /// or `registry` (the image's registry, with the credentials of
    /// ~/.docker/config.json; cached by digest under ~/.cache/dsig or
    /// $DSIG_CACHE_DIR). dsig reads their ENTRYPOINT, CMD, ENV, WORKDIR,
    /// USER, STOPSIGNAL and SHELL, what /bin/sh is, and the scripts that
    /// ENTRYPOINT and CMD run, whose findings are reported in the base image
    /// (docker-image://REFERENCE@DIGEST/PATH) [default: off, or `images` in
    /// dsig.toml]
    #[arg(long, value_enum, value_name = "SOURCE")]
    pub images: Option<crate::ImageSource>,

    /// Use this config file for every linted file, instead of the nearest
    /// dsig.toml or .dsig.toml above each one.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,

    /// Read no config file.
    #[arg(long)]
    pub isolated: bool,

    /// Run only these rules (codes, names, code prefixes or `all`, comma
    /// separated); replaces `select` from the config file.
    #[arg(long, value_name = "RULES")]
    pub select: Vec<String>,

    /// Do not run these rules (comma separated); added to `ignore` from the
    /// config file.
    #[arg(long, value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Say on stderr which config file each directory's files use (or that
    /// there is none), and how each Dockerfile is built: the build file
    /// configuration(s) used, or the assumed context.
    #[arg(long, short)]
    pub verbose: bool,

    /// Lint up to N files at once [default: the number of CPUs]. The output
    /// is the same whatever N; --fix and --diff go one file at a time.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<std::num::NonZeroUsize>,
}

/// Split comma-separated rule lists (`--ignore SIG001,SIG002 --ignore SIG003`).
fn split_rules(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// From the command line to a [`Config`]: [`LintArgs`] holds what the user
/// typed, [`Config`] every default filled in (config files are read later,
/// per linted file, by [`Resolver`]).
impl Config {
    /// Build the configuration for `dsig lint` from its parsed arguments and
    /// the environment (`GITHUB_ACTIONS=true` selects `--format github`
    /// when no format is given).
    #[must_use]
    pub fn from_args(args: &LintArgs) -> Config {
        let github = std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true");
        Config::from_args_in(args, github)
    }

    /// [`Config::from_args`] with the environment given: `github_actions`
    /// is whether GitHub Actions runs us.
    pub fn from_args_in(args: &LintArgs, github_actions: bool) -> Config {
        let mut config = Config::default();
        if !args.paths.is_empty() {
            config.inputs = args
                .paths
                .iter()
                .map(|p| {
                    if p.as_os_str() == "-" {
                        Input::Stdin
                    } else {
                        Input::Path(p.clone())
                    }
                })
                .collect();
        } else if args.stdin_filename.is_some() {
            // `--stdin-filename` without paths means "lint stdin" (editor use).
            config.inputs = vec![Input::Stdin];
        }
        config.format = match args.format {
            Some(format) => format,
            None if github_actions => Format::Github,
            None => Format::Pretty,
        };
        config.format_given = args.format.is_some();
        config.fail_level = args.fail_level.map(FailLevel::severity);
        config.fix = args.fix;
        config.unsafe_fixes = args.unsafe_fixes;
        config.no_ignore = args.no_ignore;
        config.images = args.images;
        config.init = args.init.map(InitChoice::init);
        config.diff = args.diff;
        config.quiet = args.quiet;
        if args.no_color {
            config.color = ColorChoice::Never;
        } else if let Some(color) = args.color {
            config.color = color;
        }
        config.stdin_filename.clone_from(&args.stdin_filename);
        config.context.clone_from(&args.context);
        config.config_file.clone_from(&args.config);
        config.isolated = args.isolated;
        if !args.select.is_empty() {
            config.select = Some(split_rules(&args.select));
        }
        config.ignore = split_rules(&args.ignore);
        config.jobs = args.jobs;
        config.build_args.clone_from(&args.build_args);
        config.target.clone_from(&args.target);
        config
    }
}

/// `--build-arg KEY=VALUE`.
fn parse_build_arg(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!(
            "expected KEY=VALUE (dsig does not read build args from the environment), got `{s}`"
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum RulesFormat {
    /// An aligned text table.
    #[default]
    #[value(alias = "pretty")]
    Table,
    /// `{"version": 1, "rules": [{code, slug, severity, fix, summary}]}`.
    Json,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormat::Table, value_name = "FORMAT")]
    pub format: RulesFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule code (SIG001) or name (shell-form-cmd)
    #[arg(value_name = "RULE")]
    pub rule: String,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write it
    #[arg(value_name = "FILE", default_value = "dsig.toml")]
    pub path: PathBuf,
}

/// Parse `args` (including the program name) and run the command.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    ExitCode::from(run_code(args))
}

/// [`run`], returning the exit status as a number.
pub fn run_code<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // A usage error quotes the arguments, which may be file names
            // from the repository: one escaped line at a time, no colour.
            let text = e.render().to_string();
            for line in text.trim_end().split('\n') {
                eprint_line(line);
            }
            return if e.exit_code() == 0 {
                EXIT_OK
            } else {
                EXIT_ERROR
            };
        }
        Err(e) => {
            // --help and --version land here too, with status 0.
            let _ = e.print();
            return if e.exit_code() == 0 {
                EXIT_OK
            } else {
                EXIT_ERROR
            };
        }
    };
    match cli.command {
        Command::Lint(args) => lint_verbose(&Config::from_args(&args), args.verbose),
        Command::Rules(args) => rules(args.format),
        Command::Explain(args) => explain(&args.rule),
        Command::Init(args) => init(&args.path),
        Command::Probe(args) => probe(&args),
        // The LSP specification's exit codes: 0 after `shutdown`, else 1.
        Command::Server(_) => match crate::server::run() {
            Ok(()) => EXIT_OK,
            Err(e) => {
                eprint_line(&format!("error: dsig server: {e}"));
                1
            }
        },
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "dsig", &mut text);
            print_generated(&text, "the completion script")
        }
        Command::Man => {
            let mut text = Vec::new();
            match clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut text)
            {
                Ok(()) => print_generated(&text, "the man page"),
                Err(e) => {
                    eprint_line(&format!("error: cannot write the man page: {e}"));
                    EXIT_ERROR
                }
            }
        }
    }
}

/// Write a generated text to stdout; a reader that stops early (`| head`)
/// is not an error.
fn print_generated(text: &[u8], what: &str) -> u8 {
    let mut out = io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprint_line(&format!("error: cannot write {what}: {e}"));
            EXIT_ERROR
        }
    }
}

/// `dsig init`: write the documented default config, never over a file.
/// `dsig probe`.
fn probe(args: &ProbeArgs) -> u8 {
    if !args.delay.is_finite() || args.delay < 0.0 || args.delay > 3600.0 {
        eprint_line("error: --delay must be between 0 and 3600 seconds");
        return EXIT_ERROR;
    }
    let opts = crate::probe::Options {
        image: args.image.clone(),
        args: args.args.clone(),
        ready: args.ready.clone(),
        delay: std::time::Duration::from_secs_f64(args.delay),
        ready_timeout: std::time::Duration::from_secs(args.ready_timeout),
        timeout: args.timeout,
        dockerfile: args.dockerfile.clone(),
    };
    if let Some(d) = &args.dockerfile {
        if !d.is_file() {
            eprint_line(&format!("error: {}: no such file", d.display()));
            return EXIT_ERROR;
        }
    }
    let p = match crate::probe::probe(&opts) {
        Ok(p) => p,
        Err(e) => {
            eprint_line(&format!("error: {}: {e}", args.image));
            return EXIT_ERROR;
        }
    };
    let text = match args.format {
        ProbeFormat::Pretty => crate::probe::pretty(&p),
        ProbeFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&crate::probe::to_json(&p)).unwrap_or_default()
        ),
        ProbeFormat::Sarif => format!(
            "{}\n",
            serde_json::to_string_pretty(&crate::probe::to_sarif(&p)).unwrap_or_default()
        ),
        ProbeFormat::Github => crate::probe::to_github(&p),
    };
    // JSON and SARIF are spelled safe; the text formats are escaped field
    // by field where they are made.
    let text = match args.format {
        ProbeFormat::Json | ProbeFormat::Sarif => output::escape::json(text),
        ProbeFormat::Pretty | ProbeFormat::Github => text,
    };
    let mut out = Stdout::new();
    out.emit(|w| w.write_all(text.as_bytes()));
    if !out.finish() {
        return EXIT_ERROR;
    }
    u8::from(!p.graceful)
}

fn init(path: &std::path::Path) -> u8 {
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| f.write_all(crate::config::INIT_TEMPLATE.as_bytes()));
    match written {
        Ok(()) => {
            eprint_line(&format!("Wrote {}.", path.display()));
            EXIT_OK
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            eprint_line(&format!(
                "error: {} already exists; not overwritten",
                path.display()
            ));
            EXIT_ERROR
        }
        Err(e) => {
            eprint_line(&format!(
                "error: cannot write {}: {}",
                path.display(),
                files::io_message(&e)
            ));
            EXIT_ERROR
        }
    }
}

/// Write a line to stderr, ignoring failures (there is nowhere left to
/// report them). The line is escaped (`output::escape::line`): paths and
/// messages may come from the repository, and neither a line break nor a
/// terminal escape nor a CI workflow command in them may get through.
fn eprint_line(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{}", output::escape::line(line));
}

/// Buffered stdout that goes quiet once the reader has gone away.
struct Stdout {
    out: BufWriter<io::StdoutLock<'static>>,
    /// The pipe was closed: drop further output silently.
    closed: bool,
    /// Any other write failure (reported once, exit 2).
    failed: bool,
}

impl Stdout {
    fn new() -> Stdout {
        Stdout {
            out: BufWriter::new(io::stdout().lock()),
            closed: false,
            failed: false,
        }
    }

    fn emit(&mut self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) {
        if self.closed || self.failed {
            return;
        }
        if let Err(e) = f(&mut self.out) {
            self.fail(e);
        }
    }

    fn fail(&mut self, e: io::Error) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            self.closed = true;
        } else {
            self.failed = true;
            eprint_line(&format!(
                "error: cannot write output: {}",
                files::io_message(&e)
            ));
        }
    }

    fn finish(mut self) -> bool {
        if !self.closed && !self.failed {
            if let Err(e) = self.out.flush() {
                self.fail(e);
            }
        }
        // Don't let BufWriter's drop retry a write into a closed pipe.
        if self.closed || self.failed {
            let (_, _) = self.out.into_parts();
        }
        !self.failed
    }
}

/// `dsig rules`.
fn rules(format: RulesFormat) -> u8 {
    let all = crate::rules::all();
    let mut out = Stdout::new();
    match format {
        RulesFormat::Json => {
            let rules: Vec<_> = all
                .iter()
                .map(|r| {
                    json!({
                        "code": r.code,
                        "slug": r.slug,
                        "severity": r.severity.as_str(),
                        "fix": r.fix.as_str(),
                        "summary": r.summary,
                    })
                })
                .collect();
            let doc = json!({"version": output::json::VERSION, "rules": rules});
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            out.emit(|w| writeln!(w, "{text}"));
        }
        RulesFormat::Table => {
            let header = ["CODE", "SLUG", "SEVERITY", "FIX", "SUMMARY"];
            let rows: Vec<[&str; 5]> = all
                .iter()
                .map(|r| {
                    [
                        r.code,
                        r.slug,
                        r.severity.as_str(),
                        r.fix.as_str(),
                        r.summary,
                    ]
                })
                .collect();
            let mut widths = header.map(str::len);
            for row in &rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            for row in std::iter::once(&header).chain(&rows) {
                let mut line = String::new();
                for (i, cell) in row.iter().enumerate() {
                    if i + 1 == row.len() {
                        line.push_str(cell);
                    } else {
                        let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
                    }
                }
                out.emit(|w| writeln!(w, "{}", line.trim_end()));
            }
        }
    }
    if out.finish() {
        EXIT_OK
    } else {
        EXIT_ERROR
    }
}

/// `dsig explain RULE`.
fn explain(rule: &str) -> u8 {
    let Some(meta) =
        crate::rules::find(rule).or_else(|| crate::rules::find(&rule.to_ascii_lowercase()))
    else {
        eprint_line(&format!(
            "error: unknown rule `{rule}` (`dsig rules` lists them)"
        ));
        return EXIT_ERROR;
    };
    let text = if meta.doc.trim().is_empty() {
        format!("# {} {}\n\n{}.\n", meta.code, meta.slug, meta.summary)
    } else {
        meta.doc.to_string()
    };
    let mut out = Stdout::new();
    out.emit(|w| {
        w.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            w.write_all(b"\n")?;
        }
        Ok(())
    });
    if out.finish() {
        EXIT_OK
    } else {
        EXIT_ERROR
    }
}

/// The wrap width for pretty output: `COLUMNS` on a terminal, else fixed.
fn pretty_width(is_terminal: bool) -> usize {
    if is_terminal {
        if let Some(cols) = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
        {
            return cols.clamp(40, 400);
        }
    }
    pretty::DEFAULT_WIDTH
}

/// `dsig lint`.
#[must_use]
pub fn lint(config: &Config) -> u8 {
    lint_verbose(config, false)
}

/// `dsig lint`; `verbose` (`--verbose`) names on stderr the config file in
/// use for each directory.
///
/// In four steps: `plan` what each input is (in input order, on this
/// thread), lint the files (`lint_all`, in parallel) or fix them (`Fixer`,
/// one at a time), `collect` the results into a run (once per shared
/// script), then print it and give the `exit_code`.
#[must_use]
pub fn lint_verbose(config: &Config, verbose: bool) -> u8 {
    if let Err(message) = config.check_usage() {
        eprint_line(&format!("error: {message}"));
        return EXIT_ERROR;
    }
    let found = files::discover(&config.inputs, config.no_ignore);
    let slots = plan(config, &found, verbose);
    let diff_mode = config.diff;
    let fix_mode = config.fix && !diff_mode;
    let mut run = Run {
        fix_mode,
        ..Run::default()
    };
    let mut out = Stdout::new();
    // With `--fix` on stdin, stdout carries the fixed text: findings go to stderr.
    let stdin_fix = fix_mode && found.iter().any(|s| matches!(s, Ok(Source::Stdin)));

    // Linting only reads, so files are linted in parallel; fixes go one file
    // at a time, because a startup script can be shared by several
    // Dockerfiles.
    let jobs: Vec<&Job> = slots
        .iter()
        .filter_map(|slot| match slot {
            Slot::Job(job) => Some(&**job),
            _ => None,
        })
        .collect();
    let mut fixer = Fixer::default();
    let done: Vec<Done> = if diff_mode {
        jobs.iter().map(|job| fixer.diff(config, job)).collect()
    } else if fix_mode {
        jobs.iter()
            .map(|job| fixer.fix(config, job, &mut out))
            .collect()
    } else {
        lint_all(config, &jobs)
    };
    run.fixed = fixer.fixed;
    let collected = collect(slots, done, &mut run);
    for w in crate::model::base::take_image_warnings() {
        eprint_line(&w);
    }

    for e in run.all_errors() {
        eprint_line(&output::error_line(e));
        if let Some(ce) = collected.config_errors.iter().find(|ce| *ce.error == *e) {
            for line in output::snippet_lines(&ce.snippet) {
                eprint_line(&line);
            }
        }
    }
    let mut diffs = 0usize;
    for p in fixer.pending.iter().filter(|p| p.text != p.original) {
        diffs += 1;
        out.emit(|w| output::diff::render(w, &p.display, &p.original, &p.text));
    }
    if diff_mode {
        if !config.quiet {
            let line = if diffs == 0 {
                "No fixes available.".to_string()
            } else {
                format!(
                    "Would fix {} in {}.",
                    output::plural(fixer.would_fix, "finding"),
                    output::plural(diffs, "file")
                )
            };
            eprint_line(&line);
        }
    } else if stdin_fix {
        let mut err = BufWriter::new(io::stderr().lock());
        let _ = render(config, &run, &mut err, true);
        let _ = err.flush();
    } else {
        out.emit(|w| render(config, &run, w, false));
    }
    let output_ok = out.finish();
    exit_code(
        &run,
        &collected.fail_levels,
        diff_mode.then_some(diffs),
        output_ok,
    )
}

/// What each input is, in input order: an error found on the way, or a
/// file to lint with the options its config file and its builds give
/// (one job per build). `--verbose` says which config and builds apply.
fn plan<'a>(
    config: &Config,
    found: &'a [Result<Source, FileError>],
    verbose: bool,
) -> Vec<Slot<'a>> {
    let mut resolver = Resolver::new(config);
    let mut slots: Vec<Slot> = Vec::with_capacity(found.len());
    // Directories whose config file `--verbose` has named.
    let mut said: HashSet<PathBuf> = HashSet::new();
    // How the repository builds each Dockerfile: every build file that may
    // build one of them is read first, so that the images the project
    // builds are known whole for each file.
    let mut discovery = crate::project::Discovery::new();
    for item in found {
        if let Ok(Source::File { path, root, .. }) = item {
            discovery.scan(path, root);
        }
    }
    for item in found {
        let source = match item {
            Ok(source) => source,
            Err(e) => {
                slots.push(Slot::Error(e.clone()));
                continue;
            }
        };
        let (display, dockerfile) = match source {
            Source::Stdin => (
                config.stdin_name().to_string(),
                config.stdin_filename.as_ref().map(PathBuf::from),
            ),
            Source::File { path, .. } => (path.display().to_string(), Some(path.clone())),
        };
        let dir = match dockerfile.as_deref().and_then(std::path::Path::parent) {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let resolved = match resolver.for_dir(&dir) {
            Ok(r) => {
                if verbose && said.insert(dir.clone()) {
                    let dir = dir.display();
                    eprint_line(&match (&r.file, config.isolated) {
                        (Some(f), _) => format!("{dir}: config file {}", f.display()),
                        (None, true) => format!("{dir}: no config file (--isolated)"),
                        (None, false) => format!("{dir}: no config file"),
                    });
                }
                r
            }
            Err(e) => {
                // A broken config file is reported once; its files are not linted.
                slots.push(match e {
                    Some(e) => Slot::ConfigError(e),
                    None => Slot::Skipped,
                });
                continue;
            }
        };
        let base = crate::LintOptions {
            dockerfile,
            context: config.context.clone(),
            settings: resolved.settings.clone(),
            init: resolved.init,
            walked: matches!(source, Source::File { walked: true, .. }),
            ..crate::LintOptions::default()
        };
        let builds = match source {
            // A compose file or manifest: its units say how images are
            // built and run; the project's images are followed from it.
            Source::File { path, root, .. } if crate::is_yaml(&display, "") => {
                let found = discovery.find(path, root);
                vec![(
                    None,
                    crate::Build {
                        images: found.images,
                        ..crate::Build::default()
                    },
                )]
            }
            _ => builds_of(config, &resolved.build_args, source, &mut discovery),
        };
        let builds: Vec<_> = builds
            .into_iter()
            .map(|(c, mut b)| {
                b.images_from = resolved.images;
                (c, b)
            })
            .collect();
        if verbose {
            say_builds(&display, &base, &builds);
        }
        for (i, (context, build)) in builds.into_iter().enumerate() {
            slots.push(Slot::Job(Box::new(Job {
                source,
                display: display.clone(),
                opts: crate::LintOptions {
                    context,
                    build,
                    ..base.clone()
                },
                fail_level: resolved.fail_level,
                config: resolved.file.as_ref().map(|f| f.display().to_string()),
                again: i > 0,
            })));
        }
    }
    // A compose file that is linted itself reports its own errors (a
    // workflow, also YAML, is not linted: its warning stays).
    let linted: HashSet<PathBuf> = found
        .iter()
        .filter_map(|s| match s {
            Ok(Source::File { path, .. })
                if path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(crate::project::compose::is_compose_name) =>
            {
                Some(crate::project::clean(path))
            }
            _ => None,
        })
        .collect();
    for w in &discovery.warnings {
        if w.file
            .as_ref()
            .is_some_and(|f| linted.contains(&crate::project::clean(f)))
        {
            continue;
        }
        eprint_line(&w.to_string());
    }
    slots
}

/// Lint the jobs, `--jobs` at a time; the results in the jobs' order.
fn lint_all(config: &Config, jobs: &[&Job]) -> Vec<Done> {
    parallel_map(jobs, config.threads(), |job| match read_job(config, job) {
        Ok(text) => Done::linted(crate::lint_text(&job.display, text, &job.opts)).or_skip(job),
        Err(e) => Done::failed(e).or_skip(job),
    })
}

/// `--fix` and `--diff`, one job after the other.
#[derive(Default)]
struct Fixer {
    /// `--diff`: every changed file once, with its original text and the
    /// text after all fixes of the run (a script shared by two Dockerfiles
    /// is fixed once, like `--fix` does).
    pending: Vec<PendingDiff>,
    /// `--diff`: the fixes that would be applied.
    would_fix: usize,
    /// `--fix`: the fixes applied.
    fixed: usize,
}

impl Fixer {
    /// `--diff`: fix the job in memory, over the fixes earlier jobs made,
    /// and keep the changed texts for the diff.
    fn diff(&mut self, config: &Config, job: &Job) -> Done {
        let mut text = match read_job(config, job) {
            Ok(text) => text,
            Err(e) => return Done::failed(e),
        };
        let key = match job.source {
            Source::File { path, .. } => Some(file_key(path)),
            Source::Stdin => None,
        };
        if job.again && key.is_some() {
            // The same Dockerfile built another way: from the text the
            // fixes of its earlier builds left.
            if let Some(p) = self.pending.iter().find(|p| p.key == key) {
                text = p.text.clone();
            }
        }
        let mut opts = job.opts.clone();
        // Start from the fixes earlier files made to shared scripts.
        overlay_pending(&mut opts, &self.pending);
        let outcome = crate::fix(&job.display, &text, &opts, config.unsafe_fixes);
        self.would_fix += outcome.applied;
        if outcome.text != text {
            record_diff(
                &mut self.pending,
                key,
                None,
                &job.display,
                &text,
                &outcome.text,
            );
        }
        for f in &outcome.others {
            let key = Some(file_key(&f.disk));
            record_diff(
                &mut self.pending,
                key,
                Some(&f.disk),
                &f.path,
                &f.original,
                &f.text,
            );
        }
        Done::linted(outcome.report)
    }

    /// `--fix`: fix the job and write the fixed files (stdin: print the
    /// fixed text to `out`).
    fn fix(&mut self, config: &Config, job: &Job, out: &mut Stdout) -> Done {
        let text = match read_job(config, job) {
            Ok(text) => text,
            Err(e) => return Done::failed(e),
        };
        let opts = &job.opts;
        let outcome = crate::fix(&job.display, &text, opts, config.unsafe_fixes);
        let (path, root) = match job.source {
            Source::Stdin => {
                self.fixed += outcome.applied;
                out.emit(|w| w.write_all(outcome.text.as_bytes()));
                return Done::linted(outcome.report);
            }
            Source::File { path, root, .. } => (path, root),
        };
        // Scripts first, then the Dockerfile: on any failure the original
        // findings are reported again.
        let context_root = opts.context_dir().unwrap_or_else(|| root.clone());
        let mut result = Ok(());
        for f in &outcome.others {
            result = files::write_fixed(
                &f.disk,
                &context_root,
                f.original.as_bytes(),
                f.text.as_bytes(),
            )
            .map_err(|m| (f.path.clone(), m));
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() && outcome.text != text {
            result = files::write_fixed(path, root, text.as_bytes(), outcome.text.as_bytes())
                .map_err(|m| (job.display.clone(), m));
        }
        match result {
            Ok(()) => {
                self.fixed += outcome.applied;
                Done::linted(outcome.report)
            }
            Err((failed, message)) => Done {
                errors: vec![FileError {
                    file: None,
                    path: failed,
                    message,
                    offset: None,
                    location: None,
                }],
                report: Some(crate::lint(&job.display, &text, opts)),
            },
        }
    }
}

/// What [`collect`] gathered besides the run.
struct Collected {
    /// The fail level of each report of the run (config files may differ).
    fail_levels: Vec<Severity>,
    /// Config errors, with the source lines shown under them on stderr.
    config_errors: Vec<ConfigError>,
}

/// Put the errors and reports into `run`, in input order: the builds of one
/// Dockerfile join its first report, and a finding in a file that an
/// earlier Dockerfile of the run also reached (a shared startup script) is
/// reported once.
fn collect(slots: Vec<Slot>, done: Vec<Done>, run: &mut Run) -> Collected {
    let mut collected = Collected {
        fail_levels: Vec::new(),
        config_errors: Vec::new(),
    };
    // Findings already reported.
    let mut reported: HashSet<(PathBuf, Range<usize>, &'static str)> = HashSet::new();
    let mut done = done.into_iter();
    // The report of the previous job, where a Dockerfile's other builds go.
    let mut previous: Option<usize> = None;
    for slot in slots {
        let job = match slot {
            Slot::Error(e) => {
                run.errors.push(e);
                continue;
            }
            Slot::ConfigError(e) => {
                run.errors.push((*e.error).clone());
                collected.config_errors.push(e);
                continue;
            }
            Slot::Skipped => continue,
            Slot::Job(job) => job,
        };
        let Some(Done { mut errors, report }) = done.next() else {
            break;
        };
        if job.again {
            // Another build of the same file: its read and parse errors
            // are the first build's.
            errors.retain(|e| !run.errors.contains(e));
        }
        run.errors.append(&mut errors);
        let Some(mut report) = report else {
            previous = None;
            continue;
        };
        report.builds = vec![build_info(&job.opts)];
        let files = &report.files;
        report.diagnostics.retain(
            |d| match files.get(d.file).and_then(|f| f.disk.as_deref()) {
                Some(disk) => reported.insert((file_key(disk), d.span.clone(), d.code)),
                None => true,
            },
        );
        if job.again {
            if let Some(into) = previous.and_then(|i| run.reports.get_mut(i)) {
                merge_report(into, report);
                continue;
            }
            let had = report.errors.len();
            report.errors.retain(|e| !run.errors.contains(e));
            if had > 0 && report.errors.is_empty() {
                continue;
            }
        }
        // Keep every error in one list, in input order. A file that did not
        // parse was not linted: it counts as an error, not as a checked file.
        if report.errors.is_empty() {
            run.reports.push(report);
            run.configs.push(job.config.clone());
            collected.fail_levels.push(job.fail_level);
            previous = Some(run.reports.len() - 1);
        } else {
            run.errors.append(&mut report.errors);
            previous = None;
        }
    }
    collected
}

/// The exit status of `dsig lint`: 2 on any error (or when output could not
/// be written); with `--diff` (`diffs`: how many files would change), 1
/// when a fix is available; otherwise 1 when a finding reaches its file's
/// fail level.
fn exit_code(run: &Run, fail_levels: &[Severity], diffs: Option<usize>, output_ok: bool) -> u8 {
    if run.all_errors().next().is_some() || !output_ok {
        return EXIT_ERROR;
    }
    let findings = match diffs {
        Some(diffs) => diffs > 0,
        None => run
            .reports
            .iter()
            .zip(fail_levels)
            .any(|(r, &level)| r.max_severity().is_some_and(|s| s >= level)),
    };
    if findings {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// The ways to lint one input: each build's context (`None`: the
/// Dockerfile's directory) and the rest of its build. Build args: dsig.toml's
/// first, then the build file's, then `--build-arg` (a later one wins);
/// `--target` wins over a build file's target; `--context` replaces what
/// build files say. A Dockerfile that no build file builds gets one build,
/// its directory as the (assumed) context.
pub(crate) fn builds_of(
    config: &Config,
    toml_args: &[(String, String)],
    source: &Source,
    discovery: &mut crate::project::Discovery,
) -> Vec<(Option<PathBuf>, crate::Build)> {
    let found = match source {
        Source::File { path, root, .. } => Some(discovery.find(path, root)),
        Source::Stdin => None,
    };
    let images = found.as_ref().map(|f| f.images.clone()).unwrap_or_default();
    let with_cli = |mut args: Vec<(String, String)>| {
        args.extend(config.build_args.iter().cloned());
        args
    };
    let plain = crate::Build {
        args: with_cli(toml_args.to_vec()),
        target: config.target.clone(),
        origin: config.context.as_ref().map(|_| "--context".to_string()),
        context_known: config.context.is_some(),
        images: images.clone(),
        ..crate::Build::default()
    };
    let configs = match (&found, &config.context, source) {
        (Some(found), None, Source::File { path, .. }) if !found.configs.is_empty() => {
            found.configs.iter().map(|c| (path, c)).collect::<Vec<_>>()
        }
        (Some(found), None, Source::File { path, .. }) => {
            // No build file: the directory where every COPY source is.
            let abs = crate::project::clean(path);
            let Some(ctx) = crate::project::infer::context_above(&abs, &found.root, &plain) else {
                return vec![(None, plain)];
            };
            let given = context_as_given(path, &ctx);
            let build = crate::Build {
                origin: Some(format!(
                    "inferred: `{}` holds the COPY sources that the Dockerfile's directory lacks",
                    given.display()
                )),
                ..plain
            };
            return vec![(Some(given), build)];
        }
        _ => return vec![(config.context.clone(), plain)],
    };
    let mut out: Vec<(Option<PathBuf>, crate::Build)> = Vec::new();
    for (path, c) in configs {
        let mut args = toml_args.to_vec();
        args.extend(c.args.iter().cloned());
        let args = with_cli(args);
        let unknown_args: Vec<String> = c
            .unknown_args
            .iter()
            .filter(|k| !config.build_args.iter().any(|(ck, _)| ck == *k))
            .cloned()
            .collect();
        let build = crate::Build {
            args,
            unknown_args,
            target: config.target.clone().or_else(|| c.target.clone()),
            origin: Some(c.origin.clone()),
            context_known: true,
            images: images.clone(),
            run_init: c.run_init,
            images_from: crate::ImageSource::Off,
        };
        let context = Some(context_as_given(path, &c.context));
        // Builds that the command line made the same are linted once.
        match out.iter_mut().find(|(ctx, b)| {
            *ctx == context
                && b.args == build.args
                && b.unknown_args == build.unknown_args
                && b.target == build.target
        }) {
            Some((_, b)) => {
                b.run_init &= build.run_init;
                let origin = format!("{}; {}", b.origin.as_deref().unwrap_or(""), c.origin);
                b.origin = Some(origin);
            }
            None => out.push((context, build)),
        }
    }
    if out.len() > MAX_BUILDS {
        eprint_line(&format!(
            "warning: {}: built {} ways; linted with the first {MAX_BUILDS}",
            match source {
                Source::File { path, .. } => path.display().to_string(),
                Source::Stdin => config.stdin_name().to_string(),
            },
            out.len()
        ));
        out.truncate(MAX_BUILDS);
    }
    out
}

/// Builds of one Dockerfile linted, at most (each is a whole lint).
const MAX_BUILDS: usize = 32;

/// The context `abs` as the Dockerfile `dockerfile` is named: relative to
/// its directory as given (`debian/Dockerfile` built from its parent: `.`,
/// not an absolute path), so that findings name files as before.
fn context_as_given(dockerfile: &Path, abs: &Path) -> PathBuf {
    let given_dir = match dockerfile.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let abs_dir = crate::project::clean(&given_dir);
    let common = abs_dir
        .components()
        .zip(abs.components())
        .take_while(|(a, b)| a == b)
        .count();
    let ups = abs_dir.components().count() - common;
    let mut out = given_dir;
    for _ in 0..ups {
        // `a/b` up one: `a`, not `a/b/..`.
        let last_is_name = matches!(
            out.components().next_back(),
            Some(std::path::Component::Normal(_))
        );
        if last_is_name {
            out.pop();
            if out.as_os_str().is_empty() {
                out.push(".");
            }
        } else if out == Path::new(".") {
            out = PathBuf::from("..");
        } else {
            out.push("..");
        }
    }
    for c in abs.components().skip(common) {
        if out == Path::new(".") {
            out = PathBuf::new();
        }
        out.push(c);
    }
    out
}

/// The build of `opts` as the output shows it.
fn build_info(opts: &crate::LintOptions) -> crate::diagnostic::BuildInfo {
    crate::diagnostic::BuildInfo {
        context: opts
            .context_dir()
            .map(|c| c.display().to_string())
            .unwrap_or_default(),
        context_known: opts.build.context_known,
        origin: opts.build.origin.clone(),
        args: opts.build.args.clone(),
        unknown_args: opts.build.unknown_args.clone(),
        target: opts.build.target.clone(),
    }
}

/// `--verbose`: how `display` is built.
fn say_builds(
    display: &str,
    base: &crate::LintOptions,
    builds: &[(Option<PathBuf>, crate::Build)],
) {
    for (context, build) in builds {
        let opts = crate::LintOptions {
            context: context.clone(),
            build: build.clone(),
            ..base.clone()
        };
        let info = build_info(&opts);
        let mut line = match &info.origin {
            Some(origin) if origin == "--context" => {
                format!("{display}: context {} (--context)", info.context)
            }
            Some(origin) => format!("{display}: built by {origin}: context {}", info.context),
            None => format!(
                "{display}: no build file builds it: context {} (its directory, assumed)",
                info.context
            ),
        };
        if let Some(t) = &info.target {
            let _ = write!(line, ", target {t}");
        }
        if !info.args.is_empty() {
            let names: Vec<&str> = info.args.iter().map(|(k, _)| k.as_str()).collect();
            let _ = write!(line, ", build args {}", names.join(" "));
        }
        if !info.unknown_args.is_empty() {
            let _ = write!(line, ", unknown build args {}", info.unknown_args.join(" "));
        }
        eprint_line(&line);
    }
}

/// Add the findings of another build of the same Dockerfile to `into`:
/// files matched by their place on disk, a finding at a place `into` has
/// already reported once.
fn merge_report(into: &mut crate::Report, other: crate::Report) {
    let mut map: Vec<usize> = Vec::with_capacity(other.files.len());
    for f in other.files {
        let key = f.disk.as_deref().map(file_key);
        let at = into.files.iter().position(|g| match (&key, &g.disk) {
            (Some(k), Some(d)) => *k == file_key(d),
            (None, None) => g.path == f.path,
            _ => false,
        });
        map.push(if let Some(i) = at {
            i
        } else {
            into.files.push(f);
            into.files.len() - 1
        });
    }
    let remap = |i: usize| map.get(i).copied().unwrap_or(i);
    for mut d in other.diagnostics {
        d.file = remap(d.file);
        if let Some(fix) = &mut d.fix {
            for e in &mut fix.edits {
                e.file = remap(e.file);
            }
        }
        into.diagnostics.push(d);
    }
    into.sort();
    into.builds.extend(other.builds);
    for mut u in other.units {
        u.file = remap(u.file);
        into.units.push(u);
    }
}

/// What an input turned out to be, before any file is read.
enum Slot<'a> {
    /// A problem found while looking for files.
    Error(FileError),
    /// The file's config file is broken (reported with the first such file).
    ConfigError(ConfigError),
    /// The file's config file is broken and was reported already.
    Skipped,
    Job(Box<Job<'a>>),
}

/// A file to lint, with the options its config file gives.
struct Job<'a> {
    source: &'a Source,
    display: String,
    opts: crate::LintOptions,
    fail_level: Severity,
    /// The config file its settings come from.
    config: Option<String>,
    /// The same file as the job before, built another way: its findings
    /// join that job's report.
    again: bool,
}

/// What linting (or fixing) one file produced.
struct Done {
    /// Read and write errors, in the order they happened.
    errors: Vec<FileError>,
    /// The findings (none when the file could not be read).
    report: Option<crate::Report>,
}

impl Done {
    fn linted(report: crate::Report) -> Done {
        Done {
            errors: Vec::new(),
            report: Some(report),
        }
    }

    fn failed(error: FileError) -> Done {
        Done {
            errors: vec![error],
            report: None,
        }
    }

    /// Nothing, for a YAML file that a directory walk found and that is
    /// not a compose file or manifest (or cannot be read as one): CI files,
    /// Helm templates and data files are not dsig's to report on.
    fn or_skip(self, job: &Job) -> Done {
        let yaml = job.opts.walked && crate::is_yaml(&job.display, "");
        let nothing = self
            .report
            .as_ref()
            .is_none_or(|r| r.units.is_empty() && r.diagnostics.is_empty() && r.errors.is_empty());
        let compose = std::path::Path::new(&job.display)
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(crate::project::compose::is_compose_name);
        if yaml && !compose && (nothing || self.report.is_none()) {
            return Done {
                errors: Vec::new(),
                report: None,
            };
        }
        self
    }
}

fn read_job(config: &Config, job: &Job) -> Result<String, FileError> {
    match job.source {
        Source::Stdin => files::read_stdin(config.stdin_name()),
        Source::File { path, .. } => files::read_file(path, &job.display),
    }
}

/// The stack of each lint thread.
const LINT_STACK: usize = 8 * 1024 * 1024;

/// `f` applied to every item on up to `threads` threads; the results are in
/// the order of `items`, whatever the number of threads.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                // The main thread's stack (8 MiB) rather than the 2 MiB a
                // spawned thread gets: the same input lints the same with
                // any --jobs.
                std::thread::Builder::new()
                    .stack_size(LINT_STACK)
                    .spawn_scoped(scope, || {
                        let mut out = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(item) = items.get(i) else {
                                break;
                            };
                            out.push((i, f(item)));
                        }
                        out
                    })
                    // A thread that cannot be had leaves its share to the others
                    // (or to this thread, below).
                    .ok()
            })
            .collect();
        for worker in workers.into_iter().flatten() {
            // A panic in a worker is a bug: re-raise it as it was.
            let out = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (i, r) in out {
                results[i] = Some(r);
            }
        }
    });
    results
        .into_iter()
        .zip(items)
        .map(|(r, item)| r.unwrap_or_else(|| f(item)))
        .collect()
}

/// A file that `--diff` will show: its text before the run and after every
/// fix of the run.
struct PendingDiff {
    /// Canonical path, to recognise the file when another Dockerfile
    /// reaches it (`None`: stdin).
    key: Option<PathBuf>,
    /// Where it is on disk (for scripts), to hand the fixed text to the
    /// next Dockerfile's fixes.
    disk: Option<PathBuf>,
    display: String,
    original: String,
    text: String,
}

/// The path that identifies a file across Dockerfiles: canonical when it
/// exists, else absolute.
fn file_key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Record that `display` changes from `original` to `text`; when an earlier
/// Dockerfile already changed the same file, keep its original and take the
/// newer text.
fn record_diff(
    pending: &mut Vec<PendingDiff>,
    key: Option<PathBuf>,
    disk: Option<&Path>,
    display: &str,
    original: &str,
    text: &str,
) {
    if let Some(p) = pending.iter_mut().find(|p| key.is_some() && p.key == key) {
        p.text = text.to_string();
        return;
    }
    pending.push(PendingDiff {
        key,
        disk: disk.map(Path::to_path_buf),
        display: display.to_string(),
        original: original.to_string(),
        text: text.to_string(),
    });
}

/// Let `opts` read the scripts fixed so far in this `--diff` run instead of
/// their text on disk, under the path its build context reaches them by.
fn overlay_pending(opts: &mut crate::LintOptions, pending: &[PendingDiff]) {
    let context = opts.context_dir();
    let context_key = context.as_deref().map(file_key);
    for p in pending {
        let (Some(disk), Some(key)) = (&p.disk, &p.key) else {
            continue;
        };
        opts.overlay.insert(disk.clone(), p.text.clone());
        if let (Some(dir), Some(dir_key)) = (&context, &context_key) {
            if let Ok(rel) = key.strip_prefix(dir_key) {
                opts.overlay.insert(dir.join(rel), p.text.clone());
            }
        }
    }
}

/// Render the findings of `run` in the configured format.
fn render(config: &Config, run: &Run, w: &mut dyn Write, to_stderr: bool) -> io::Result<()> {
    match config.format {
        Format::Pretty => {
            let tty = if to_stderr {
                io::stderr().is_terminal()
            } else {
                io::stdout().is_terminal()
            };
            let opts = pretty::Options {
                color: config.use_color(tty),
                width: pretty_width(tty),
                quiet: config.quiet,
                unsafe_fixes: config.unsafe_fixes,
            };
            pretty::render(w, run, &opts)
        }
        Format::Concise => output::concise::render(w, run, config.quiet),
        Format::Json => output::json::render(w, run),
        Format::Sarif => output::sarif::render(w, run),
        Format::Github => output::github::render(w, run, config.quiet),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_named_like_the_dockerfile() {
        for (dockerfile, context) in [
            ("repo/debian/Dockerfile", "repo"),
            ("repo/debian/Dockerfile", "repo/debian"),
            ("repo/docker/Dockerfile", "repo/app"),
            ("Dockerfile", "."),
            ("Dockerfile", "app"),
            ("Dockerfile", ".."),
            ("Dockerfile", "../x"),
            ("Dockerfile", "../.."),
            ("../w/Dockerfile", ".."),
        ] {
            let abs = crate::project::clean(Path::new(context));
            let got = context_as_given(Path::new(dockerfile), &abs);
            assert_eq!(got, PathBuf::from(context), "{dockerfile} {context}");
        }
        // `./debian/Dockerfile` (as a walk of `.` names it) built from `.`.
        let got = context_as_given(
            Path::new("./debian/Dockerfile"),
            &crate::project::clean(Path::new(".")),
        );
        assert_eq!(got, PathBuf::from("."));
    }
}
