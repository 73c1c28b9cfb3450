//! Inline suppressions and SIG000 unused-suppression.
//!
//! In a Dockerfile:
//!
//! - `# dsig ignore=SIG001,script-missing-exec` on the line(s) directly above
//!   an instruction (other comment lines may sit between, a blank line may
//!   not) suppresses those rules' findings in that instruction. Above the
//!   CMD or ENTRYPOINT that the final image runs, it also covers the
//!   findings in the scripts that it starts (files on disk and heredocs).
//! - `# dsig ignore-file` anywhere suppresses every finding of the lint (the
//!   Dockerfile and the scripts it leads to); `# dsig ignore-file=SIG004`
//!   only those rules. `# dsig ignore-file=SIG000` silences SIG000 itself.
//! - `# hadolint ignore=DL3025` above an instruction and `# hadolint global
//!   ignore=DL3025` suppress SIG001 and SIG002 (hadolint's "use JSON
//!   notation for CMD and ENTRYPOINT"), and so does BuildKit's
//!   `# check=skip=JSONArgsRecommended` (or `skip=all`) parser directive for
//!   the whole file. These belong to other tools too: they are never
//!   reported as unused.
//!
//! In a script (a file the PID 1 chain reached, a heredoc, or a script
//! linted directly) the same `# dsig ignore=...` comment applies to the next
//! command line (the next line that is neither blank nor a comment, with its
//! `\` continuation lines); `# dsig ignore-file` covers the script.
//!
//! Rules are named by code or slug, comma separated; text after a space is a
//! free-form reason (`# dsig ignore=SIG010 the app ignores SIGTERM anyway`).
//! Any `SIGnnn` code is accepted (rules are added over time); other names
//! are "unknown rule". A suppressed finding is removed entirely. A `# dsig`
//! suppression, or a rule in its list, that suppresses nothing is reported
//! as SIG000 unused-suppression, whose safe fix deletes the comment line (or
//! just the unused names). Rules that the configuration switches off for the
//! file are not reported as unused.

use std::ops::Range;

use crate::config::{is_rule_code, RuleSettings};
use crate::diagnostic::{line_start, Diagnostic, Edit, Fix, FixSafety, Report};
use crate::rules::unused_suppression::META;
use crate::syntax::{Dockerfile, PieceKind};

/// Which tool's syntax a suppression uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Dsig,
    /// `# hadolint ignore=` / `# hadolint global ignore=`.
    Hadolint,
    /// `# check=skip=` (BuildKit build checks).
    Check,
}

/// What a suppression covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    /// Every finding of the report.
    Report,
    /// Findings starting in these byte ranges of these files, and with
    /// `scripts` every finding in another file than the Dockerfile and in
    /// its heredoc bodies (the scripts that the CMD or ENTRYPOINT below the
    /// comment starts).
    Ranges {
        ranges: Vec<(usize, Range<usize>)>,
        scripts: bool,
    },
    /// Not above an instruction / command: covers nothing.
    Detached(&'static str),
}

/// One named rule in a suppression.
#[derive(Debug, Clone)]
struct Name {
    text: String,
    span: Range<usize>,
    used: bool,
}

