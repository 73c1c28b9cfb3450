//! Rules: one file each, with its metadata and its check.
//!
//! A rule file `src/rules/<name>.rs` has `pub const META: RuleMeta` and
//! usually `pub fn check(ctx: &Context)`; its doc is `rules/<slug>.md`.
//! build.rs finds the rule files and generates their `mod` lines and the
//! registry [`all`] (in code order): nothing else is edited to add a rule.
//!
//! A check reads the parsed Dockerfile and the image model from a
//! [`Context`] and reports findings with [`Context::report`] (or
//! [`Context::report_script`], [`Context::report_flow`]). Rules never print
//! and never depend on output code. See CONTRIBUTING.md.

use crate::diagnostic::{Diagnostic, Edit, Fix, FixSafety, RuleMeta};
use crate::model::Image;
use crate::syntax::Dockerfile;
use std::fmt::Write as _;
use std::ops::Range;

mod shared;

// `pub mod <rule>;` for each rule file, and `static RULES`: see build.rs.
include!(concat!(env!("OUT_DIR"), "/registry.rs"));

/// A check: reads the [`Context`] and reports findings with [`Context::report`].
pub type Check = fn(&Context);

/// One rule of the registry: its metadata and its check (`None` for a rule
/// whose findings are made elsewhere, like SIG000 by [`crate::suppress`]).
/// Derefs to its [`RuleMeta`], so `rule.code` reads the metadata.
#[derive(Debug)]
pub struct Rule {
    /// What `dsig rules` lists.
    pub meta: RuleMeta,
    /// What runs when the rule is enabled.
    pub check: Option<Check>,
}

impl std::ops::Deref for Rule {
    type Target = RuleMeta;

    fn deref(&self) -> &RuleMeta {
        &self.meta
    }
}

/// What a rule may look at.
pub struct Context<'a> {
    /// Index of the Dockerfile in the report's files.
    pub file: usize,
    pub text: &'a str,
    pub dockerfile: &'a Dockerfile<'a>,
    pub image: &'a Image,
    /// The PID 1 chain and the scripts it reached.
    pub chain: &'a crate::model::chain::Chain,
    /// The init the injection fix installs.
    pub init: crate::model::init::Init,
    /// What [`names::Script`] knows of each script of `chain` (by index),
    /// built on first use and shared by the rules: one parse per script.
    ///
    /// [`names::Script`]: crate::shell::names::Script
    names: Vec<std::cell::OnceCell<crate::shell::names::Script<'a>>>,
    /// For each script, where `exec` inserted before a program is verified
    /// (see [`shared::exec_verified`]), computed on first use.
    execs: Vec<std::cell::OnceCell<std::collections::HashSet<usize>>>,
    /// The findings reported so far (see [`Context::report`]).
    out: std::cell::RefCell<Vec<Diagnostic>>,
    /// What the compose service or Kubernetes container being linted adds
    /// to how the image stops (`None` for a Dockerfile).
    pub run: Option<&'a crate::project::run::RunFacts>,
}

impl<'a> Context<'a> {
    /// The context of one lint of `dockerfile` (report file `file`, whose
    /// text is `text`), with its image model and PID 1 chain.
    #[must_use]
    pub fn new(
        file: usize,
        text: &'a str,
        dockerfile: &'a Dockerfile<'a>,
        image: &'a Image,
        chain: &'a crate::model::chain::Chain,
        init: crate::model::init::Init,
    ) -> Context<'a> {
        Context {
            file,
            text,
            dockerfile,
            image,
            chain,
            init,
            names: chain
                .scripts
                .iter()
                .map(|_| std::cell::OnceCell::new())
                .collect(),
            execs: chain
                .scripts
                .iter()
                .map(|_| std::cell::OnceCell::new())
                .collect(),
            out: std::cell::RefCell::new(Vec::new()),
            run: None,
        }
    }

    /// The context of a compose service or Kubernetes container's lint.
    #[must_use]
    pub fn with_run(mut self, run: Option<&'a crate::project::run::RunFacts>) -> Self {
        self.run = run;
        self
    }

    /// The names facts of `s`, a script of the chain (parsed once per lint).
    ///
    /// # Panics
    /// If `s` is not one of `self.chain.scripts`.
    pub fn names(&self, s: &crate::model::chain::LoadedScript) -> &crate::shell::names::Script<'a> {
        let chain: &'a crate::model::chain::Chain = self.chain;
        let i = chain
            .scripts
            .iter()
            .position(|x| std::ptr::eq(x, s))
            .expect("a script of this chain");
        self.names[i].get_or_init(|| crate::shell::names::Script::new(&chain.scripts[i].text))
    }
}

