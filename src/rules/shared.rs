//! What the shell-form rules (SIG001, SIG002, SIG005) share: deciding which
//! shell runs a command string and whether it hands PID 1 over.

use crate::diagnostic::Severity;
use crate::model::{Image, SystemShell};
use crate::shell::{command_string, CommandString, Last, ShellKind};

/// Which shell runs a `-c` string, and why dsig thinks so.
pub enum Runner {
    Known(ShellKind, String),
    /// `/bin/sh` in an image dsig does not know.
    Unknown(String),
    /// The image has no `/bin/sh`.
    Missing(String),
}

/// The shell that `program` (`/bin/sh`, `bash`, ...) is in the final image.
/// `None` for programs that are not POSIX shells dsig can judge.
pub fn runner(program: &str, image: &Image) -> Option<Runner> {
    if let Some(k) = ShellKind::from_program(program) {
        return Some(Runner::Known(k, format!("`{program}` is {}", k.name())));
    }
    if crate::shell::base_name(program) != "sh" {
        return None;
    }
    Some(match image.system_shell() {
        SystemShell::Known(k, img) => Runner::Known(k, format!("/bin/sh in {img} is {}", k.name())),
        SystemShell::Missing(img) => Runner::Missing(img),
        SystemShell::Unknown(img) => Runner::Unknown(img),
    })
}

/// The verdict on a command string run by `runner` as PID 1.
pub struct Verdict {
    pub severity: Severity,
    pub message: String,
    pub analysis: CommandString,
}

fn describe_last(cs: &CommandString) -> String {
    match &cs.last {
        Last::Simple(s) if s.runs_after_workload() => "the app".into(),
        Last::Simple(s) => match s.program() {
            Some(p) => format!("`{p}`"),
            None => "the command".into(),
        },
        Last::Pipeline(_) => "the pipeline".into(),
        Last::Compound(_) => "the compound command".into(),
        Last::Background(_) => "the background command".into(),
        Last::Empty => "nothing".into(),
    }
}

/// What `shell -c text` does with PID 1, by the script model.
pub enum CHandover {
    /// Every path that keeps running execs its program (`explicit`: with
    /// the `exec` word on every path).
    Execs { explicit: bool },
    /// A path keeps the shell as PID 1: why.
    Stays(String),
    /// Nothing keeps running (the string finishes by itself).
    Finishes,
    /// The string starts programs in the background and finishes: PID 1
    /// exits at once and the container stops with it.
    Abandons,
    /// dsig cannot follow it (too complex): why.
    Unknown(String),
}

/// Run a `-c` string with `shell`'s semantics.
pub fn c_handover(text: &str, shell: ShellKind) -> CHandover {
    verdict_of(&crate::shell::flow::run(text, &c_env(Some(shell))))
}

/// How a CMD/ENTRYPOINT `-c` string runs: no arguments after it, `shell`.
fn c_env(shell: Option<ShellKind>) -> crate::shell::flow::Env<'static> {
    crate::shell::flow::Env {
        shell,
        args: Some(Vec::new()),
        command_string: true,
        ..crate::shell::flow::Env::unknown()
    }
}

/// The model of a CMD/ENTRYPOINT `-c` string run by `shell`.
#[must_use]
pub fn c_flow(text: &str, shell: ShellKind) -> crate::shell::flow::Flow {
    crate::shell::flow::run(text, &c_env(Some(shell)))
}

/// [`c_handover`] for several shells, with one run of the model.
pub fn c_handovers(text: &str, shells: &[ShellKind]) -> Vec<CHandover> {
    crate::shell::flow::run_shells(text, &c_env(None), shells)
        .iter()
        .map(verdict_of)
        .collect()
}

fn verdict_of(f: &crate::shell::flow::Flow) -> CHandover {
    use crate::shell::flow::{End, How};
    let mut explicit = true;
    let mut any = false;
    let abandons = f.paths.iter().any(|p| {
        matches!(p.end, End::Exit { .. })
            && p.jobs
                .iter()
                .any(|j| j.prog.lifetime != crate::shell::flow::Lifetime::OneShot)
    });
    for p in f.running() {
        any = true;
        match &p.end {
            End::Exec { explicit: e, .. } => explicit &= *e,
            End::Unknown { why, .. } => return CHandover::Unknown(why.clone()),
            End::Foreground { how, after, .. } => {
                let why = if !after.is_empty() {
                    "a command runs after the workload".to_string()
                } else if !p.jobs.is_empty() {
                    "a program runs in the background, and the shell waits".to_string()
                } else if let Some(w) = &p.no_exec {
                    w.clone()
                } else if *how != How::Simple {
                    "the last command is a compound command".to_string()
                } else {
                    "the shell does not exec it".to_string()
                };
                return CHandover::Stays(why);
            }
            // A TERM trap that signals the program and waits for it: the
            // shell is PID 1 with a handler, and passes the signal on.
            End::Wait { waits_again, .. }
                if p.trap("TERM")
                    .is_some_and(|t| !t.ignores() && t.forwards && (t.waits || *waits_again)) => {}
            End::Wait { .. } => {
                return CHandover::Stays("the shell waits for a background program".into())
            }
            End::Fails { why, .. } => return CHandover::Stays(why.clone()),
            End::Exit { .. } => {}
        }
    }
    if any {
        CHandover::Execs { explicit }
    } else if abandons {
        CHandover::Abandons
    } else {
        CHandover::Finishes
    }
}

