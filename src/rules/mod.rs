//! Rules: one file each, with its metadata and one check function.
//!
//! A rule reads the parsed Dockerfile and the image model from a [`Context`]
//! and returns findings. Rules never print and never depend on output code.

use crate::diagnostic::{Diagnostic, Edit, Fix, FixSafety, RuleMeta};
use crate::model::Image;
use crate::syntax::Dockerfile;
use std::ops::Range;

mod entrypoint_drops_args;
mod exec_lost;
mod init_misplaced;
mod invalid_exec_form;
mod package_manager_as_pid1;
pub mod pid1_ignores_sigterm;
mod privilege_drop_without_exec;
mod repeated_cmd_or_entrypoint;
mod script_missing_exec;
mod script_not_analysable;
mod script_not_runnable;
mod several_daemons_without_supervisor;
mod shared;
mod shell_c_without_exec;
mod shell_form_cmd;
mod shell_form_entrypoint;
pub mod stopsignal;
mod trap_cannot_fire;
mod trap_does_not_forward;
pub mod unused_suppression;

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
}

impl<'a> Context<'a> {
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
        }
    }

    /// The names facts of `s`, a script of the chain (parsed once per lint).
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

    /// A finding of rule `meta` at `span`, with the rule's default severity.
    pub fn diagnostic(&self, meta: &RuleMeta, span: Range<usize>, message: String) -> Diagnostic {
        Diagnostic {
            code: meta.code,
            slug: meta.slug,
            severity: meta.severity,
            message,
            file: self.file,
            span,
            label: None,
            help: None,
            fix: None,
        }
    }

    /// A finding in a script (`span` relative to the script's text).
    pub fn script_diagnostic(
        &self,
        meta: &RuleMeta,
        script: &crate::model::chain::LoadedScript,
        span: Range<usize>,
        message: String,
    ) -> Diagnostic {
        let mut d = self.diagnostic(
            meta,
            script.base + span.start..script.base + span.end,
            message,
        );
        d.file = script.file;
        d
    }

    /// A finding at a place of a script's flow (in the script, a file it
    /// sources, or the `eval` of a text).
    pub fn flow_diagnostic(
        &self,
        meta: &RuleMeta,
        script: &crate::model::chain::LoadedScript,
        loc: &crate::shell::flow::Loc,
        message: String,
    ) -> Diagnostic {
        let (file, span) = shared::flow_span(script, loc);
        let mut d = self.diagnostic(meta, span, message);
        d.file = file;
        d
    }

    /// A fix made of edits to a script (spans relative to the script's text).
    pub fn script_fix(
        &self,
        script: &crate::model::chain::LoadedScript,
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
                    file: script.file,
                    range: script.base + r.start..script.base + r.end,
                    replacement,
                })
                .collect(),
        }
    }

    /// A fix made of edits to the Dockerfile.
    pub fn fix(
        &self,
        safety: FixSafety,
        message: String,
        edits: Vec<(Range<usize>, String)>,
    ) -> Fix {
        Fix {
            safety,
            message,
            edits: edits
                .into_iter()
                .map(|(range, replacement)| Edit {
                    file: self.file,
                    range,
                    replacement,
                })
                .collect(),
        }
    }
}

type Check = fn(&Context, &mut Vec<Diagnostic>);

static ALL: [RuleMeta; 19] = [
    unused_suppression::META,
    shell_form_cmd::META,
    shell_form_entrypoint::META,
    invalid_exec_form::META,
    repeated_cmd_or_entrypoint::META,
    shell_c_without_exec::META,
    script_missing_exec::META,
    trap_cannot_fire::META,
    trap_does_not_forward::META,
    entrypoint_drops_args::META,
    exec_lost::META,
    privilege_drop_without_exec::META,
    script_not_runnable::META,
    script_not_analysable::META,
    pid1_ignores_sigterm::META,
    package_manager_as_pid1::META,
    init_misplaced::META,
    stopsignal::META,
    several_daemons_without_supervisor::META,
];

static CHECKS: [Check; 19] = [
    unused_suppression::check,
    shell_form_cmd::check,
    shell_form_entrypoint::check,
    invalid_exec_form::check,
    repeated_cmd_or_entrypoint::check,
    shell_c_without_exec::check,
    script_missing_exec::check,
    trap_cannot_fire::check,
    trap_does_not_forward::check,
    entrypoint_drops_args::check,
    exec_lost::check,
    privilege_drop_without_exec::check,
    script_not_runnable::check,
    script_not_analysable::check,
    pid1_ignores_sigterm::check,
    package_manager_as_pid1::check,
    init_misplaced::check,
    stopsignal::check,
    several_daemons_without_supervisor::check,
];

/// Which rules run: one bit per rule of the registry, by its index in
/// [`all`]. Made once from the configured selectors; a rule not in the set
/// does not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSet(u64);

impl RuleSet {
    /// No rule.
    pub const fn none() -> RuleSet {
        RuleSet(0)
    }

    /// Every rule of the registry.
    pub fn all() -> RuleSet {
        RuleSet(u64::MAX >> (64 - ALL.len()))
    }

    fn index(code: &str) -> Option<usize> {
        ALL.iter().position(|m| m.code.eq_ignore_ascii_case(code))
    }

    /// Add the rule with this code (unknown codes are ignored).
    pub fn insert(&mut self, code: &str) {
        if let Some(i) = RuleSet::index(code) {
            self.0 |= 1 << i;
        }
    }

    /// Remove the rule with this code.
    pub fn remove(&mut self, code: &str) {
        if let Some(i) = RuleSet::index(code) {
            self.0 &= !(1 << i);
        }
    }

    /// Whether the rule with this code runs.
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
    let mut out = Vec::new();
    for (check, meta) in CHECKS.iter().zip(&ALL) {
        if rules.contains(meta.code) {
            check(ctx, &mut out);
        }
    }
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
        .is_some_and(|ins| ins.span.contains(&at) || ins.span.start == at);
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
    d.message.push_str(&format!(
        " (if the CMD runs as a program: the base image `{base}` may have an ENTRYPOINT that receives this CMD as arguments)"
    ));
}

/// Every rule's metadata, in code order.
pub fn all() -> &'static [RuleMeta] {
    &ALL
}

/// Look a rule up by code (`SIG001`, any case) or slug (`shell-form-cmd`).
pub fn find(code_or_slug: &str) -> Option<&'static RuleMeta> {
    all().iter().find(|r| {
        r.code.eq_ignore_ascii_case(code_or_slug) || r.slug.eq_ignore_ascii_case(code_or_slug)
    })
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