impl Context<'_> {
    /// Where `exec` may go in script `s`: see [`shared::exec_verified`].
    ///
    /// # Panics
    /// If `s` is not one of `self.chain.scripts`.
    pub fn exec_verified(
        &self,
        s: &crate::model::chain::LoadedScript,
    ) -> &std::collections::HashSet<usize> {
        let i = self
            .chain
            .scripts
            .iter()
            .position(|x| std::ptr::eq(x, s))
            .expect("a script of this chain");
        self.execs[i].get_or_init(|| shared::exec_verified(s, &shared::stop_signal(self)))
    }

    /// Report a finding of rule `meta` at `span` of the Dockerfile, with the
    /// rule's default severity. The returned [`Finding`] adds a label, help,
    /// fix or another severity, and is recorded when it is dropped:
    ///
    /// ```ignore
    /// ctx.report(&META, ins.span.clone(), message)
    ///     .label("PID 1 is /bin/sh")
    ///     .help("use exec form");
    /// ```
    pub fn report(&self, meta: &RuleMeta, span: Range<usize>, message: String) -> Finding<'_> {
        Finding {
            out: &self.out,
            diagnostic: Some(Diagnostic {
                code: meta.code,
                slug: meta.slug,
                severity: meta.severity,
                message,
                file: self.file,
                span,
                label: None,
                help: None,
                fix: None,
            }),
        }
    }

    /// [`Context::report`] in a script (`span` relative to the script's text).
    pub fn report_script(
        &self,
        meta: &RuleMeta,
        script: &crate::model::chain::LoadedScript,
        span: Range<usize>,
        message: String,
    ) -> Finding<'_> {
        self.report(
            meta,
            script.base + span.start..script.base + span.end,
            message,
        )
        .in_file(script.file)
    }

    /// [`Context::report`] at a place of a script's flow (in the script, a
    /// file it sources, or the `eval` of a text).
    pub fn report_flow(
        &self,
        meta: &RuleMeta,
        script: &crate::model::chain::LoadedScript,
        loc: &crate::shell::flow::Loc,
        message: String,
    ) -> Finding<'_> {
        let (file, span) = shared::flow_span(script, loc);
        self.report(meta, span, message).in_file(file)
    }

    /// A fix made of edits to a script (spans relative to the script's text).
    pub fn script_fix(
        &self,
        script: &crate::model::chain::LoadedScript,
        safety: FixSafety,
        message: String,
        edits: Vec<(Range<usize>, String)>,
    ) -> Fix {
        fix_in(script.file, script.base, safety, message, edits)
    }

    /// A fix made of edits to the Dockerfile.
    pub fn fix(
        &self,
        safety: FixSafety,
        message: String,
        edits: Vec<(Range<usize>, String)>,
    ) -> Fix {
        fix_in(self.file, 0, safety, message, edits)
    }
}

/// A fix made of edits to report file `file`, whose spans are relative to
/// byte `base` of it.
fn fix_in(
    file: usize,
    base: usize,
    safety: FixSafety,
    message: String,
    edits: Vec<(Range<usize>, String)>,
) -> Fix {
    Fix {
        safety,
        message,
        edits: edits
            .into_iter()
            .map(|(r, replacement)| Edit {
                file,
                range: base + r.start..base + r.end,
                replacement,
            })
            .collect(),
    }
}