/// A verdict's message for a shell that an init the runtime adds runs as
/// its child: the shell is not PID 1, so the signal the init passes on
/// kills it, and the program it started is SIGKILLed when the container
/// ends (tests/k8s.rs measures a shell that is not PID 1 dying of SIGTERM
/// while its child runs on; tests/compose_e2e.rs stops such a service).
#[must_use]
pub fn under_init(message: &str) -> String {
    message
        .replacen(
            "keeps the shell as PID 1",
            "keeps the shell between the init and the program",
            1,
        )
        .replacen(
            "the stop signal from `docker stop` is dropped and",
            "the init passes the stop signal to the shell, which dies of it (it is not PID 1), and",
            1,
        )
        .replacen(
            "is SIGKILLed after the grace period",
            "is SIGKILLed when the container ends, without its shutdown",
            1,
        )
}

/// Judge `text`, run as `<runner> -c text` for PID 1. `what` names the
/// instruction ("shell-form CMD"). `None` when nothing is wrong (every path
/// execs its program explicitly and a shell exists, or nothing keeps running).
pub fn judge(what: &str, text: &str, runner: &Runner) -> Option<Verdict> {
    let cs = command_string(text);
    if matches!(cs.last, Last::Empty) {
        return None;
    }
    let target = describe_last(&cs);
    let (severity, message) = match runner {
        Runner::Missing(img) => (
            Severity::Error,
            format!("{what} needs /bin/sh, but {img} has none: the container cannot start"),
        ),
        Runner::Known(k, why) => match c_handover(text, *k) {
            CHandover::Finishes | CHandover::Execs { explicit: true } => return None,
            CHandover::Abandons => (Severity::Warning, abandons(what, &target)),
            CHandover::Unknown(why) => (
                Severity::Warning,
                format!("{what} makes `{}` PID 1, and dsig cannot tell whether it hands PID 1 over to {target}: {why}", k.name()),
            ),
            CHandover::Stays(because) => (
                Severity::Error,
                format!(
                    "{what} keeps the shell as PID 1 ({why}; {because}): the stop signal from `docker stop` is dropped and {target} is SIGKILLed after the grace period"
                ),
            ),
            CHandover::Execs { .. } => (
                Severity::Warning,
                format!(
                    "{what} relies on the shell exec'ing {target} ({why}, which does): a dash-based base image or a command appended to the line keeps the shell as PID 1 and SIGTERM is lost"
                ),
            ),
        },
        Runner::Unknown(img) => {
            let verdicts = c_handovers(text, &[ShellKind::Bash, ShellKind::Ash]);
            if verdicts
                .iter()
                .all(|v| matches!(v, CHandover::Finishes | CHandover::Execs { explicit: true }))
            {
                return None;
            }
            if let Some(CHandover::Unknown(why)) = verdicts.iter().find(|v| matches!(v, CHandover::Unknown(_))) {
                return Some(Verdict {
                    severity: Severity::Warning,
                    message: format!("{what} makes `/bin/sh -c` PID 1, and dsig cannot tell whether it hands PID 1 over to {target}: {why}"),
                    analysis: cs,
                });
            }
            if verdicts.iter().all(|v| matches!(v, CHandover::Abandons)) {
                return Some(Verdict {
                    severity: Severity::Warning,
                    message: abandons(what, &target),
                    analysis: cs,
                });
            }
            if let CHandover::Stays(because) = &verdicts[0] {
                if matches!(verdicts[1], CHandover::Stays(_)) {
                    return Some(Verdict {
                        severity: Severity::Error,
                        message: format!(
                            "{what} keeps the shell as PID 1 with any /bin/sh ({because}): the stop signal from `docker stop` is dropped and {target} is SIGKILLed after the grace period"
                        ),
                        analysis: cs,
                    });
                }
            }
            (
                Severity::Warning,
                format!(
                    "{what} makes `/bin/sh -c` PID 1 and dsig does not know /bin/sh in {img}: dash (Debian, Ubuntu) stays PID 1 and drops SIGTERM; bash (RHEL family) and busybox ash (Alpine) exec {target}"
                ),
            )
        }
    };
    Some(Verdict {
        severity,
        message,
        analysis: cs,
    })
}