impl Name {
    /// The names of a suppression as written, none used yet.
    fn unused(names: Vec<(String, Range<usize>)>) -> Vec<Name> {
        names
            .into_iter()
            .map(|(text, span)| Name {
                text,
                span,
                used: false,
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
struct Suppression {
    origin: Origin,
    /// The file holding the comment.
    file: usize,
    /// The comment, from `#` to the end of its line (no line break).
    comment: Range<usize>,
    /// The code list (for editing it), when there is one.
    list: Option<Range<usize>>,
    names: Vec<Name>,
    /// `ignore-file`: the scope is the file (or report), not one command.
    file_wide: bool,
    /// A bare `ignore-file` (no names: every rule) suppressed something.
    used_bare: bool,
    /// `# dsig ignore` with no rule, or an unknown `# dsig` directive.
    malformed: Option<String>,
    /// "on the next instruction" or "on the next command" or "in this file".
    place: &'static str,
    scope: Scope,
}

impl Suppression {
    /// Whether name `n` covers a finding of `code` / `slug`.
    fn name_matches(&self, n: &Name, code: &str, slug: &str) -> bool {
        match self.origin {
            Origin::Dsig => n.text.eq_ignore_ascii_case(code) || n.text.eq_ignore_ascii_case(slug),
            Origin::Hadolint => {
                n.text.eq_ignore_ascii_case("DL3025") && matches!(code, "SIG001" | "SIG002")
            }
            Origin::Check => {
                (n.text.eq_ignore_ascii_case("JSONArgsRecommended")
                    || n.text.eq_ignore_ascii_case("all"))
                    && matches!(code, "SIG001" | "SIG002")
            }
        }
    }
}

/// A rule name and where it is.
type NameSpan = (String, Range<usize>);

/// A parsed `# dsig ...` comment (text after the `#`), with offsets relative
/// to `body_start` in the file.
struct Parsed {
    file_wide: bool,
    list: Option<Range<usize>>,
    names: Vec<(String, Range<usize>)>,
    malformed: Option<String>,
}

/// Parse a comment line's text (starting at `#`, at offset `at` in its file).
/// `None` when it is not addressed to dsig.
fn parse_dsig(comment: &str, at: usize) -> Option<Parsed> {
    let body = comment.strip_prefix('#')?;
    let lead = body.len() - body.trim_start().len();
    let rest = &body[lead..];
    let rest = rest.strip_prefix("dsig")?;
    if !rest.starts_with([' ', '\t', ':']) {
        return None;
    }
    let skip = rest.len() - rest.trim_start_matches([' ', '\t', ':']).len();
    let rest = &rest[skip..];
    let mut offset = at + 1 + lead + 4 + skip;
    let word_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    let word = &rest[..word_len];
    let after = &rest[word_len..];
    let file_wide = match word {
        "ignore" => false,
        "ignore-file" => true,
        _ => {
            // Only `# dsig WORD=...` is taken for a (mistyped) directive.
            return after.trim_start().starts_with('=').then(|| Parsed {
                file_wide: false,
                list: None,
                names: vec![],
                malformed: Some(format!(
                    "unknown dsig directive `{word}` (dsig knows `ignore=` and `ignore-file`)"
                )),
            });
        }
    };
    offset += word_len;
    let trimmed = after.trim_start();
    if !trimmed.starts_with('=') {
        if file_wide && (trimmed.is_empty() || after.starts_with([' ', '\t'])) {
            return Some(Parsed {
                file_wide,
                list: None,
                names: vec![],
                malformed: None,
            });
        }
        return Some(Parsed {
            file_wide,
            list: None,
            names: vec![],
            malformed: Some(
                "`# dsig ignore` names no rule: write `# dsig ignore=SIG001` (codes or names, comma separated)"
                    .to_string(),
            ),
        });
    }
    offset += after.len() - trimmed.len() + 1;
    let list_text = &trimmed[1..];
    let ws = list_text.len() - list_text.trim_start().len();
    offset += ws;
    let list_text = &list_text[ws..];
    // Names separated by commas (with optional blanks around them); the list
    // ends at the first blank that is not next to a comma.
    let bytes = list_text.as_bytes();
    let mut names = Vec::new();
    let mut i = 0;
    let mut end = 0;
    loop {
        let start = i;
        while i < bytes.len()
            && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b'_')
        {
            i += 1;
        }
        if i == start {
            break;
        }
        names.push((list_text[start..i].to_string(), offset + start..offset + i));
        end = i;
        let mut j = i;
        while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') {
            j += 1;
        }
        if j < bytes.len() && bytes[j] == b',' {
            j += 1;
            while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') {
                j += 1;
            }
            i = j;
        } else {
            break;
        }
    }
    if names.is_empty() {
        return Some(Parsed {
            file_wide,
            list: None,
            names,
            malformed: Some(
                "the suppression names no rule: write codes or names after `=`, comma separated"
                    .to_string(),
            ),
        });
    }
    Some(Parsed {
        file_wide,
        list: Some(offset..offset + end),
        names,
        malformed: None,
    })
}

/// `# hadolint ignore=DL3025,DL3008` / `# hadolint global ignore=...`.
fn parse_hadolint(comment: &str, at: usize) -> Option<(bool, Vec<NameSpan>)> {
    let body = comment.strip_prefix('#')?;
    let rest = body.trim_start();
    let mut offset = at + 1 + (body.len() - rest.len());
    let rest = rest.strip_prefix("hadolint")?;
    offset += "hadolint".len();
    let t = rest.trim_start();
    if t.len() == rest.len() {
        return None;
    }
    offset += rest.len() - t.len();
    let (global, t) = match t.strip_prefix("global") {
        Some(r) if r.starts_with([' ', '\t']) => {
            let r2 = r.trim_start();
            offset += "global".len() + r.len() - r2.len();
            (true, r2)
        }
        _ => (false, t),
    };
    let t = t.strip_prefix("ignore")?;
    offset += "ignore".len();
    let t2 = t.trim_start();
    offset += t.len() - t2.len();
    let t = t2.strip_prefix('=')?;
    offset += 1;
    let mut names = Vec::new();
    let mut pos = 0;
    for part in t.split(',') {
        let lead = part.len() - part.trim_start().len();
        let word: String = part
            .trim_start()
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if !word.is_empty() {
            let s = offset + pos + lead;
            names.push((word.clone(), s..s + word.len()));
        }
        pos += part.len() + 1;
        if part.trim().len() != word.len() {
            break; // a reason or other text follows
        }
    }
    Some((global, names))
}

fn ranges(ranges: Vec<(usize, Range<usize>)>) -> Scope {
    Scope::Ranges {
        ranges,
        scripts: false,
    }
}

/// Byte offset just past the line break of the line holding `offset` (or
/// the end of the text).
fn line_end_incl(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// Byte offset of the end of the line's content (before `\r\n` / `\n`).
fn line_end(text: &str, offset: usize) -> usize {
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    if end > offset && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

fn dsig_suppression(
    p: Parsed,
    file: usize,
    comment: Range<usize>,
    scope: Scope,
    place: &'static str,
) -> Suppression {
    Suppression {
        origin: Origin::Dsig,
        file,
        comment,
        list: p.list,
        names: Name::unused(p.names),
        file_wide: p.file_wide,
        used_bare: false,
        malformed: p.malformed,
        place,
        scope,
    }
}

/// Suppressions in a script: the text of `file` in `region`. A file-wide
/// one covers `region` (or the whole report when `file_scope` says so).
fn scan_script(
    text: &str,
    file: usize,
    region: Range<usize>,
    file_scope: Scope,
    out: &mut Vec<Suppression>,
) {
    // The next command found for the last comment, and where the search
    // started: a comment further down in the same run of blank and comment
    // lines has the same one (each comment of a stack of them looked past
    // all the others: quadratic).
    let mut found: Option<(usize, Option<Range<usize>>)> = None;
    let mut pos = region.start;
    while pos < region.end {
        let end = line_end_incl(text, pos).min(region.end);
        let line = &text[pos..end];
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let content_start = pos + indent;
        let content_end = line_end(text, content_start).min(region.end);
        let content = &text[content_start..content_end];
        let first_line = pos == region.start;
        if content.starts_with('#') && !(first_line && content.starts_with("#!")) {
            if let Some(p) = parse_dsig(content, content_start) {
                let comment = content_start..content_end;
                let (scope, place) = if p.file_wide {
                    (file_scope.clone(), "in this file")
                } else {
                    let next = match &found {
                        Some((from, r))
                            if *from <= end && r.as_ref().is_none_or(|r| end <= r.start) =>
                        {
                            r.clone()
                        }
                        _ => {
                            let r = next_command(text, end, region.end);
                            found = Some((end, r.clone()));
                            r
                        }
                    };
                    match next {
                        Some(r) => (ranges(vec![(file, r)]), "on the next command"),
                        None => (
                            Scope::Detached("no command follows it"),
                            "on the next command",
                        ),
                    }
                };
                out.push(dsig_suppression(p, file, comment, scope, place));
            }
        }
        pos = end;
    }
}

/// The next command line from `from` (skipping blank and comment lines),
/// with its `\` continuation lines.
fn next_command(text: &str, from: usize, limit: usize) -> Option<Range<usize>> {
    let mut pos = from;
    while pos < limit {
        let end = line_end_incl(text, pos).min(limit);
        let content = text[pos..end].trim();
        if content.is_empty() || content.starts_with('#') {
            pos = end;
            continue;
        }
        let start = pos;
        let mut stop = end;
        loop {
            let body = text[start..stop].trim_end_matches(['\n', '\r']);
            if body.ends_with('\\') && stop < limit {
                stop = line_end_incl(text, stop).min(limit);
            } else {
                break;
            }
        }
        return Some(start..stop);
    }
    None
}

/// Collect every suppression of the report; `first` is the text of
/// `report.files[0]` (which the report may not hold yet).
fn collect(report: &Report, first: &str, df: Option<&Dockerfile>) -> Vec<Suppression> {
    let mut out = Vec::new();
    if report.files.is_empty() {
        return out;
    }
    match df {
        None => {
            // A script linted on its own.
            scan_script(first, 0, 0..first.len(), Scope::Report, &mut out);
        }
        Some(df) => collect_dockerfile(first, df, &mut out),
    }
    for (i, f) in report.files.iter().enumerate().skip(1) {
        let whole = ranges(vec![(i, 0..f.text.len())]);
        scan_script(&f.text, i, 0..f.text.len(), whole, &mut out);
    }
    out
}

/// The lines of a text, for finding the comment lines above an offset.
struct Lines {
    /// Where each line starts.
    starts: Vec<usize>,
    /// For each line that is a comment line (`#` after blanks), where the
    /// run of comment lines that it ends starts; `usize::MAX` otherwise.
    run: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = Vec::new();
        let mut run: Vec<usize> = Vec::new();
        let mut pos = 0;
        for line in text.split('\n') {
            let r = if line.trim_start().starts_with('#') {
                match run.last() {
                    Some(&prev) if prev != usize::MAX => prev,
                    _ => pos,
                }
            } else {
                usize::MAX
            };
            starts.push(pos);
            run.push(r);
            pos += line.len() + 1;
        }
        Lines { starts, run }
    }

    /// Where the comment lines directly above the line holding `offset`
    /// start (that line's start when there are none), or `usize::MAX` when
    /// the text before `offset` on its line is not blank.
    fn comment_block_above(&self, text: &str, offset: usize) -> usize {
        let k = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let line = self.starts.get(k).copied().unwrap_or(0);
        if !text[line..offset].trim().is_empty() {
            return usize::MAX;
        }
        match k.checked_sub(1).and_then(|p| self.run.get(p)) {
            Some(&r) if r != usize::MAX => r,
            _ => line,
        }
    }
}

fn collect_dockerfile(text: &str, df: &Dockerfile, out: &mut Vec<Suppression>) {
    // The instructions whose suppressions also cover the scripts they start:
    // the final image's CMD and ENTRYPOINT. Built only when a suppression
    // comment needs it (most files have none).
    let starters_cell: std::cell::OnceCell<Vec<usize>> = std::cell::OnceCell::new();
    let starters = || {
        starters_cell.get_or_init(|| {
            crate::model::Image::from_dockerfile(df)
                .final_stage()
                .map(|st| {
                    [st.entrypoint.get(), st.cmd.get()]
                        .into_iter()
                        .flatten()
                        .map(|(_, at)| at)
                        .collect()
                })
                .unwrap_or_default()
        })
    };
    let lines_cell: std::cell::OnceCell<Lines> = std::cell::OnceCell::new();
    let lines = || lines_cell.get_or_init(|| Lines::new(text));
    let heredoc_bodies: Vec<(usize, Range<usize>)> = df
        .instructions
        .iter()
        .flat_map(|i| i.heredocs().iter().map(|h| (0, h.body.clone())))
        .collect();

    for piece in df.pieces.iter().filter(|p| p.kind == PieceKind::Comment) {
        let comment = piece.span.clone();
        let content = &text[comment.clone()];
        let dsig = parse_dsig(content, comment.start);
        let hadolint = match dsig {
            Some(_) => None,
            None => parse_hadolint(content, comment.start),
        };
        if dsig.is_none() && hadolint.is_none() {
            continue;
        }
        // Instructions are in source order and do not overlap: binary
        // search, not a scan per comment (quadratic on large files).
        let ins = &df.instructions;
        let after = ins.partition_point(|i| i.span().start <= comment.start);
        let inside = after > 0 && comment.start < ins[after - 1].span().end;
        // The instruction right below (only comment lines in between).
        let target = if inside {
            None
        } else {
            let below = ins.partition_point(|i| i.span().start < comment.end);
            ins.get(below).map(|i| (below, i)).filter(|(_, i)| {
                let start = i.span().start.max(comment.end);
                // The rest of the comment's line, the lines in between (each
                // a comment line) and the start of the instruction's line.
                let Some(nl) = text[comment.end..start].find('\n') else {
                    return false;
                };
                let next_line = comment.end + nl + 1;
                text[comment.end..comment.end + nl].trim().is_empty()
                    && lines().comment_block_above(text, start) <= next_line
            })
        };
        let instruction_scope = |idx: usize| {
            let inst = &df.instructions[idx];
            Scope::Ranges {
                ranges: vec![(0, inst.span())],
                scripts: starters().contains(&idx),
            }
        };
        let detached = if inside {
            "it is inside an instruction's continuation lines"
        } else {
            "it is not directly above an instruction (nothing but comment lines may sit between)"
        };
        if let Some(p) = dsig {
            let (scope, place) = if p.file_wide {
                (Scope::Report, "in this file")
            } else {
                match target {
                    Some((idx, _)) => (instruction_scope(idx), "on the next instruction"),
                    None => (Scope::Detached(detached), "on the next instruction"),
                }
            };
            out.push(dsig_suppression(p, 0, comment, scope, place));
        } else if let Some((global, names)) = hadolint {
            let scope = if global {
                ranges(vec![(0, 0..text.len())])
            } else {
                match target {
                    Some((idx, _)) => ranges(vec![(0, df.instructions[idx].span())]),
                    None => Scope::Detached(detached),
                }
            };
            out.push(Suppression {
                origin: Origin::Hadolint,
                file: 0,
                comment,
                list: None,
                names: Name::unused(names),
                file_wide: global,
                used_bare: false,
                malformed: None,
                place: "",
                scope,
            });
        }
    }
    for d in df.directives.iter().filter(|d| d.name == "check") {
        let names: Vec<Name> = d
            .value
            .split(';')
            .filter_map(|part| {
                let (k, v) = part.split_once('=')?;
                (k.trim() == "skip").then_some(v)
            })
            .flat_map(|v| v.split(','))
            .map(|n| Name {
                text: n.trim().to_string(),
                span: d.span.clone(),
                used: false,
            })
            .collect();
        out.push(Suppression {
            origin: Origin::Check,
            file: 0,
            comment: d.span.clone(),
            list: None,
            names,
            file_wide: true,
            used_bare: false,
            malformed: None,
            place: "",
            scope: ranges(vec![(0, 0..text.len())]),
        });
    }
    for (_, body) in &heredoc_bodies {
        let whole = ranges(vec![(0, body.clone())]);
        scan_script(text, 0, body.clone(), whole, out);
    }
}

/// Whether a range covers a finding starting at `offset` (an empty range
/// covers its start).
fn range_covers(r: &Range<usize>, offset: usize) -> bool {
    r.contains(&offset) || r.start == offset
}

/// The heredoc bodies of the Dockerfile, sorted.
fn heredoc_bodies(df: Option<&Dockerfile>) -> Vec<Range<usize>> {
    let mut bodies: Vec<Range<usize>> = df
        .into_iter()
        .flat_map(|df| &df.instructions)
        .flat_map(|i| i.heredocs().iter().map(|h| h.body.clone()))
        .collect();
    bodies.sort_by_key(|b| (b.start, b.end));
    bodies
}

/// Whether `offset` lies in one of `bodies` (sorted, not overlapping).
fn in_bodies(bodies: &[Range<usize>], offset: usize) -> bool {
    let i = bodies.partition_point(|b| b.start <= offset);
    i > 0 && range_covers(&bodies[i - 1], offset)
}

/// The suppressions grouped by what they cover, so that each finding meets
/// only those whose scope holds it (a file with one suppression per finding
/// was quadratic).
struct Index {
    /// Group 0: the whole report; 1: every file but the Dockerfile; 2: the
    /// Dockerfile's heredoc bodies; 3 + i: `ranges[i]`.
    groups: Vec<Vec<usize>>,
    /// Distinct (file, range), sorted, with their group.
    ranges: Vec<(usize, Range<usize>, usize)>,
    bodies: Vec<Range<usize>>,
    /// Whether a group suppresses a (code, slug): matching rules depends on
    /// nothing else, so each group is asked once per rule.
    memo: std::collections::HashMap<(usize, &'static str, &'static str), bool>,
}

impl Index {
    /// Index the suppressions that `keep` selects.
    fn new(
        sups: &[Suppression],
        bodies: &[Range<usize>],
        keep: impl Fn(&Suppression) -> bool,
    ) -> Index {
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(), Vec::new(), Vec::new()];
        let mut by_range: std::collections::HashMap<(usize, Range<usize>), usize> =
            std::collections::HashMap::new();
        for (i, s) in sups.iter().enumerate().filter(|(_, s)| keep(s)) {
            match &s.scope {
                Scope::Report => groups[0].push(i),
                Scope::Ranges { ranges, scripts } => {
                    if *scripts {
                        groups[1].push(i);
                        groups[2].push(i);
                    }
                    for (f, r) in ranges {
                        let next = groups.len();
                        let g = *by_range.entry((*f, r.clone())).or_insert(next);
                        if g == next {
                            groups.push(Vec::new());
                        }
                        if groups[g].last() != Some(&i) {
                            groups[g].push(i);
                        }
                    }
                }
                Scope::Detached(_) => {}
            }
        }
        let mut ranges: Vec<(usize, Range<usize>, usize)> =
            by_range.into_iter().map(|((f, r), g)| (f, r, g)).collect();
        ranges.sort_by_key(|(f, r, _)| (*f, r.start, r.end));
        Index {
            groups,
            ranges,
            bodies: bodies.to_vec(),
            memo: std::collections::HashMap::new(),
        }
    }

    /// For each finding, whether a suppression covers it; marks the names
    /// used (every suppression that covers a finding is used).
    fn apply(&mut self, sups: &mut [Suppression], diags: &[Diagnostic]) -> Vec<bool> {
        let mut order: Vec<usize> = (0..diags.len()).collect();
        order.sort_by_key(|&i| (diags[i].file, diags[i].span.start));
        let mut out = vec![false; diags.len()];
        let mut next = 0;
        // The ranges that hold the current finding's offset (and a few
        // that started before it and are dropped below).
        let mut active: Vec<usize> = Vec::new();
        let mut covering: Vec<usize> = Vec::new();
        for i in order {
            let d = &diags[i];
            let (file, at) = (d.file, d.span.start);
            while next < self.ranges.len()
                && (self.ranges[next].0, self.ranges[next].1.start) <= (file, at)
            {
                active.push(next);
                next += 1;
            }
            let ranges = &self.ranges;
            active.retain(|&r| ranges[r].0 == file && range_covers(&ranges[r].1, at));
            covering.clear();
            covering.push(0);
            if file != 0 {
                covering.push(1);
            } else if in_bodies(&self.bodies, at) {
                covering.push(2);
            }
            covering.extend(active.iter().map(|&r| ranges[r].2));
            let mut hit = false;
            for &g in &covering {
                hit |= if let Some(&h) = self.memo.get(&(g, d.code, d.slug)) {
                    h
                } else {
                    let mut h = false;
                    for &s in &self.groups[g] {
                        h |= suppresses(&mut sups[s], d);
                    }
                    self.memo.insert((g, d.code, d.slug), h);
                    h
                };
            }
            out[i] = hit;
        }
        out
    }
}

/// Whether suppression `s`, whose scope covers finding `d`, names its rule;
/// marks the names that do as used.
fn suppresses(s: &mut Suppression, d: &Diagnostic) -> bool {
    if s.origin == Origin::Dsig && s.file_wide && s.names.is_empty() && s.malformed.is_none() {
        s.used_bare = true;
        return true;
    }
    let mut hit = false;
    for i in 0..s.names.len() {
        if s.name_matches(&s.names[i], d.code, d.slug) {
            s.names[i].used = true;
            hit = true;
        }
    }
    hit
}

/// The suppressions of a report, and the heredoc bodies of its Dockerfile:
/// what [`apply`] needs of the parse tree, read while the tree is at hand.
pub struct Found {
    sups: Vec<Suppression>,
    bodies: Vec<Range<usize>>,
    dockerfile: bool,
}

/// Read the suppressions of `report`. `text` is the text of
/// `report.files[0]` (the report may not hold it yet: the parse tree borrows
/// it), and `dockerfile` its parse (`None` when it is a script linted on its
/// own).
#[must_use]
pub fn find(report: &Report, text: &str, dockerfile: Option<&Dockerfile>) -> Found {
    Found {
        sups: collect(report, text, dockerfile),
        bodies: heredoc_bodies(dockerfile),
        dockerfile: dockerfile.is_some(),
    }
}

/// Drop suppressed findings from `report` and add SIG000 for suppressions
/// that matched nothing (`found`: what [`find`] read of the same report).
///
/// `settings` are the rule settings that [`RuleSettings::apply`] applied
/// to the report: SIG000 findings, made here, obey them too.
pub fn apply(report: &mut Report, found: Found, settings: &RuleSettings) {
    let Found {
        mut sups,
        bodies,
        dockerfile,
    } = found;
    if sups.is_empty() {
        return;
    }
    let diagnostics = std::mem::take(&mut report.diagnostics);
    let suppressed = Index::new(&sups, &bodies, |_| true).apply(&mut sups, &diagnostics);
    report.diagnostics = diagnostics
        .into_iter()
        .zip(suppressed)
        .filter_map(|(d, s)| (!s).then_some(d))
        .collect();

    let linted = report
        .files
        .first()
        .map(|f| f.disk.clone().unwrap_or_else(|| f.path.clone().into()))
        .unwrap_or_default();
    let switched_off = |name: &str| {
        let (code, slug) = match crate::rules::find(name) {
            Some(m) => (m.code, m.slug),
            None => (name, ""),
        };
        !settings.enabled(code, slug) || settings.path_ignored(code, slug, &[&linted])
    };

    // SIG000 for every `# dsig` suppression (or name) that did nothing; a
    // name of SIG000 itself is judged after SIG000 ran.
    let is_sig000 =
        |n: &Name| n.text.eq_ignore_ascii_case(META.code) || n.text.eq_ignore_ascii_case(META.slug);
    let mut unused: Vec<Diagnostic> = Vec::new();
    for s in sups.iter().filter(|s| s.origin == Origin::Dsig) {
        if let Some(d) = unused_finding(report, s, &|n| !is_sig000(n), &switched_off) {
            unused.push(d);
        }
    }
    // SIG000 findings obey the settings and `ignore-file=SIG000`.
    let mut sig000: Vec<Diagnostic> = Vec::new();
    let unused: Vec<Diagnostic> = unused
        .into_iter()
        .filter(|d| settings.keeps(report, d, &linted))
        .collect();
    // Only a suppression that names SIG000 silences it (a bare
    // `ignore-file` would hide its own SIG000).
    let suppressed = Index::new(&sups, &bodies, |s| s.file_wide && !s.names.is_empty())
        .apply(&mut sups, &unused);
    for (d, suppressed) in unused.into_iter().zip(suppressed) {
        if !suppressed {
            sig000.push(Diagnostic {
                severity: settings.severity(d.code, d.slug, d.severity),
                ..d
            });
        }
    }
    for s in sups.iter().filter(|s| s.origin == Origin::Dsig) {
        if !s.names.iter().any(is_sig000) {
            continue;
        }
        if let Some(d) = unused_finding(report, s, &is_sig000, &switched_off) {
            if settings.keeps(report, &d, &linted) {
                sig000.push(Diagnostic {
                    severity: settings.severity(d.code, d.slug, d.severity),
                    ..d
                });
            }
        }
    }
    // A heredoc body is the content of a file in the image (or of a build
    // script), not Dockerfile text: its comments are never edited.
    if dockerfile {
        for d in sig000.iter_mut().filter(|d| d.file == 0) {
            let i = bodies.partition_point(|b| b.start <= d.span.start);
            if i > 0 && d.span.start < bodies[i - 1].end {
                d.fix = None;
                d.help = Some("it is part of a heredoc body, the content of a file in the image, which dsig does not edit: remove it there if it is not meant for that file".into());
            }
        }
    }
    report.diagnostics.extend(sig000);
}

/// The SIG000 finding for suppression `s`, judging only the names that
/// `judge` selects, or `None` when they are all in use.
fn unused_finding(
    report: &Report,
    s: &Suppression,
    judge: &dyn Fn(&Name) -> bool,
    switched_off: &dyn Fn(&str) -> bool,
) -> Option<Diagnostic> {
    let text = &report.files.get(s.file)?.text;
    let whole_line = line_start(text, s.comment.start)..line_end_incl(text, s.comment.start);
    let delete_line = |message: String, label: &str, help: String| Diagnostic {
        code: META.code,
        slug: META.slug,
        severity: META.severity,
        message,
        file: s.file,
        span: s.comment.clone(),
        label: Some(label.to_string()),
        help: Some(help),
        fix: Some(Fix {
            safety: FixSafety::Safe,
            message: "Remove the suppression comment".to_string(),
            edits: vec![Edit {
                file: s.file,
                range: whole_line.clone(),
                replacement: String::new(),
            }],
        }),
    };
    if let Some(why) = &s.malformed {
        return Some(delete_line(
            why.clone(),
            "suppresses nothing",
            "remove it, or name the rules to suppress".to_string(),
        ));
    }
    if let Scope::Detached(why) = s.scope {
        if s.names.iter().any(judge) {
            return Some(delete_line(
                format!("this suppression suppresses nothing: {why}"),
                "suppresses nothing",
                "remove it, or move it to the line directly above the instruction or command whose finding it should silence".to_string(),
            ));
        }
        return None;
    }
    if s.file_wide && s.names.is_empty() {
        // A bare `ignore-file` (judged with the other rules, not SIG000).
        return (!s.used_bare
            && judge(&Name {
                text: String::new(),
                span: 0..0,
                used: false,
            }))
        .then(|| {
            delete_line(
                format!("unused suppression: no finding {}", s.place),
                "suppresses nothing",
                "remove the comment (`dsig lint --fix` does)".to_string(),
            )
        });
    }
    let known = |n: &Name| is_rule_code(&n.text) || crate::rules::find(&n.text).is_some();
    let bad: Vec<&Name> = s
        .names
        .iter()
        .filter(|n| judge(n) && !n.used && !(known(n) && switched_off(&n.text)))
        .collect();
    if bad.is_empty() {
        return None;
    }
    let unknown: Vec<String> = bad
        .iter()
        .filter(|n| !known(n))
        .map(|n| format!("`{}`", n.text))
        .collect();
    let unused: Vec<String> = bad
        .iter()
        .filter(|n| known(n))
        .map(|n| n.text.clone())
        .collect();
    let mut reasons = Vec::new();
    if !unused.is_empty() {
        reasons.push(format!("no {} finding {}", unused.join(" or "), s.place));
    }
    if !unknown.is_empty() {
        reasons.push(format!(
            "{} {} not a dsig rule",
            unknown.join(", "),
            if unknown.len() == 1 { "is" } else { "are" }
        ));
    }
    let reasons = reasons.join("; ");
    let all_bad = bad.len() == s.names.len();
    if all_bad {
        return Some(delete_line(
            format!("unused suppression: {reasons}"),
            "suppresses nothing",
            "remove the comment (`dsig lint --fix` does)".to_string(),
        ));
    }
    // Some names are in use: drop only the others from the list.
    let list = s.list.clone()?;
    let sep = if text[list.clone()].contains(", ") {
        ", "
    } else {
        ","
    };
    let keep: Vec<&str> = s
        .names
        .iter()
        .filter(|n| !bad.iter().any(|b| b.span == n.span))
        .map(|n| n.text.as_str())
        .collect();
    let first = bad.first()?.span.start;
    let last = bad.last()?.span.end;
    let removed: Vec<&str> = bad.iter().map(|n| n.text.as_str()).collect();
    Some(Diagnostic {
        code: META.code,
        slug: META.slug,
        severity: META.severity,
        message: format!("unused rule in suppression: {reasons}"),
        file: s.file,
        span: first..last,
        label: Some("suppresses nothing".to_string()),
        help: Some(format!("remove {} from the list", removed.join(", "))),
        fix: Some(Fix {
            safety: FixSafety::Safe,
            message: format!("Remove {} from the suppression", removed.join(", ")),
            edits: vec![Edit {
                file: s.file,
                range: list,
                replacement: keep.join(sep),
            }],
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &Parsed) -> Vec<&str> {
        p.names.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn parse_comments() {
        let p = parse_dsig("# dsig ignore=SIG001, shell-form-cmd reason", 10).expect("dsig");
        assert_eq!(names(&p), ["SIG001", "shell-form-cmd"]);
        assert!(!p.file_wide && p.malformed.is_none());
        let text = "# dsig ignore=SIG001, shell-form-cmd reason";
        assert_eq!(
            &text[p.list.clone().map(|r| r.start - 10..r.end - 10).unwrap()],
            "SIG001, shell-form-cmd"
        );
        assert_eq!(p.names[0].1, 24..30);
        let p = parse_dsig("#dsig: ignore-file", 0).expect("dsig");
        assert!(p.file_wide && p.names.is_empty() && p.malformed.is_none());
        let p = parse_dsig("# dsig ignore-file = SIG004", 0).expect("dsig");
        assert_eq!(names(&p), ["SIG004"]);
        assert!(parse_dsig("# dsig ignore", 0)
            .expect("dsig")
            .malformed
            .is_some());
        assert!(parse_dsig("# dsig ignroe=SIG001", 0)
            .expect("dsig")
            .malformed
            .is_some());
        assert!(parse_dsig("# dsig is great", 0).is_none());
        assert!(parse_dsig("# dsiggy ignore=SIG001", 0).is_none());
        assert!(parse_dsig("# not dsig ignore=SIG001", 0).is_none());
        let (global, n) = parse_hadolint("# hadolint ignore=DL3025,DL3008", 0).expect("hadolint");
        assert!(!global);
        assert_eq!(
            n.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["DL3025", "DL3008"]
        );
        let (global, _) = parse_hadolint("# hadolint global ignore=DL3025", 0).expect("hadolint");
        assert!(global);
        assert!(parse_hadolint("# hadolint shell=bash", 0).is_none());
    }
}