/// A finding being reported: see [`Context::report`]. Each method sets one
/// field of the [`Diagnostic`]; it is recorded in the context's findings
/// when the `Finding` is dropped (at the end of the statement, unless it is
/// kept in a variable).
#[derive(Debug)]
pub struct Finding<'c> {
    out: &'c std::cell::RefCell<Vec<Diagnostic>>,
    /// `Some` until dropped.
    diagnostic: Option<Diagnostic>,
}

// The methods return `Self` without `#[must_use]`: a finding is recorded
// when dropped, so `ctx.report(..).help(..);` is the intended use.
#[allow(clippy::return_self_not_must_use, clippy::must_use_candidate)]
impl Finding<'_> {
    fn set(mut self, f: impl FnOnce(&mut Diagnostic)) -> Self {
        if let Some(d) = self.diagnostic.as_mut() {
            f(d);
        }
        self
    }

    /// The short text shown under the source snippet.
    pub fn label(self, label: impl Into<String>) -> Self {
        let label = label.into();
        self.set(|d| d.label = Some(label))
    }

    /// How to resolve it, in words.
    pub fn help(self, help: impl Into<String>) -> Self {
        let help = help.into();
        self.set(|d| d.help = Some(help))
    }

    /// The fix, if any (`Fix` or `Option<Fix>`).
    pub fn fix(self, fix: impl Into<Option<Fix>>) -> Self {
        let fix = fix.into();
        self.set(|d| d.fix = fix)
    }

    /// Another severity than the rule's default.
    pub fn severity(self, severity: crate::diagnostic::Severity) -> Self {
        self.set(|d| d.severity = severity)
    }

    /// The report file the span points into (the Dockerfile by default).
    fn in_file(self, file: usize) -> Self {
        self.set(|d| d.file = file)
    }
}

impl Drop for Finding<'_> {
    fn drop(&mut self) {
        if let Some(d) = self.diagnostic.take() {
            self.out.borrow_mut().push(d);
        }
    }
}

/// Which rules run: one bit per rule of the registry, by its index in
/// [`all`]. Made once from the configured selectors; a rule not in the set
/// does not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSet(u64);

impl RuleSet {
    /// Every rule of the registry.
    #[must_use]
    pub fn all() -> RuleSet {
        RuleSet(u64::MAX >> (64 - RULES.len()))
    }

    /// The rules of the registry for which `pred` holds.
    pub fn of(pred: impl Fn(&Rule) -> bool) -> RuleSet {
        let bits = RULES
            .iter()
            .enumerate()
            .filter(|(_, r)| pred(r))
            .fold(0, |bits, (i, _)| bits | 1 << i);
        RuleSet(bits)
    }

    fn index(code: &str) -> Option<usize> {
        RULES.iter().position(|r| r.code.eq_ignore_ascii_case(code))
    }