fn abandons(what: &str, _target: &str) -> String {
    format!("{what} runs its command in the background and the shell then exits: PID 1 is gone at once, so the container stops as soon as it starts and the background programs are killed")
}

/// Help text for a verdict without an automatic fix.
pub fn no_fix_help(cs: &CommandString, keyword: &str) -> String {
    let why = match &cs.last {
        Last::Pipeline(_) => "the last command is a pipeline, which `exec` cannot hand PID 1 to",
        Last::Compound(_) => "the last command is a compound command",
        Last::Background(_) => "the command runs in the background",
        _ => "a command runs after the workload",
    };
    blocked_help(why, keyword)
}

/// Help for a command string whose fix is not offered, and why.
pub fn blocked_help(why: &str, keyword: &str) -> String {
    format!(
        "no automatic fix: {why}. Move the commands into a script that ends with `exec <app>`, and use `{keyword} [\"/path/to/script\"]`; or run an init such as tini as ENTRYPOINT (`docker run --init` does the same)"
    )
}

/// The final stage and its CMD or ENTRYPOINT (`pick`) when that is in shell
/// form: the instruction, the command text and the shell that runs it.
/// `None` for a text SIG003 reports (an exec-form attempt that is not JSON).
pub fn shell_form<'a>(
    ctx: &super::Context<'a>,
    pick: fn(&crate::model::Stage) -> &crate::model::Setting<crate::model::Command>,
) -> Option<(
    &'a crate::model::Stage,
    &'a crate::syntax::Instruction<'a>,
    &'a str,
    &'a [String],
)> {
    let st = ctx.image.final_stage()?;
    let (crate::model::Command::Shell { text, shell }, at) = pick(st).get()? else {
        return None;
    };
    let ins = &ctx.dockerfile.instructions[at];
    (!is_invalid_json(ins)).then_some((st, ins, text.as_str(), shell.as_slice()))
}

/// The check SIG001 and SIG002 share: `ins`, a shell-form CMD or ENTRYPOINT
/// whose `text` `shell` runs as PID 1, when that shell may not pass the stop
/// signal on. `also` ends the message; the exec-form fix has
/// `exec_form_safety`.
pub fn report_shell_pid1(
    ctx: &super::Context,
    meta: &crate::diagnostic::RuleMeta,
    (ins, text, shell): (&crate::syntax::Instruction, &str, &[String]),
    also: &str,
    exec_form_safety: crate::diagnostic::FixSafety,
) {
    let Some(runner) = shell.first().and_then(|p| runner(p, ctx.image)) else {
        return;
    };
    let what = format!("shell-form {}", ins.keyword().to_ascii_uppercase());
    let Some(v) = judge(&what, text, &runner) else {
        return;
    };
    let (fix, help) = shell_form_fix(
        ctx,
        ins,
        &v.analysis,
        exec_form_safety,
        !matches!(runner, Runner::Missing(_)),
    );
    ctx.report(meta, ins.span(), format!("{}{also}", v.message))
        .severity(v.severity)
        .label(format!("PID 1 is `{} ...`", shell.join(" ")))
        .fix(fix)
        .help(help);
}

