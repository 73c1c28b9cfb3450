//! SIG003 invalid-exec-form.

use super::Context;
use crate::diagnostic::{FixAvailability, FixSafety, RuleMeta, Severity};
use crate::syntax::{json_array, Args, Instruction, Kind};

pub const META: RuleMeta = RuleMeta {
    code: "SIG003",
    slug: "invalid-exec-form",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes(FixSafety::Safe),
    summary: "Arguments that look like exec form but are not valid JSON run through /bin/sh -c",
    doc: include_str!("../../rules/invalid-exec-form.md"),
};

/// Read what the author meant: a bracketed list of single- or double-quoted
/// strings, with a missing closing bracket or a trailing comma forgiven.
/// `None` when that is not unambiguous.
#[must_use] 
pub fn intended_array(text: &str) -> Option<Vec<String>> {
    let s = text.trim();
    let mut it = s.strip_prefix('[')?.chars().peekable();
    let mut items = Vec::new();
    let skip_ws = |it: &mut std::iter::Peekable<std::str::Chars>| {
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
    };
    let mut closed = false;
    loop {
        skip_ws(&mut it);
        match it.next() {
            None => break,
            Some(']') => {
                closed = true;
                break;
            }
            Some(q @ ('"' | '\'')) => {
                let mut v = String::new();
                loop {
                    match it.next()? {
                        c if c == q => break,
                        '\\' if q == '"' => match it.next()? {
                            'n' => v.push('\n'),
                            't' => v.push('\t'),
                            'r' => v.push('\r'),
                            c @ ('"' | '\\' | '/' | '\'') => v.push(c),
                            _ => return None,
                        },
                        c => v.push(c),
                    }
                }
                items.push(v);
                skip_ws(&mut it);
                match it.peek() {
                    Some(',') => {
                        it.next();
                    }
                    Some(']') | None => {}
                    Some(_) => return None,
                }
            }
            Some(_) => return None,
        }
    }
    let rest: String = it.collect();
    if !rest.trim().is_empty() || (items.is_empty() && !closed) {
        return None;
    }
    Some(items)
}

/// Whether SIG003 reports these shell-form arguments (a JSON error and an
/// exec-form attempt); otherwise they are shell form for SIG001/SIG002.
#[must_use] 
pub fn is_exec_form_attempt(text: &str) -> bool {
    intended_array(text).is_some() || looks_like_json(text)
}

/// An exec-form attempt, unlike the shell test `[ -f x ] && ...`: a bracket,
/// a quoted first element and a comma after a quote; or the whole text in
/// brackets with no blank after `[` (`[app, --x]`, `["a" "b"]`, `[“app”]`)
/// or with quotes or commas inside.
fn looks_like_json(text: &str) -> bool {
    let t = text.trim();
    let inner = t.trim_start_matches('[').trim_start();
    if (inner.starts_with('"') || inner.starts_with('\''))
        && (text.contains("\",") || text.contains("',"))
    {
        return true;
    }
    let Some(body) = t.strip_prefix('[').and_then(|b| b.strip_suffix(']')) else {
        return false;
    };
    !body.starts_with(char::is_whitespace) || body.contains(['"', '\'', ',', '“', '”'])
}

fn check_one(
    ctx: &Context,
    ins: &Instruction,
    args: &Args,
    keyword: &str,
) {
    let Args::Shell {
        text,
        json_error: Some(err),
    } = args
    else {
        return;
    };
    let value = text.value(ins);
    if !is_exec_form_attempt(&value) {
        return; // `RUN [ -f x ] && ...` is a shell test, not exec form.
    }
    let intended = intended_array(&value);
    let message = format!(
        "{keyword} arguments look like exec form but are not a valid JSON array ({err}): Docker runs the text with /bin/sh -c, which tries to run a command named like the first element, brackets and quotes included"
    );
    let d = ctx
        .report(&META, text.span.clone(), message)
        .label("not valid JSON");
    match intended.filter(|v| !v.is_empty() && !ins.has_inner_comments()) {
        Some(v) => {
            let new = json_array(&v);
            d.help(format!(
                "write valid JSON with double quotes: `{keyword} {new}`"
            ))
            .fix(ctx.fix(
                FixSafety::Safe,
                format!("Rewrite as valid JSON: {new}"),
                vec![(text.span.clone(), new)],
            ));
        }
        None => {
            d.help(
                "exec form must be a JSON array of double-quoted strings: `[\"app\", \"arg\"]`",
            );
        }
    }
}

/// `CMD ["a"] trailing`: BuildKit v0.12 reads the array and drops the rest;
/// parsers that decode strictly make the whole line shell form.
fn check_trailing(ctx: &Context, ins: &Instruction) {
    let Some(t) = ins.json_trailing() else {
        return;
    };
    let keyword = ins.keyword().to_ascii_uppercase();
    // Delete from the end of the array (blanks included) to the end.
    let start = ctx.text[..t.start].trim_end_matches([' ', '\t']).len();
    let fix = (!ins.has_inner_comments() && ctx.text[start..t.end].lines().count() <= 1).then(|| {
        ctx.fix(
            FixSafety::Safe,
            "Remove the text after the JSON array".into(),
            vec![(start..t.end, String::new())],
        )
    });
    ctx.report(
        &META,
        t.clone(),
        format!(
            "text after the exec-form array of {keyword} is ignored by BuildKit v0.12 and makes strict JSON parsers treat the whole line as shell form (/bin/sh -c as PID 1)"
        ),
    )
    .label("after the JSON array")
    .help("remove the text after `]`; put comments on their own line starting with `#`")
    .fix(fix);
}

pub fn check(ctx: &Context) {
    for ins in &ctx.dockerfile.instructions {
        if matches!(
            ins.kind,
            Kind::Cmd | Kind::Entrypoint | Kind::Run | Kind::Shell
        ) {
            check_trailing(ctx, ins);
        }
        match (ins.kind, &ins.args) {
            (Kind::Cmd | Kind::Entrypoint | Kind::Run | Kind::Shell, args) => {
                check_one(ctx, ins, args, &ins.keyword().to_ascii_uppercase());
            }
            (Kind::Healthcheck, Args::Health { cmd, .. }) => {
                check_one(ctx, ins, cmd, "HEALTHCHECK CMD");
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::intended_array;

    #[test]
    fn reads_what_was_meant() {
        assert_eq!(intended_array("['a', 'b c']").unwrap(), ["a", "b c"]);
        assert_eq!(intended_array("[\"a\", \"b\"").unwrap(), ["a", "b"]);
        assert_eq!(intended_array("[\"a\",]").unwrap(), ["a"]);
        assert!(intended_array("[\"a\" \"b\"]").is_none());
        assert!(intended_array("[ -f /x ] && y").is_none());
        assert!(intended_array("[\"a").is_none());
        assert!(!super::looks_like_json("[ \"$X\" = \"true\" ] && exit 0"));
        assert!(super::looks_like_json("[\"echo\", \"no quote!]"));
    }
}