    /// Whether the rule with this code runs.
    #[must_use]
    pub fn contains(&self, code: &str) -> bool {
        RuleSet::index(code).is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

impl Default for RuleSet {
    fn default() -> RuleSet {
        RuleSet::all()
    }
}

/// Run the rules of `rules`.
pub fn check_all(ctx: &Context, rules: RuleSet) -> Vec<Diagnostic> {
    for (i, rule) in RULES.iter().enumerate() {
        if let Some(check) = rule.check.filter(|_| rules.0 & (1 << i) != 0) {
            check(ctx);
        }
    }
    let mut out = ctx.out.take();
    if let Some(base) = &ctx.chain.cmd_may_be_arguments {
        for d in out.iter_mut().filter(|d| on_what_cmd_runs(ctx, d)) {
            cmd_may_be_arguments(d, base);
        }
    }
    out
}

/// Whether finding `d` is about what the CMD runs: of a rule of
/// [`CMD_RUNS`], at the CMD or in a script the chain reached (not at a COPY
/// whose source is missing: that build fails whatever the CMD is).
fn on_what_cmd_runs(ctx: &Context, d: &Diagnostic) -> bool {
    if !CMD_RUNS.contains(&d.code) {
        return false;
    }
    if d.file != ctx.file {
        return true;
    }
    let at = d.span.start;
    let in_cmd = ctx
        .chain
        .started_by
        .and_then(|i| ctx.dockerfile.instructions.get(i))
        .is_some_and(|ins| ins.span().contains(&at) || ins.span().start == at);
    in_cmd
        || ctx
            .chain
            .scripts
            .iter()
            .any(|s| s.file == ctx.file && (s.base..s.base + s.text.len()).contains(&at))
}

/// Rules whose findings hold only if the CMD runs as a program: the CMD
/// itself and the chain of scripts and programs it starts.
const CMD_RUNS: &[&str] = &[
    "SIG001", "SIG005", "SIG010", "SIG011", "SIG012", "SIG013", "SIG014", "SIG015", "SIG016",
    "SIG017", "SIG020", "SIG021", "SIG022", "SIG024",
];

/// The ENTRYPOINT comes from `base`, which dsig cannot see, so the CMD may be
/// only its arguments: a finding on what the CMD runs is not an error, and
/// says why. Fixes keep their safety: where the CMD does run (an entrypoint
/// that ends in `exec "$@"`, as most do) they are what they say.
fn cmd_may_be_arguments(d: &mut Diagnostic, base: &str) {
    if d.severity == crate::diagnostic::Severity::Error {
        d.severity = crate::diagnostic::Severity::Warning;
    }
    let _ = write!(
        d.message,
        " (if the CMD runs as a program: the base image `{base}` may have an ENTRYPOINT that receives this CMD as arguments)"
    );
}

/// Every rule, in code order (each derefs to its [`RuleMeta`]).
#[must_use]
pub fn all() -> &'static [Rule] {
    &RULES
}

/// Look a rule up by code (`SIG001`, any case) or slug (`shell-form-cmd`).
#[must_use]
pub fn find(code_or_slug: &str) -> Option<&'static RuleMeta> {
    all()
        .iter()
        .find(|r| {
            r.code.eq_ignore_ascii_case(code_or_slug) || r.slug.eq_ignore_ascii_case(code_or_slug)
        })
        .map(|r| &r.meta)
}

/// Lint a script on its own, as the image's entrypoint (`dsig lint start.sh`):
/// `report.files[0]` is the script.
pub fn check_script(report: &mut crate::Report, opts: &crate::LintOptions) {
    use crate::model::chain::{Chain, Invocation, LoadedScript};
    let text = report.files[0].text.clone();
    let shell = crate::shell::script::shebang_of(&text)
        .and_then(|s| crate::shell::ShellKind::from_program(&s.interpreter));
    let env = crate::shell::flow::Env {
        shell,
        zero: report.files[0].path.clone(),
        ..crate::shell::flow::Env::unknown()
    };
    let flow = crate::shell::flow::run(&text, &env);
    let analysis = flow.analysis(&text);
    let chain = Chain {
        started_by: None,
        package_json: None,
        steps: vec![],
        gaps: vec![],
        cmd_may_be_arguments: None,
        apps: vec![],
        scripts: vec![LoadedScript {
            file: 0,
            base: 0,
            image_path: report.files[0].path.clone(),
            text: text.clone(),
            analysis,
            flow,
            sourced_files: Vec::new(),
            env: Vec::new(),
            env_complete: false,
            invocation: Invocation::Direct,
            shell,
            is_pid1: true,
            entrypoint_with_cmd: false,
            executable: None,
            started_by: None,
            copied_by: None,
            args: None,
        }],
    };
    let df = Dockerfile::default();
    let image = Image::default();
    let ctx = Context::new(0, &text, &df, &image, &chain, opts.init);
    report.diagnostics = check_all(&ctx, opts.settings.rule_set());
}