/// The fix for a shell-form CMD or ENTRYPOINT: exec form when the string is
/// one simple command of literal words (with `exec_form_safety`), else `exec`
/// before the last command (safe), else none. Returns the fix and the help.
pub fn shell_form_fix(
    ctx: &super::Context,
    ins: &crate::syntax::Instruction,
    cs: &CommandString,
    exec_form_safety: crate::diagnostic::FixSafety,
    shell_exists: bool,
) -> (Option<crate::diagnostic::Fix>, String) {
    use crate::diagnostic::FixSafety;
    use crate::shell::names::ExecFit;
    let kw = ins.keyword().to_ascii_uppercase();
    let names = crate::shell::names::Script::new(&cs.text);
    if let Some(e) = names.syntax_error() {
        // The shell rejects the string today; exec form would run it.
        return (
            None,
            format!("no automatic fix: the command string has {e}, so the shell fails to run it; fix the quoting first"),
        );
    }
    if let Some(argv) = cs
        .literal_argv
        .as_ref()
        .filter(|_| !ins.has_inner_comments())
    {
        if let Some(kind) = names.kind(&argv[0]) {
            return (
                None,
                format!(
                    "no automatic fix: `{}` is {}, which exec form cannot run; write `{kw} [\"/path/to/program\", \"arg\"]` with the program it starts",
                    argv[0],
                    kind.describe()
                ),
            );
        }
        let new = crate::syntax::json_array(argv);
        let fix = ctx.fix(
            exec_form_safety,
            format!("Use exec form: {kw} {new}"),
            vec![(ins.args_span(), new.clone())],
        );
        let help = format!(
            "use exec form, so that `{}` itself is PID 1: `{kw} {new}`",
            argv[0]
        );
        return (Some(fix), help);
    }
    let checked = cs.exec_insertion().map(|off| c_exec_fix(&cs.text, off));
    match cs.exec_insertion() {
        Some(_) if shell_exists && checked == Some(None) => (
            None,
            blocked_help(
                "with `exec` before the last command, another command would still run in the shell first (dsig ran the fixed string again)",
                &kw,
            ),
        ),
        Some(off) if shell_exists => {
            let (safety, note) = match names.exec_before(off) {
                ExecFit::No(why) => return (None, blocked_help(&why, &kw)),
                ExecFit::Unsafe(why) => (FixSafety::Unsafe, format!(" ({why})")),
                ExecFit::Safe if checked == Some(Some(true)) => (
                    FixSafety::Unsafe,
                    " (the EXIT trap would no longer run)".to_string(),
                ),
                ExecFit::Safe => (FixSafety::Safe, String::new()),
            };
            let pos = ins.map.start(ins.args_range().start + off);
            let fix = ctx.fix(
                safety,
                format!("Insert `exec` before the last command{note}"),
                vec![(pos..pos, "exec ".into())],
            );
            (
                Some(fix),
                "put `exec` before the last command, so that the shell hands PID 1 to it".into(),
            )
        }
        Some(_) => (
            None,
            format!("use exec form (`{kw} [\"/app\", \"arg\"]`): there is no shell in the image"),
        ),
        None => (None, no_fix_help(cs, &kw)),
    }
}

/// `exec ` inserted at `off` of a `-c` string, checked by running the fixed
/// string through the model (with dash's facts: dash execs nothing on its
/// own, so only the written `exec` counts): `None` when some path that keeps
/// running still does not exec its program; else whether an EXIT trap is
/// set on the way (its clean-up would no longer run: unsafe).
pub fn c_exec_fix(text: &str, off: usize) -> Option<bool> {
    if !text.is_char_boundary(off) {
        return None;
    }
    let fixed = format!("{}exec {}", &text[..off], &text[off..]);
    let f = crate::shell::flow::run(&fixed, &c_env(Some(ShellKind::Dash)));
    if !matches!(verdict_of(&f), CHandover::Execs { explicit: true }) {
        return None;
    }
    let exit_trap = f
        .running()
        .any(|p| p.trap("EXIT").is_some_and(|t| !t.ignores()));
    Some(exit_trap)
}

/// The instruction's arguments are an exec-form attempt that is not a valid
/// JSON array (SIG003 reports them; `[ -f x ] && app` is plain shell form).
pub fn is_invalid_json(ins: &crate::syntax::Instruction) -> bool {
    match &ins.args {
        crate::syntax::Args::Shell {
            text,
            json_error: Some(_),
        } => super::invalid_exec_form::is_exec_form_attempt(&text.value(ins)),
        _ => false,
    }
}

/// The scripts of the PID 1 chain. Each is judged on its own: a script run
/// by a shell that stays PID 1 (SIG001) still loses SIGTERM once that is
/// fixed, so both are reported.
pub fn pid1_scripts<'a>(
    ctx: &'a super::Context,
) -> impl Iterator<Item = &'a crate::model::chain::LoadedScript> + 'a {
    ctx.chain.scripts.iter()
}

/// How to name the shell that runs a script.
pub fn shell_name(s: &crate::model::chain::LoadedScript) -> String {
    use crate::model::chain::Invocation;
    let prog = match &s.invocation {
        Invocation::Interpreter(p) => Some(p.clone()),
        Invocation::Direct => s.analysis.shebang.as_ref().map(|b| b.interpreter.clone()),
    };
    match (prog, s.shell) {
        (Some(p), _) if crate::shell::base_name(&p) != "sh" => {
            crate::shell::base_name(&p).to_string()
        }
        (_, Some(k)) => k.name().to_string(),
        (Some(p), None) => crate::shell::base_name(&p).to_string(),
        (None, None) => "the shell".to_string(),
    }
}

/// The program a command runs, for messages.
pub fn program_of(cmd: &crate::shell::script::Cmd) -> String {
    cmd.words
        .first()
        .map_or_else(|| "the command".into(), |w| w.raw.clone())
}

/// Privilege droppers: they start the program as another user.
pub const PRIVILEGE_DROPPERS: &[&str] = &[
    "su",
    "sudo",
    "runuser",
    "gosu",
    "su-exec",
    "setpriv",
    "chpst",
    "s6-setuidgid",
];

