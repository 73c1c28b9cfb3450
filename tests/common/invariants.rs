//! Invariants of the parser, the shell analysis and the fixer, shared by
//! `tests/fix_invariants.rs` (the real corpus), tests/properties.rs
//! (proptest), `tests/fuzz_regressions.rs` (saved fuzz inputs) and the cargo
//! fuzz targets under fuzz/ (which include this file with `#[path]`).
//!
//! Every check returns the problems it found as text instead of panicking, so
//! a caller can name the input; panics of dsig itself are caught and reported
//! (under cargo fuzz the panic hook aborts first, which is what it wants).
#![allow(dead_code)]

use dsig::diagnostic::{Edit, Fix};
use dsig::{LintOptions, Report};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(std::string::ToString::to_string)
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic)".into())
}

pub fn errors(report: &Report) -> String {
    report
        .errors
        .iter()
        .map(std::string::ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

pub use dsig::fix::overlaps;

/// `out[*pos..]` must start with `seg`; advances `pos` past it.
fn expect_at(out: &str, pos: &mut usize, seg: &str, what: String) -> Result<(), String> {
    if out.as_bytes()[*pos..].starts_with(seg.as_bytes()) {
        *pos += seg.len();
        return Ok(());
    }
    let end = (*pos + seg.len().max(1)).min(out.len());
    Err(format!(
        "{what} differs at output byte {}: want {:?}, got {:?}",
        *pos,
        seg,
        String::from_utf8_lossy(&out.as_bytes()[*pos..end])
    ))
}

/// `text` with `edits` applied must be the original outside the edited ranges
/// and each replacement inside them. Returns the first difference.
pub fn check_outside_unchanged(text: &str, edits: &[Edit], out: &str) -> Result<(), String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let (mut pos_in, mut pos_out) = (0, 0);
    for e in sorted {
        expect_at(
            out,
            &mut pos_out,
            &text[pos_in..e.range.start],
            format!("unedited text {}..{}", pos_in, e.range.start),
        )?;
        expect_at(
            out,
            &mut pos_out,
            &e.replacement,
            format!("replacement of {:?}", e.range),
        )?;
        pos_in = e.range.end;
    }
    expect_at(
        out,
        &mut pos_out,
        &text[pos_in..],
        format!("unedited tail {}..{}", pos_in, text.len()),
    )?;
    if pos_out != out.len() {
        return Err(format!(
            "output has {} extra bytes at the end",
            out.len() - pos_out
        ));
    }
    Ok(())
}

fn span_ok(text: &str, r: &std::ops::Range<usize>, what: &str) -> Result<(), String> {
    if r.start > r.end || r.end > text.len() {
        return Err(format!(
            "{what} {r:?} outside the text ({} bytes)",
            text.len()
        ));
    }
    if !text.is_char_boundary(r.start) || !text.is_char_boundary(r.end) {
        return Err(format!("{what} {r:?} not on char boundaries"));
    }
    Ok(())
}

fn offset_ok(text: &str, at: usize, what: &str) -> Result<(), String> {
    span_ok(text, &(at..at), what)
}

/// Bytes as dsig reads them (`files::decode`), then parsed and linted as a
/// Dockerfile: nothing panics, and when it parses its pieces tile the text
/// (see [`check_text`]). `Ok(None)` when the bytes are not text.
pub fn check_bytes(bytes: &[u8]) -> Result<Option<bool>, String> {
    let text = match catch_unwind(|| dsig::files::decode("Dockerfile", bytes.to_vec())) {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => {
            if !(bytes.contains(&0) || std::str::from_utf8(bytes).is_err()) {
                return Err(format!("decode rejected valid text: {e}"));
            }
            return Ok(None);
        }
        Err(p) => return Err(format!("decode panicked: {}", panic_message(&*p))),
    };
    if text.as_bytes() != bytes {
        return Err("decode changed the bytes".into());
    }
    check_text(&text).map(Some)
}

/// Parse and lint `text` as a Dockerfile. When it parses, the pieces tile it
/// byte for byte (the lossless tree prints back the input); when it does not,
/// the error points into the text. Linting does not panic, agrees with the
/// parser, and every finding and edit lies in its file on char boundaries.
/// Returns whether it parsed.
pub fn check_text(text: &str) -> Result<bool, String> {
    let parsed = match catch_unwind(|| dsig::syntax::parse(text)) {
        Ok(p) => p,
        Err(p) => return Err(format!("parse panicked: {}", panic_message(&*p))),
    };
    match &parsed {
        Ok(df) => {
            let mut pos = 0;
            let mut printed = String::with_capacity(text.len());
            for (i, p) in df.pieces.iter().enumerate() {
                if p.span.start != pos {
                    return Err(format!(
                        "piece {i} {:?} {:?} does not start where the last ended ({pos})",
                        p.kind, p.span
                    ));
                }
                span_ok(text, &p.span, &format!("piece {i} {:?}", p.kind))?;
                printed.push_str(&text[p.span.clone()]);
                pos = p.span.end;
            }
            if printed != text {
                return Err(format!(
                    "pieces print {} of {} bytes back",
                    printed.len(),
                    text.len()
                ));
            }
            if dsig::syntax::parse(text).as_ref() != Ok(df) {
                return Err("parsing twice gives different trees".into());
            }
        }
        Err(e) => offset_ok(text, e.offset, "parse error offset")?,
    }
    let report = match catch_unwind(|| dsig::lint_source("Dockerfile", text)) {
        Ok(r) => r,
        Err(p) => return Err(format!("lint_source panicked: {}", panic_message(&*p))),
    };
    if !dsig::is_script("Dockerfile", text) && parsed.is_ok() != report.errors.is_empty() {
        return Err(format!(
            "parse and lint disagree: parse {}, lint errors: {}",
            if parsed.is_ok() { "ok" } else { "failed" },
            errors(&report)
        ));
    }
    check_report(&report)?;
    Ok(parsed.is_ok())
}

/// Every finding, and every edit of its fix, lies inside its file on char
/// boundaries; the edits of one fix do not overlap.
pub fn check_report(report: &Report) -> Result<(), String> {
    for d in &report.diagnostics {
        let Some(f) = report.files.get(d.file) else {
            return Err(format!("{}: finding in unknown file {}", d.code, d.file));
        };
        span_ok(&f.text, &d.span, &format!("{} finding span", d.code))?;
        let Some(fix) = &d.fix else { continue };
        for (i, e) in fix.edits.iter().enumerate() {
            let Some(f) = report.files.get(e.file) else {
                return Err(format!("{} fix: edit into unknown file {}", d.code, e.file));
            };
            span_ok(&f.text, &e.range, &format!("{} fix: edit", d.code))?;
            for other in &fix.edits[..i] {
                if overlaps(e, other) {
                    return Err(format!(
                        "{} fix {:?}: edits {:?} and {:?} overlap",
                        d.code, fix.message, other.range, e.range
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The shell analysis of `text` as a `sh -c` command string and as a script:
/// nothing panics and every offset it returns lies in the text on char
/// boundaries.
pub fn check_shell(text: &str) -> Result<(), String> {
    use dsig::shell::{Last, ShellKind};
    let cs = catch_unwind(|| dsig::shell::command_string(text))
        .map_err(|p| format!("command_string panicked: {}", panic_message(&*p)))?;
    for t in catch_unwind(|| dsig::shell::lex(text))
        .map_err(|p| format!("lex panicked: {}", panic_message(&*p)))?
    {
        span_ok(text, &t.range, "token")?;
    }
    match &cs.last {
        Last::Simple(s) => {
            span_ok(text, &s.range, "last command")?;
            offset_ok(text, s.command_start, "command start")?;
        }
        Last::Pipeline(r) | Last::Compound(r) | Last::Background(r) => {
            span_ok(text, r, "last command")?;
        }
        Last::Empty => {}
    }
    if let Some(at) = cs.exec_insertion() {
        offset_ok(text, at, "exec insertion")?;
    }
    for shell in [ShellKind::Dash, ShellKind::Bash, ShellKind::Ash] {
        catch_unwind(AssertUnwindSafe(|| cs.handover(shell)))
            .map_err(|p| format!("handover panicked: {}", panic_message(&*p)))?;
    }

    let a = catch_unwind(|| dsig::shell::script::analyze(text))
        .map_err(|p| format!("script::analyze panicked: {}", panic_message(&*p)))?;
    let cmd_ok = |c: &dsig::shell::script::Cmd, what: &str| -> Result<(), String> {
        span_ok(text, &c.span, what)?;
        offset_ok(text, c.name_start, what)?;
        for w in &c.words {
            span_ok(text, &w.span, &format!("{what} word"))?;
        }
        Ok(())
    };
    if let Some(s) = &a.shebang {
        span_ok(text, &s.span, "shebang")?;
    }
    // The script model: every place it names is inside the text.
    let flow = catch_unwind(|| dsig::shell::flow::run(text, &dsig::shell::flow::Env::unknown()))
        .map_err(|p| format!("flow::run panicked: {}", panic_message(&*p)))?;
    let loc_ok = |l: &dsig::shell::flow::Loc, what: &str| -> Result<(), String> {
        if l.file == 0 {
            span_ok(text, &l.span, what)
        } else {
            Ok(())
        }
    };
    let prog_ok = |p: &dsig::shell::flow::Prog, what: &str| -> Result<(), String> {
        loc_ok(&p.at, what)?;
        if p.at.file == 0 {
            cmd_ok(&p.cmd, what)?;
        }
        Ok(())
    };
    use dsig::shell::flow::End;
    for p in &flow.paths {
        for t in &p.traps {
            loc_ok(&t.at, "trap")?;
        }
        for j in &p.jobs {
            prog_ok(&j.prog, "background command")?;
        }
        match &p.end {
            End::Exec { prog, .. } | End::Foreground { prog, .. } => prog_ok(prog, "path end")?,
            End::Wait { at, .. } | End::Fails { at, .. } | End::Unknown { at, .. } => {
                loc_ok(at, "path end")?;
            }
            End::Exit { at } => {
                if let Some(at) = at {
                    loc_ok(at, "exit")?;
                }
            }
        }
    }
    let _ = &a;
    Ok(())
}

/// What [`check_fix`] found about one input.
#[derive(Default, Debug)]
pub struct FileResult {
    pub problems: Vec<String>,
    pub parsed: bool,
    pub findings: usize,
    pub fixes_offered: usize,
    pub safe_applied: usize,
    pub unsafe_applied: usize,
}

/// [`check_fix`] of a Dockerfile alone (no build context).
pub fn check_file(text: &str) -> FileResult {
    check_fix("Dockerfile", text, &LintOptions::default())
}

/// Fix invariants of the Dockerfile (or script, by `path`) `text` with the
/// build context of `opts`:
///
/// - every fix's edits (from linting the original) lie inside their file, on
///   char boundaries, and do not overlap each other;
/// - one round of fixes applied with `dsig::fix::apply_edits` (each fix taken
///   unless it conflicts with one already taken; safe ones only, then safe
///   and unsafe) keeps every byte outside the edited ranges, in the
///   Dockerfile and in each script, and the result parses;
/// - `fix`, without and with unsafe fixes, gives texts that parse and are a
///   fixed point: fixing them again changes nothing and applies nothing; a
///   file that does not parse is left alone.
pub fn check_fix(path: &str, text: &str, opts: &LintOptions) -> FileResult {
    let mut r = FileResult::default();
    let report = match catch_unwind(|| dsig::lint(path, text, opts)) {
        Ok(report) => report,
        Err(p) => {
            r.problems
                .push(format!("lint panicked: {}", panic_message(&*p)));
            return r;
        }
    };
    if !report.errors.is_empty() {
        for unsafe_fixes in [false, true] {
            match catch_unwind(|| dsig::fix(path, text, opts, unsafe_fixes)) {
                Ok(f) if f.text != text || f.applied != 0 || !f.others.is_empty() => r
                    .problems
                    .push("a file that does not parse was changed".into()),
                Ok(_) => {}
                Err(p) => r
                    .problems
                    .push(format!("fix panicked: {}", panic_message(&*p))),
            }
        }
        return r;
    }
    r.parsed = true;
    r.findings = report.diagnostics.len();
    if let Err(e) = check_report(&report) {
        r.problems.push(e);
    }
    let edits_ok = r.problems.is_empty();

    // The edits of every fix offered for the original text.
    let fixes: Vec<&Fix> = report
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .collect();
    r.fixes_offered = fixes.len();

    for unsafe_fixes in [false, true] {
        let mode = if unsafe_fixes { "unsafe" } else { "safe" };
        // One round, as the fixer takes it: each applicable fix that does not
        // conflict with the ones already taken.
        if edits_ok {
            let (taken, _) = dsig::fix::take_round(&report, unsafe_fixes);
            let mut files: Vec<usize> = taken.iter().map(|e| e.file).collect();
            files.sort_unstable();
            files.dedup();
            let mut out = text.to_string();
            let mut next_opts = opts.clone();
            for f in files {
                let edits: Vec<Edit> = taken.iter().filter(|e| e.file == f).cloned().collect();
                let original = &report.files[f].text;
                let changed = dsig::fix::apply_edits(original, &edits);
                if let Err(e) = check_outside_unchanged(original, &edits, &changed) {
                    r.problems.push(format!(
                        "{mode}: one round of apply_edits on {}: {e}",
                        report.files[f].path
                    ));
                }
                match &report.files[f].disk {
                    _ if f == 0 => out = changed,
                    Some(disk) => {
                        next_opts.overlay.insert(disk.clone(), changed);
                    }
                    None => {}
                }
            }
            if !taken.is_empty() {
                let again = dsig::lint(path, &out, &next_opts);
                if !again.errors.is_empty() {
                    r.problems.push(format!(
                        "{mode}: one round of fixes does not parse: {}",
                        errors(&again)
                    ));
                }
            }
        }

        // The fixer to its fixed point.
        let fixed = match catch_unwind(|| dsig::fix(path, text, opts, unsafe_fixes)) {
            Ok(f) => f,
            Err(p) => {
                r.problems
                    .push(format!("{mode}: fix panicked: {}", panic_message(&*p)));
                continue;
            }
        };
        if unsafe_fixes {
            r.unsafe_applied = fixed.applied;
        } else {
            r.safe_applied = fixed.applied;
        }
        if fixed.applied == 0 && (fixed.text != text || !fixed.others.is_empty()) {
            r.problems
                .push(format!("{mode}: text changed but no fix counted"));
        }
        let mut again = opts.clone();
        for f in &fixed.others {
            again.overlay.insert(f.disk.clone(), f.text.clone());
        }
        let reparsed = dsig::lint(path, &fixed.text, &again);
        if !reparsed.errors.is_empty() {
            r.problems.push(format!(
                "{mode}: fixed text does not parse: {}",
                errors(&reparsed)
            ));
            continue;
        }
        let twice = dsig::fix(path, &fixed.text, &again, unsafe_fixes);
        if twice.text != fixed.text || twice.applied != 0 || !twice.others.is_empty() {
            let mut diff = similar::TextDiff::from_lines(fixed.text.as_str(), twice.text.as_str())
                .unified_diff()
                .context_radius(1)
                .to_string();
            for f in &twice.others {
                let _ = writeln!(diff, "+++ {}", f.path);
                diff.push_str(
                    &similar::TextDiff::from_lines(f.original.as_str(), f.text.as_str())
                        .unified_diff()
                        .context_radius(1)
                        .to_string(),
                );
            }
            r.problems.push(format!(
                "{mode}: not idempotent: fixing the fixed text applied {} more fix(es):\n{diff}",
                twice.applied
            ));
        }
    }
    r
}

/// The build context directory of [`split_context`]: it does not exist, so
/// only the overlay is read.
pub const FUZZ_CONTEXT: &str = "/nonexistent/dsig-fuzz-context";

/// A Dockerfile with its build context in one input: the Dockerfile, then for
/// each context file a NUL byte, its context-relative name, a newline and its
/// text (`Dockerfile\0entrypoint.sh\n#!/bin/sh\n...`). An empty name means
/// `entrypoint.sh`. The files live in an overlay over a directory that does
/// not exist, so nothing is read from disk. `None` when a part is not UTF-8.
pub fn split_context(bytes: &[u8]) -> Option<(String, LintOptions)> {
    let mut parts = bytes.split(|&b| b == 0);
    let dockerfile = String::from_utf8(parts.next()?.to_vec()).ok()?;
    let root = PathBuf::from(FUZZ_CONTEXT);
    let mut overlay = HashMap::new();
    for part in parts {
        let part = std::str::from_utf8(part).ok()?;
        let (name, text) = part.split_once('\n').unwrap_or((part, ""));
        let name = name.trim_matches(['\r', ' ', '/']);
        let name = if name.is_empty() {
            "entrypoint.sh"
        } else {
            name
        };
        overlay.insert(root.join(name), text.to_string());
    }
    let opts = LintOptions {
        dockerfile: Some(root.join("Dockerfile")),
        overlay,
        ..LintOptions::default()
    };
    Some((dockerfile, opts))
}

/// The inverse of [`split_context`], for building seeds and tests.
pub fn join_context(dockerfile: &str, files: &[(&str, &str)]) -> Vec<u8> {
    let mut out = dockerfile.as_bytes().to_vec();
    for (name, text) in files {
        out.push(0);
        out.extend_from_slice(name.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(text.as_bytes());
    }
    out
}

/// All the checks a fuzz target makes, by target name, on one input; the
/// problems found (empty when all hold).
pub fn check_target(target: &str, bytes: &[u8]) -> Vec<String> {
    let one = |r: Result<(), String>| r.err().into_iter().collect::<Vec<_>>();
    match target {
        "parse" => one(check_bytes(bytes).map(|_| ())),
        "shell" => {
            // As dsig reads scripts and Dockerfiles: no NUL, valid UTF-8.
            let Ok(text) = dsig::files::decode("entrypoint.sh", bytes.to_vec()) else {
                return vec![];
            };
            let text = text.as_str();
            let mut p = one(check_shell(text));
            if p.is_empty() {
                // As a script given to `dsig lint` (and its fixes).
                p = check_fix("entrypoint.sh", text, &LintOptions::default()).problems;
            }
            p
        }
        "fix" => {
            let Some((dockerfile, opts)) = split_context(bytes) else {
                return vec![];
            };
            check_fix("Dockerfile", &dockerfile, &opts).problems
        }
        "output" => check_output(bytes),
        _ => vec![format!("unknown fuzz target {target}")],
    }
}

/// Lines of `text` that a GitHub Actions runner would take as workflow
/// commands: after leading whitespace `::name...::` (the current form), or
/// `##[` anywhere (the legacy form). The runner splits lines at `\n`, `\r`
/// and `\r\n`.
pub fn runner_command_lines(text: &str) -> Vec<&str> {
    text.split(['\n', '\r'])
        .filter(|line| {
            let t = line.trim_start();
            (t.starts_with("::") && t[2..].contains("::")) || line.contains("##[")
        })
        .collect()
}

/// Characters a terminal acts on: every control character but tab and
/// newline (and a `\r` right before `\n` when `crlf`), DEL, the C1 controls;
/// also the bidirectional overrides and isolates, and the line and paragraph
/// separators.
pub fn raw_controls(text: &str, crlf: bool) -> Vec<(usize, char)> {
    let b = text.as_bytes();
    text.char_indices()
        .filter(|&(i, c)| {
            let kept =
                c == '\n' || c == '\t' || (crlf && c == '\r' && b.get(i + 1) == Some(&b'\n'));
            (c.is_control() && !kept)
                || matches!(
                    c,
                    '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
                )
        })
        .collect()
}

/// `text` without the SGR sequences (`ESC [ digits ; m`) dsig's colours use.
pub fn strip_sgr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\x1b') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let len = after.strip_prefix('[').and_then(|a| {
            let n = a
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b';')
                .count();
            (a.as_bytes().get(n) == Some(&b'm')).then_some(n + 2)
        });
        if let Some(len) = len {
            rest = &after[len..];
        } else {
            out.push('\x1b');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// How a rendered output may legitimately look.
#[derive(Debug, Clone, Copy, Default)]
pub struct Allowed {
    /// dsig's own colours (SGR sequences).
    pub sgr: bool,
    /// `\r\n` line endings (a diff of a CRLF file).
    pub crlf: bool,
    /// The github format's own `::error`/`::warning`/`::notice` lines.
    pub annotations: bool,
}

/// Decode a workflow command value as the runner does.
fn runner_unescape(s: &str, property: bool) -> String {
    let mut s = s.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        s = s.replace("%3A", ":").replace("%2C", ",");
    }
    s.replace("%25", "%")
}

/// The problems of one rendered output `what`: lines a runner would take as
/// commands (but the annotations `allowed`, which are parsed like the
/// runner does: their decoded data must hold neither commands nor control
/// characters, their decoded properties no control characters or line
/// breaks), and raw control characters.
pub fn check_rendered(what: &str, text: &str, allowed: Allowed) -> Vec<String> {
    let mut problems = Vec::new();
    let plain = if allowed.sgr {
        strip_sgr(text)
    } else {
        text.to_string()
    };
    let controls = raw_controls(&plain, allowed.crlf);
    if !controls.is_empty() {
        problems.push(format!(
            "{what}: raw control characters {controls:?} in {text:?}"
        ));
    }
    for line in runner_command_lines(text) {
        let annotation = allowed.annotations
            && !line.contains("##[")
            && ["::error ", "::warning ", "::notice "]
                .iter()
                .any(|p| line.starts_with(p));
        if !annotation {
            problems.push(format!("{what}: a runner command: {line:?}"));
            continue;
        }
        let body = &line[2..];
        let Some(end) = body.find("::") else {
            problems.push(format!("{what}: an annotation without data: {line:?}"));
            continue;
        };
        let (head, data) = (&body[..end], &body[end + 2..]);
        let data = runner_unescape(data, false);
        // The data is shown as text: no commands in it either. The
        // properties are values (a file name), not lines of the log.
        for l in runner_command_lines(&data) {
            problems.push(format!("{what}: decoded annotation holds a command: {l:?}"));
        }
        let mut decoded: Vec<String> = vec![data.clone()];
        if let Some((_, props)) = head.split_once(' ') {
            for p in props.split(',') {
                let Some((k, v)) = p.split_once('=') else {
                    problems.push(format!(
                        "{what}: a property without a value: {p:?} in {line:?}"
                    ));
                    continue;
                };
                let v = runner_unescape(v, true);
                if v.contains('\n') || v.contains('\r') {
                    problems.push(format!("{what}: property {k} spans lines: {v:?}"));
                }
                decoded.push(v);
            }
        }
        for d in decoded {
            let c = raw_controls(&d, false);
            if !c.is_empty() {
                problems.push(format!(
                    "{what}: decoded annotation holds controls {c:?}: {d:?}"
                ));
            }
        }
    }
    problems
}

/// One output format writing into a buffer.
type Renderer<'a> = &'a dyn Fn(&mut Vec<u8>) -> std::io::Result<()>;

/// The input of the `output` fuzz target: an optional display name for the
/// Dockerfile before a `\x01` byte, then [`split_context`]'s format. A
/// context file named `dsig.toml` is also read as a config file (its error,
/// if any, rendered as stderr shows it).
pub fn split_output_input(bytes: &[u8]) -> Option<(String, String, LintOptions)> {
    let nul = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let (name, rest) = match bytes[..nul].iter().position(|&b| b == 1) {
        Some(i) => (
            String::from_utf8(bytes[..i].to_vec()).ok()?,
            &bytes[i + 1..],
        ),
        None => ("Dockerfile".to_string(), bytes),
    };
    let (dockerfile, opts) = split_context(rest)?;
    Some((name, dockerfile, opts))
}

/// Every output format of dsig for one Dockerfile (and its context, and a
/// config file) rendered and checked with [`check_rendered`]: pretty
/// without and with colour, concise, github, JSON and SARIF (which must also
/// parse, hold no raw `##[` and keep the exact strings), the `--diff` of the
/// unsafe fixes, and the error lines of stderr.
pub fn check_output(bytes: &[u8]) -> Vec<String> {
    use dsig::output::{self, pretty, Run};
    let Some((name, dockerfile, opts)) = split_output_input(bytes) else {
        return vec![];
    };
    let mut problems = Vec::new();
    let mut report = match catch_unwind(|| dsig::lint(&name, &dockerfile, &opts)) {
        Ok(r) => r,
        Err(p) => return vec![format!("lint panicked: {}", panic_message(&*p))],
    };
    let mut run = Run::default();
    let mut stderr = String::new();
    let config_path = PathBuf::from(FUZZ_CONTEXT).join("dsig.toml");
    if let Some(text) = opts.overlay.get(&config_path) {
        if let Err(e) =
            dsig::config::parse_config(&config_path, text, std::path::Path::new(FUZZ_CONTEXT))
        {
            stderr.push_str(&output::error_line(&e.error));
            stderr.push('\n');
            for l in output::snippet_lines(&e.snippet) {
                stderr.push_str(&l);
                stderr.push('\n');
            }
            run.errors.push(*e.error);
        }
    }
    if report.errors.is_empty() {
        run.reports.push(report);
    } else {
        run.errors.append(&mut report.errors);
    }
    for e in run.all_errors() {
        stderr.push_str(&output::error_line(e));
        stderr.push('\n');
    }
    problems.extend(check_rendered("stderr", &stderr, Allowed::default()));

    let render = |f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| -> Result<String, String> {
        let mut out = Vec::new();
        match catch_unwind(AssertUnwindSafe(|| f(&mut out))) {
            Ok(Ok(())) => String::from_utf8(out).map_err(|e| format!("not UTF-8: {e}")),
            Ok(Err(e)) => Err(format!("I/O error: {e}")),
            Err(p) => Err(format!("panicked: {}", panic_message(&*p))),
        }
    };
    for color in [false, true] {
        let opts = pretty::Options {
            color,
            width: pretty::DEFAULT_WIDTH,
            quiet: false,
            unsafe_fixes: false,
        };
        let what = if color { "pretty (colour)" } else { "pretty" };
        match render(&|w| pretty::render(w, &run, &opts)) {
            Ok(text) => problems.extend(check_rendered(
                what,
                &text,
                Allowed {
                    sgr: color,
                    ..Allowed::default()
                },
            )),
            Err(e) => problems.push(format!("{what}: {e}")),
        }
    }
    let plain: [(&str, Renderer, Allowed); 2] = [
        (
            "concise",
            &|w| output::concise::render(w, &run, false),
            Allowed::default(),
        ),
        (
            "github",
            &|w| output::github::render(w, &run, false),
            Allowed {
                annotations: true,
                ..Allowed::default()
            },
        ),
    ];
    for (what, f, allowed) in plain {
        match render(f) {
            Ok(text) => problems.extend(check_rendered(what, &text, allowed)),
            Err(e) => problems.push(format!("{what}: {e}")),
        }
    }
    let machine: [(&str, Renderer, serde_json::Value); 2] = [
        (
            "json",
            &|w| output::json::render(w, &run),
            output::json::to_value(&run),
        ),
        (
            "sarif",
            &|w| output::sarif::render(w, &run),
            output::sarif::to_value(&run),
        ),
    ];
    for (what, f, value) in machine {
        let text = match render(f) {
            Ok(text) => text,
            Err(e) => {
                problems.push(format!("{what}: {e}"));
                continue;
            }
        };
        problems.extend(check_rendered(what, &text, Allowed::default()));
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) if v == value => {}
            Ok(_) => problems.push(format!("{what}: the document does not read back the same")),
            Err(e) => problems.push(format!("{what}: not JSON: {e}")),
        }
    }

    // --diff of every fix (unsafe ones too).
    if let Ok(fixed) = catch_unwind(|| dsig::fix(&name, &dockerfile, &opts, true)) {
        let mut files = vec![(name.clone(), dockerfile.clone(), fixed.text.clone())];
        for f in &fixed.others {
            files.push((f.path.clone(), f.original.clone(), f.text.clone()));
        }
        for (path, old, new) in files {
            match render(&|w| output::diff::render(w, &path, &old, &new)) {
                Ok(text) => problems.extend(check_rendered(
                    "diff",
                    &text,
                    Allowed {
                        crlf: true,
                        ..Allowed::default()
                    },
                )),
                Err(e) => problems.push(format!("diff: {e}")),
            }
        }
    }
    problems
}