/// The privilege dropper a program is, if it is one.
pub fn dropper(prog: &crate::shell::flow::Prog) -> Option<String> {
    let n = prog.name()?;
    let b = crate::shell::base_name(n);
    PRIVILEGE_DROPPERS.contains(&b).then(|| b.to_string())
}

/// The program a flow program runs, for messages (as written).
pub fn prog_name(prog: &crate::shell::flow::Prog) -> String {
    // `"$@"` is named by what it expands to, when known.
    let written = match prog.cmd.words.first() {
        Some(w) if w.value.as_deref() == Some("exec") => prog.cmd.exec_target().first(),
        w => w,
    };
    if let (Some(w), Some(Some(v))) = (written, prog.argv.first()) {
        if w.raw.contains('$') {
            return v.clone();
        }
    }
    match prog.cmd.words.first() {
        Some(w) if w.value.as_deref() == Some("exec") => prog
            .cmd
            .exec_target()
            .first()
            .map_or_else(|| "the command".into(), |w| w.raw.clone()),
        Some(w) => w.raw.clone(),
        None => "the command".into(),
    }
}

/// A program with its first arguments, for messages (`./cli scheduler`).
pub fn prog_short(prog: &crate::shell::flow::Prog) -> String {
    let name = prog_name(prog);
    let rest: Vec<&str> = prog
        .argv
        .iter()
        .skip(1)
        .take(2)
        .map_while(|w| w.as_deref())
        // Internal values (`$!` is a job marker) are not shown.
        .take_while(|w| !w.contains('\u{1}'))
        .filter(|w| !w.contains(['\n', '`']) && w.len() < 40)
        .collect();
    if rest.is_empty() {
        name
    } else {
        format!("{name} {}", rest.join(" "))
    }
}

/// The program path `p` ends with in the foreground, how it runs, and
/// whether it is the script's last command (nothing, or only `exit`, runs
/// after it: an `exec` before it changes nothing else).
pub fn foreground(
    p: &crate::shell::flow::Path,
) -> Option<(&crate::shell::flow::Prog, crate::shell::flow::How, bool)> {
    match &p.end {
        crate::shell::flow::End::Foreground {
            prog,
            how,
            after,
            only_exit_after,
        } => Some((prog, *how, after.is_empty() || *only_exit_after)),
        _ => None,
    }
}

/// "When `[ "$1" = serve ]` is true, " or "".
pub fn when(p: &crate::shell::flow::Path) -> String {
    let c = p.describe_conditions();
    if c.is_empty() {
        c
    } else {
        let mut it = c.chars();
        let first = it.next().map_or('W', |f| f.to_ascii_uppercase());
        format!("{first}{}: ", it.as_str())
    }
}

/// Insert `exec ` before the program of path `p` of script `s`: safe only
/// when nothing runs after it (at most `exit`) and no EXIT trap is set (its
/// clean-up would no longer run); unsafe when later commands or the trap
/// would be skipped; not offered (`Err` with the reason, for the help) when
/// `exec` would break the script: the command is a function, builtin, alias
/// or keyword, never runs, runs outside PID 1, the script has a syntax
/// error, the fixed script, run again, does not hand PID 1 to the program,
/// When the program would ignore SIGTERM as PID 1 with no init in front
/// (`tail -f /dev/null`, `cron -f`, an app with no handler found: see
/// [`super::pid1_ignores_sigterm::would_ignore_as_pid1`]), the `exec` comes
/// with the init-injection fix (unsafe), or is not offered when no init can
/// be added.
pub fn insert_exec_fix(
    ctx: &super::Context,
    s: &crate::model::chain::LoadedScript,
    p: &crate::shell::flow::Path,
    prog: &crate::shell::flow::Prog,
) -> Result<crate::diagnostic::Fix, String> {
    use crate::diagnostic::FixSafety;
    use crate::shell::names::ExecFit;
    if prog.at.file != 0 {
        return Err("the command is in a file the script sources".into());
    }
    if prog
        .argv
        .first()
        .is_some_and(|w| w.as_deref() == Some("exec"))
    {
        // `"${CMD[@]}"` that expands to `exec ...`: another `exec` would
        // make `exec exec`, which fails.
        return Err("the command's words already start with `exec`".into());
    }
    let names = ctx.names(s);
    if let Some(e) = names.syntax_error() {
        return Err(format!("the script has {e}: fix it first"));
    }
    let exit_trap = p.trap("EXIT").is_some_and(|t| !t.ignores());
    let mut message = format!("Insert `exec` before `{}`", prog_name(prog));
    let at = prog.cmd.name_start;
    let safety = match names.exec_before(at) {
        ExecFit::No(why) => return Err(why),
        ExecFit::Unsafe(why) => {
            message = format!("{message} ({why})");
            FixSafety::Unsafe
        }
        ExecFit::Safe if exit_trap => {
            message = format!("{message} (the EXIT trap would no longer run)");
            FixSafety::Unsafe
        }
        ExecFit::Safe => FixSafety::Safe,
    };
    let edits = vec![(at..at, "exec ".to_string())];
    if !ctx.exec_verified(s).contains(&at) {
        return Err(format!(
            "dsig ran the script again with `exec` before `{}`, and it still would not stop gracefully (a program left in the background, or the line is not reached that way)",
            prog_name(prog)
        ));
    }
    let fix = ctx.script_fix(s, safety, message, edits);
    // A program that ignores SIGTERM as PID 1 (tail, cron, an app without
    // a handler) must not become PID 1 without an init: the `exec` comes
    // with an init in front, or not at all.
    let deaf = (s.is_pid1 && ctx.chain.pid1_init().is_none())
        .then(|| {
            let words = crate::model::app::known_words(&prog.argv);
            super::pid1_ignores_sigterm::would_ignore_as_pid1(ctx, &words)
        })
        .flatten();
    let Some(why) = deaf else {
        return Ok(fix);
    };
    match init_fix(ctx, false) {
        Ok(init) => Ok(crate::diagnostic::Fix {
            safety: FixSafety::Unsafe,
            message: format!(
                "Insert `exec` before `{}` and run {} as PID 1 in front ({why})",
                prog_name(prog),
                ctx.init.name()
            ),
            edits: init.edits.into_iter().chain(fix.edits).collect(),
        }),
        Err(no_init) => Err(format!(
            "{why}, so `exec` alone would not let `docker stop` stop it, and no init can be added: {no_init}"
        )),
    }
}

/// The variable the forwarding trap collects background PIDs in.
pub const PIDS_VAR: &str = "dsig_pids";

/// Make a script that ends in `wait` forward the stop signal: remember the
/// PID of each background program and, before the `wait`, install a trap on
/// TERM and INT (and the image's stop signal) that signals them and waits for
/// them to finish. Safe: the variable is new, and nothing changes until the
/// signal arrives (which PID 1 ignored before). Offered when the `wait` is
/// bare, every `&` of the script is a simple command of the script itself
/// before it, and the fixed script, run again, waits with the trap.
/// Preferred to an init with `-g`: tini exits as soon as the shell dies of
/// the signal, and the kernel then SIGKILLs the children mid-shutdown
/// (observed by the behaviour test).
/// `kill -TERM "$!"` alone would miss all but the last child, and `jobs -p`
/// in `$(...)` prints nothing under dash, hence the list.
pub fn forward_trap_fix(
    ctx: &super::Context,
    s: &crate::model::chain::LoadedScript,
    p: &crate::shell::flow::Path,
) -> Option<crate::diagnostic::Fix> {
    use crate::diagnostic::FixSafety;
    use crate::shell::flow::End;
    let End::Wait { at, bare: true, .. } = &p.end else {
        return None;
    };
    if s.file == 0 || at.file != 0 {
        // A heredoc in the Dockerfile: an unquoted delimiter expands `$` at
        // build time, so the trap's variables would be lost.
        return None;
    }
    if ctx.names(s).syntax_error().is_some() {
        return None; // a broken script is not edited
    }
    let text = s.text.as_str();
    let mut amp_ends = Vec::new();
    for j in &p.jobs {
        if j.prog.at.file != 0 || j.prog.at.span.start > at.span.start {
            return None;
        }
        let rest = &text[j.prog.at.span.end..];
        let skip = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let amp = j.prog.at.span.end + skip;
        if !text[amp..].starts_with('&') || text[amp..].starts_with("&&") {
            return None; // not `cmd &` (a pipeline or a compound in the background)
        }
        amp_ends.push(amp + 1);
    }
    if amp_ends.is_empty()
        || amp_ends.len() > crate::shell::script::MAX_FORWARDED
        || s.flow.amps != amp_ends.len()
    {
        return None;
    }
    let mut edits: Vec<(std::ops::Range<usize>, String)> = amp_ends
        .iter()
        .map(|&at| (at..at, format!(" {PIDS_VAR}=\"${PIDS_VAR} $!\";")))
        .collect();
    let stop = stop_signal(ctx);
    let sigs = if matches!(stop.as_str(), "TERM" | "INT") {
        "TERM INT".to_string()
    } else {
        format!("TERM INT {stop}")
    };
    let trap = format!("trap 'kill -TERM ${PIDS_VAR} 2>/dev/null || :; wait' {sigs}");
    let wait_start = at.span.start;
    let line_start = crate::diagnostic::line_start(text, wait_start);
    let indent = &text[line_start..wait_start];
    let nl = if s.analysis.crlf { "\r\n" } else { "\n" };
    let insert = if indent.chars().all(|c| c == ' ' || c == '\t') {
        format!("{trap}{nl}{indent}")
    } else {
        format!("{trap}; ")
    };
    edits.push((wait_start..wait_start, insert));
    if !fix_verified(s, &edits, &stop) {
        return None;
    }
    Some(ctx.script_fix(
        s,
        FixSafety::Safe,
        format!("Forward SIG{stop} to the background programs and wait for them"),
        edits,
    ))
}

/// A script that forwards another signal (`trap '...' TERM`) but not the
/// image's stop signal (`STOPSIGNAL SIGINT`): add the stop signal to that
/// trap. Safe: the handler is the script's own, and the signal was dropped
/// before. Offered when the fixed script, run again, waits with it.
pub fn trap_signal_fix(
    ctx: &super::Context,
    s: &crate::model::chain::LoadedScript,
    p: &crate::shell::flow::Path,
    stop: &str,
) -> Option<crate::diagnostic::Fix> {
    use crate::diagnostic::FixSafety;
    let t = p
        .traps
        .iter()
        .find(|t| t.signal != stop && t.signal != "EXIT" && t.forwards && t.waits)?;
    if t.at.file != 0 || ctx.names(s).syntax_error().is_some() {
        return None;
    }
    let end = t.at.span.end;
    let edits = vec![(end..end, format!(" {stop}"))];
    if !fix_verified(s, &edits, stop) {
        return None;
    }
    Some(ctx.script_fix(
        s,
        FixSafety::Safe,
        format!("Add {stop} to the trap that forwards {}", t.signal),
        edits,
    ))
}

/// The init-injection fix (unsafe), or why there is none.
pub fn init_fix(ctx: &super::Context, group: bool) -> Result<crate::diagnostic::Fix, String> {
    use crate::diagnostic::FixSafety;
    let edits = crate::model::init::plan(ctx.dockerfile, ctx.image, ctx.text, ctx.init, group)?;
    Ok(ctx.fix(
        FixSafety::Unsafe,
        format!(
            "Run {} as PID 1 in front of the ENTRYPOINT and CMD",
            ctx.init.name()
        ),
        edits,
    ))
}

/// The image's stop signal, without `SIG` (TERM unless STOPSIGNAL says
/// otherwise; an invalid STOPSIGNAL counts as TERM here, SIG023 reports it).
pub fn stop_signal(ctx: &super::Context) -> String {
    ctx.image
        .final_stage()
        .and_then(|st| st.stopsignal.get())
        .and_then(|(v, _)| super::stopsignal::normalize(v))
        .unwrap_or_else(|| "TERM".to_string())
}

/// Where a place of a script's flow is in the report: (file, span).
/// Text of a literal `eval` maps to the `eval` command.
pub fn flow_span(
    s: &crate::model::chain::LoadedScript,
    loc: &crate::shell::flow::Loc,
) -> (usize, std::ops::Range<usize>) {
    let mut loc = loc.clone();
    for _ in 0..=crate::shell::flow::MAX_DEPTH {
        if loc.file == 0 {
            return (s.file, s.base + loc.span.start..s.base + loc.span.end);
        }
        let k = loc.file - 1;
        match s.flow.sourced.get(k).and_then(|f| f.eval_at.clone()) {
            Some(at) => loc = at,
            None => {
                return match s.sourced_files.get(k).copied().flatten() {
                    Some((file, base)) => (file, base + loc.span.start..base + loc.span.end),
                    // Not a file dsig can point into: the script's first line.
                    None => (
                        s.file,
                        s.base..s.base + s.text.lines().next().map_or(0, str::len),
                    ),
                };
            }
        }
    }
    (s.file, s.base..s.base)
}

/// Whether a path stops gracefully on `stop` as far as the script is
/// concerned: it hands PID 1 over, finishes by itself, or waits with a trap
/// that forwards the signal and waits again.
pub fn path_graceful(p: &crate::shell::flow::Path, stop: &str) -> bool {
    use crate::shell::flow::{End, How};
    let handler = p.trap(stop).filter(|t| !t.ignores());
    match &p.end {
        // A loop of short commands with a trap that forwards and ends it.
        End::Foreground {
            how: How::PollLoop, ..
        } => handler.is_some_and(|t| t.exits || t.forwards),
        // Programs left in the background never get the signal.
        _ if p
            .jobs
            .iter()
            .any(|j| j.prog.lifetime != crate::shell::flow::Lifetime::OneShot)
            && !matches!(p.end, End::Wait { .. }) =>
        {
            false
        }
        End::Exec { .. } | End::Exit { .. } | End::Unknown { .. } => true,
        End::Wait { waits_again, .. } => {
            handler.is_some_and(|t| t.forwards && (t.waits || *waits_again))
        }
        End::Fails { .. } | End::Foreground { .. } => false,
    }
}

/// The flow inputs of a script, for running it again after a fix.
fn rerun(s: &crate::model::chain::LoadedScript, text: &str) -> crate::shell::flow::Flow {
    let reads = &s.flow.reads;
    let source = |p: &str, rel: bool| reads.source(p, rel);
    let list = |p: &str| reads.list(p);
    let env = crate::shell::flow::Env {
        shell: s.shell,
        args: s.args.clone(),
        vars: s.env.clone(),
        env_complete: s.env_complete,
        zero: s.image_path.clone(),
        command_string: false,
        source: &source,
        list: &list,
        depth: 0,
    };
    crate::shell::flow::run(text, &env)
}

/// Apply script-relative `edits` to `text`.
/// `None` when they overlap or fall outside the text or inside a character;
/// else [`crate::fix::apply_edits`].
pub fn apply_edits(text: &str, edits: &[(std::ops::Range<usize>, String)]) -> Option<String> {
    let mut ranges: Vec<&std::ops::Range<usize>> = edits.iter().map(|(r, _)| r).collect();
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut at = 0;
    for r in ranges {
        if r.start < at
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            return None;
        }
        at = r.end;
    }
    let edits: Vec<crate::diagnostic::Edit> = edits
        .iter()
        .map(|(range, replacement)| crate::diagnostic::Edit {
            file: 0,
            range: range.clone(),
            replacement: replacement.clone(),
        })
        .collect();
    Some(crate::fix::apply_edits(text, &edits))
}

/// Where `exec` inserted before a program of script `s` is verified: the
/// script with `exec` before every program that a path runs in the
/// foreground, run again; the offsets (in `s`) whose program then replaces
/// the shell. One run for all of them: inserting `exec` elsewhere can only
/// end other paths sooner, so a program exec'd in that run is exec'd when
/// its fix is applied alone.
pub fn exec_verified(
    s: &crate::model::chain::LoadedScript,
    stop: &str,
) -> std::collections::HashSet<usize> {
    use crate::shell::flow::{End, How};
    let _ = stop;
    let mut at: Vec<usize> = s
        .flow
        .paths
        .iter()
        .filter_map(|p| match &p.end {
            End::Foreground {
                prog,
                how: How::Simple | How::RestartLoop,
                ..
            } if prog.at.file == 0 => Some(prog.cmd.name_start),
            _ => None,
        })
        .collect();
    at.sort_unstable();
    at.dedup();
    let edits: Vec<(std::ops::Range<usize>, String)> =
        at.iter().map(|&a| (a..a, "exec ".to_string())).collect();
    let Some(fixed) = apply_edits(&s.text, &edits) else {
        return std::collections::HashSet::default();
    };
    let after = rerun(s, &fixed);
    if after.unparsed.is_some() {
        return std::collections::HashSet::default();
    }
    let execs: std::collections::HashSet<usize> = after
        .paths
        .iter()
        .filter_map(|p| match &p.end {
            // Programs left in the background would still be killed.
            End::Exec {
                prog,
                explicit: true,
            } if prog.at.file == 0
                && p.jobs
                    .iter()
                    .all(|j| j.prog.lifetime == crate::shell::flow::Lifetime::OneShot) =>
            {
                Some(prog.cmd.name_start)
            }
            _ => None,
        })
        .collect();
    at.iter()
        .enumerate()
        .filter(|(k, a)| execs.contains(&(**a + 5 * k)))
        .map(|(_, a)| *a)
        .collect()
}

/// Verify a fix of script `s` (a forwarding trap, a trap on the stop
/// signal) by running the fixed text again: it still parses, is not newly
/// too complex, and fewer of its paths fail to stop gracefully on `stop`.
pub fn fix_verified(
    s: &crate::model::chain::LoadedScript,
    edits: &[(std::ops::Range<usize>, String)],
    stop: &str,
) -> bool {
    let Some(fixed) = apply_edits(&s.text, edits) else {
        return false;
    };
    let after = rerun(s, &fixed);
    if after.unparsed.is_some() || (after.too_complex.is_some() && s.flow.too_complex.is_none()) {
        return false;
    }
    let bad =
        |f: &crate::shell::flow::Flow| f.paths.iter().filter(|p| !path_graceful(p, stop)).count();
    bad(&after) < bad(&s.flow)
}
