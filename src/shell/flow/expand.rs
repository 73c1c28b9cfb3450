//! Values the model knows: variables, positional parameters, word expansion,
//! `test`/`[`/`[[` and `case` patterns, each with "unknown" as an answer.

use std::collections::BTreeMap;
use tree_sitter::Node;

/// A three-valued truth: a test whose operands are only known at run time
/// is `Unknown`, and both branches are followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    #[must_use]
    pub fn negate(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }

    fn from(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }
}

/// A variable's value: a literal, or known only at run time.
pub type Val = Option<String>;

/// The variables and positional parameters of one path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Vars {
    /// Set variables (`None`: set to something unknown).
    pub set: BTreeMap<String, Val>,
    /// Variables never set by the script nor the image: unknown (the base
    /// image or the runtime may set them) unless `unset_is_empty`.
    pub unset_is_empty: bool,
    /// `$1`...: `None` when the arguments are not known.
    pub args: Option<Vec<String>>,
    /// `$0`.
    pub zero: String,
    /// Arrays with their elements (bash `a=(x y)`).
    pub arrays: BTreeMap<String, Vec<Val>>,
}

impl Vars {
    pub fn get(&self, name: &str) -> Val {
        match name {
            "#" => return self.args.as_ref().map(|a| a.len().to_string()),
            "0" => return Some(self.zero.clone()),
            "@" | "*" => return self.args.as_ref().map(|a| a.join(" ")),
            _ => {}
        }
        if let Ok(i) = name.parse::<usize>() {
            return self
                .args
                .as_ref()
                .map(|a| a.get(i - 1).cloned().unwrap_or_default());
        }
        match self.set.get(name) {
            Some(v) => v.clone(),
            None if self.unset_is_empty => Some(String::new()),
            None => None,
        }
    }

    /// Forget what differs from `other` (two paths meet).
    pub fn join(&mut self, other: &Vars) {
        for (k, v) in &mut self.set {
            if other.set.get(k) != Some(v) {
                *v = None;
            }
        }
        for k in other.set.keys() {
            self.set.entry(k.clone()).or_insert(None);
        }
        if self.args != other.args {
            self.args = None;
        }
        self.arrays.retain(|k, v| other.arrays.get(k) == Some(v));
    }
}

/// The source text of a node.
pub use crate::shell::script::text_of as text;

/// Remove backslash escapes of an unquoted word.
fn unescape(t: &str) -> String {
    let mut out = String::new();
    let mut it = t.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            if let Some(d) = it.next() {
                if d != '\n' {
                    out.push(d);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One expanded word: its fields (`"$@"` gives one per argument; an unknown
/// field is `None`). `quoted` parts are not split.
#[derive(Debug, Clone, Default)]
struct Fields {
    /// Fields so far; the last one is still being built.
    done: Vec<Val>,
    cur: Option<Val>,
}

impl Fields {
    fn push_str(&mut self, s: &str) {
        match &mut self.cur {
            Some(Some(c)) => c.push_str(s),
            Some(None) => {}
            None => self.cur = Some(Some(s.to_string())),
        }
    }
    fn push_unknown(&mut self) {
        self.cur = Some(None);
    }
    /// An unquoted known value: split on blanks.
    fn push_split(&mut self, v: &str) {
        let parts: Vec<&str> = v.split([' ', '\t', '\n']).collect();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                self.end();
            }
            if !p.is_empty() {
                self.push_str(p);
            }
        }
    }
    fn end(&mut self) {
        if let Some(c) = self.cur.take() {
            self.done.push(c);
        }
    }
    fn finish(mut self) -> Vec<Val> {
        self.end();
        self.done
    }
}

/// Expand a word node to its fields.
pub fn expand(src: &str, n: Node, vars: &Vars) -> Vec<Val> {
    let mut f = Fields::default();
    expand_into(src, n, vars, false, &mut f, 0);
    let out = f.finish();
    // An unquoted word with a glob character may match files.
    if n.kind() == "word" && text(src, n).contains(['*', '?', '[']) {
        return vec![None];
    }
    out
}

/// Expand to one string (fields joined by a space), `None` when unknown.
pub fn expand_one(src: &str, n: Node, vars: &Vars) -> Val {
    let fields = expand(src, n, vars);
    let mut out = Vec::new();
    for f in fields {
        out.push(f?);
    }
    Some(out.join(" "))
}

const MAX_EXPAND_DEPTH: usize = 16;

fn expand_into(src: &str, n: Node, vars: &Vars, quoted: bool, f: &mut Fields, depth: usize) {
    if depth > MAX_EXPAND_DEPTH {
        f.push_unknown();
        return;
    }
    let t = text(src, n);
    match n.kind() {
        "word" | "number" | "extglob_pattern" => {
            f.push_str(&unescape(t));
        }
        "raw_string" => {
            f.push_str(t.trim_start_matches('\'').trim_end_matches('\''));
        }
        "ansi_c_string" => f.push_unknown(),
        "string" => {
            // "" is one empty field.
            if f.cur.is_none() {
                f.cur = Some(Some(String::new()));
            }
            let mut c = n.walk();
            for k in n.named_children(&mut c) {
                if k.kind() == "string_content" {
                    f.push_str(&text(src, k).replace("\\\"", "\"").replace("\\\\", "\\"));
                } else {
                    expand_into(src, k, vars, true, f, depth + 1);
                }
            }
            // An "$@" with no arguments gives no field at all.
            if t == "\"$@\"" || t == "\"${@}\"" {
                if let Some(a) = &vars.args {
                    if a.is_empty() {
                        f.cur = None;
                    }
                }
            }
        }
        "concatenation" => {
            let mut c = n.walk();
            for k in n.children(&mut c) {
                expand_into(src, k, vars, quoted, f, depth + 1);
            }
        }
        "simple_expansion" => {
            let name = t.trim_start_matches('$');
            param(name, vars, quoted, f);
        }
        "expansion" => expansion(src, n, vars, quoted, f),
        // `$(dirname "$0")`: the script's directory.
        "command_substitution" => {
            let inner = t
                .strip_prefix("$(")
                .and_then(|x| x.strip_suffix(')'))
                .unwrap_or("")
                .trim();
            let arg = inner
                .strip_prefix("dirname")
                .map(|a| a.trim().trim_start_matches("-- ").trim_matches('"'));
            match arg {
                Some("$0") if !vars.zero.is_empty() => {
                    let d = match vars.zero.rsplit_once('/') {
                        Some(("", _)) => "/",
                        Some((d, _)) => d,
                        None => ".",
                    };
                    f.push_str(d);
                }
                _ => f.push_unknown(),
            }
        }
        _ => f.push_unknown(),
    }
}

/// `$name` (also `$@`, `$1`).
fn param(name: &str, vars: &Vars, quoted: bool, f: &mut Fields) {
    if name == "@" || (name == "*" && !quoted) {
        match &vars.args {
            Some(a) => {
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        f.end();
                    }
                    if quoted {
                        f.push_str(v);
                    } else {
                        f.push_split(v);
                    }
                }
            }
            None => f.push_unknown(),
        }
        return;
    }
    match vars.get(name) {
        Some(v) if quoted => f.push_str(&v),
        Some(v) => f.push_split(&v),
        None => f.push_unknown(),
    }
}

/// `${...}`.
fn expansion(src: &str, n: Node, vars: &Vars, quoted: bool, f: &mut Fields) {
    // `${a[@]}`, `${a[0]}`: arrays.
    if let Some(sub) = n.named_child(0).filter(|k| k.kind() == "subscript") {
        let name = sub.child_by_field_name("name").map_or("", |k| text(src, k));
        let index = sub
            .child_by_field_name("index")
            .map_or("", |k| text(src, k));
        let Some(elems) = vars.arrays.get(name) else {
            f.push_unknown();
            return;
        };
        if n.named_child_count() > 1 {
            f.push_unknown(); // `${a[@]:1}` and the like
            return;
        }
        match index {
            "@" | "*" => {
                for (i, v) in elems.iter().enumerate() {
                    if i > 0 {
                        f.end();
                    }
                    match v {
                        Some(v) if quoted => f.push_str(v),
                        Some(v) => f.push_split(v),
                        None => f.push_unknown(),
                    }
                }
            }
            i => match i.parse::<usize>().ok().and_then(|i| elems.get(i)) {
                Some(Some(v)) => f.push_str(v),
                _ => f.push_unknown(),
            },
        }
        return;
    }
    let t = text(src, n);
    let inner = t
        .strip_prefix("${")
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or("");
    // ${#name}
    if let Some(name) = inner.strip_prefix('#') {
        if is_name(name) {
            match vars.get(name) {
                Some(v) => f.push_str(&v.chars().count().to_string()),
                None => f.push_unknown(),
            }
            return;
        }
    }
    let end = inner
        .char_indices()
        .find(|(i, c)| {
            !(c.is_ascii_alphanumeric() || *c == '_' || (*i == 0 && matches!(c, '@' | '*' | '#')))
        })
        .map_or(inner.len(), |(i, _)| i);
    let (name, op) = inner.split_at(end);
    if name.is_empty() {
        f.push_unknown();
        return;
    }
    if op.is_empty() {
        param(name, vars, quoted, f);
        return;
    }
    let value = vars.get(name);
    let set_and_nonempty = value.as_ref().map(|v| !v.is_empty());
    // The operand: the nodes after the operator, expanded as in quotes.
    let from_nodes = operand_of(src, n, vars);
    // The operand word, expanded when it is literal or a simple parameter.
    let operand = |skip: usize| -> Val {
        if let Some(v) = &from_nodes {
            return v.clone();
        }
        let w = &op[skip..];
        if !w.contains(['$', '`', '\\', '"', '\'']) {
            return Some(w.to_string());
        }
        if let Some(p) = w.strip_prefix('$') {
            let p = p.trim_start_matches('{').trim_end_matches('}');
            if is_name(p) || p.chars().all(|c| c.is_ascii_digit()) {
                return vars.get(p);
            }
        }
        None
    };
    let out: Val = if let Some(rest) = op.strip_prefix(":-").or(op.strip_prefix(":=")) {
        let _ = rest;
        match set_and_nonempty {
            Some(true) => value.clone(),
            Some(false) => operand(2),
            None => None,
        }
    } else if op.starts_with('-') || op.starts_with('=') {
        match (
            &value,
            vars.set.contains_key(name) || name.parse::<usize>().is_ok(),
        ) {
            (Some(v), true) => Some(v.clone()),
            _ if name.parse::<usize>().is_ok() && vars.args.is_some() => {
                // `${1-x}`: unset when there are fewer arguments.
                let i: usize = name.parse().unwrap_or(0);
                match vars.args.as_ref().and_then(|a| a.get(i.saturating_sub(1))) {
                    Some(v) => Some(v.clone()),
                    None => operand(1),
                }
            }
            // Unset in an environment dsig knows whole: the default.
            _ if !vars.set.contains_key(name) && vars.unset_is_empty && is_name(name) => operand(1),
            _ => None,
        }
    } else if op.starts_with(":+") {
        match set_and_nonempty {
            Some(true) => operand(2),
            Some(false) => Some(String::new()),
            None => None,
        }
    } else if op.starts_with(":?") || op.starts_with('?') {
        value.clone()
    } else if let Some(p) = op.strip_prefix("##") {
        strip(value.as_deref(), p, true, true)
    } else if let Some(p) = op.strip_prefix('#') {
        strip(value.as_deref(), p, true, false)
    } else if let Some(p) = op.strip_prefix("%%") {
        strip(value.as_deref(), p, false, true)
    } else if let Some(p) = op.strip_prefix('%') {
        strip(value.as_deref(), p, false, false)
    } else if let Some(range) = op.strip_prefix(':') {
        // ${v:off:len}
        let mut it = range.splitn(2, ':');
        let off = it.next().and_then(|o| o.trim().parse::<usize>().ok());
        let len = it.next().map(|l| l.trim().parse::<usize>().ok());
        match (value.as_deref(), off, len) {
            (Some(v), Some(o), None) => Some(v.chars().skip(o).collect()),
            (Some(v), Some(o), Some(Some(l))) => Some(v.chars().skip(o).take(l).collect()),
            _ => None,
        }
    } else {
        None
    };
    match out {
        Some(v) if quoted => f.push_str(&v),
        Some(v) => f.push_split(&v),
        None => f.push_unknown(),
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// `${v#p}` and friends, for literal patterns.
fn strip(value: Option<&str>, pat: &str, prefix: bool, longest: bool) -> Val {
    let v = value?;
    if pat.contains(['$', '`', '\\', '"', '\'']) {
        return None;
    }
    let chars: Vec<(usize, char)> = v.char_indices().collect();
    let mut cuts: Vec<usize> = chars.iter().map(|(i, _)| *i).collect();
    cuts.push(v.len());
    let order: Vec<usize> = if prefix == longest {
        cuts.iter().rev().copied().collect()
    } else {
        cuts.clone()
    };
    for cut in order {
        if prefix {
            if glob(pat, &v[..cut]) {
                return Some(v[cut..].to_string());
            }
        } else if glob(pat, &v[cut..]) {
            return Some(v[..cut].to_string());
        }
    }
    Some(v.to_string())
}

/// Shell pattern matching (`*`, `?`, `[...]`, `\x`), iterative.
#[must_use]
pub fn glob(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((ok, next)) = class(&p, pi, t[ti]) {
                        if ok {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == '[' {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                '\\' if pi + 1 < p.len() && p[pi + 1] == t[ti] => {
                    pi += 2;
                    ti += 1;
                    continue;
                }
                '\\' if pi + 1 < p.len() => {}
                c if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// A bracket expression at `p[at]`: (matches, index after it).
fn class(p: &[char], at: usize, c: char) -> Option<(bool, usize)> {
    let mut i = at + 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut ok = false;
    let mut first = true;
    while i < p.len() && (p[i] != ']' || first) {
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            ok |= p[i] <= c && c <= p[i + 2];
            i += 3;
        } else {
            ok |= p[i] == c;
            i += 1;
        }
    }
    if i >= p.len() {
        return None;
    }
    Some((ok != negate, i + 1))
}

/// Evaluate `test`/`[` arguments (after the command name, `]` removed).
pub fn test_args(args: &[Val]) -> Tri {
    match args {
        [] => Tri::False,
        [Some(b), rest @ ..] if b == "!" && !rest.is_empty() => test_args(rest).negate(),
        [a] => match a {
            Some(v) => Tri::from(!v.is_empty()),
            None => Tri::Unknown,
        },
        [Some(op), a] if op == "-z" => a.as_ref().map_or(Tri::Unknown, |v| Tri::from(v.is_empty())),
        [Some(op), a] if op == "-n" => a
            .as_ref()
            .map_or(Tri::Unknown, |v| Tri::from(!v.is_empty())),
        [_, _] => Tri::Unknown,
        [a, Some(op), b] => compare(a, op, b, false),
        _ => {
            // `a -a b`, `a -o b`.
            if let Some(i) = args.iter().position(|x| x.as_deref() == Some("-o")) {
                let (l, r) = (test_args(&args[..i]), test_args(&args[i + 1..]));
                return or(l, r);
            }
            if let Some(i) = args.iter().position(|x| x.as_deref() == Some("-a")) {
                let (l, r) = (test_args(&args[..i]), test_args(&args[i + 1..]));
                return and(l, r);
            }
            Tri::Unknown
        }
    }
}

pub fn and(l: Tri, r: Tri) -> Tri {
    match (l, r) {
        (Tri::False, _) | (_, Tri::False) => Tri::False,
        (Tri::True, Tri::True) => Tri::True,
        _ => Tri::Unknown,
    }
}

pub fn or(l: Tri, r: Tri) -> Tri {
    match (l, r) {
        (Tri::True, _) | (_, Tri::True) => Tri::True,
        (Tri::False, Tri::False) => Tri::False,
        _ => Tri::Unknown,
    }
}

/// A binary test; `pattern`: the right side of `[[ == ]]` is a pattern.
pub fn compare(a: &Val, op: &str, b: &Val, pattern: bool) -> Tri {
    let (Some(a), Some(b)) = (a, b) else {
        return Tri::Unknown;
    };
    match op {
        "=" | "==" if pattern => Tri::from(glob(b, a)),
        "!=" if pattern => Tri::from(!glob(b, a)),
        "=" | "==" => Tri::from(a == b),
        "!=" => Tri::from(a != b),
        "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" => {
            let (Ok(x), Ok(y)) = (a.trim().parse::<i64>(), b.trim().parse::<i64>()) else {
                return Tri::Unknown;
            };
            Tri::from(match op {
                "-eq" => x == y,
                "-ne" => x != y,
                "-lt" => x < y,
                "-le" => x <= y,
                "-gt" => x > y,
                _ => x >= y,
            })
        }
        _ => Tri::Unknown,
    }
}

/// Evaluate a `[ ]` / `[[ ]]` node.
pub fn test_node(src: &str, n: Node, vars: &Vars) -> Tri {
    let double = text(src, n).starts_with("[[");
    let mut c = n.walk();
    let kids: Vec<Node> = n.named_children(&mut c).collect();
    match kids.as_slice() {
        [one] => test_expr(src, *one, vars, double, 0),
        _ => Tri::Unknown,
    }
}

fn test_expr(src: &str, n: Node, vars: &Vars, double: bool, depth: usize) -> Tri {
    if depth > MAX_EXPAND_DEPTH {
        return Tri::Unknown;
    }
    match n.kind() {
        "binary_expression" => {
            let (Some(l), Some(r)) = (
                n.child_by_field_name("left"),
                n.child_by_field_name("right"),
            ) else {
                return Tri::Unknown;
            };
            let op = n
                .child_by_field_name("operator")
                .map(|o| text(src, o).to_string())
                .unwrap_or_default();
            match op.as_str() {
                "&&" | "-a" => and(
                    test_expr(src, l, vars, double, depth + 1),
                    test_expr(src, r, vars, double, depth + 1),
                ),
                "||" | "-o" => or(
                    test_expr(src, l, vars, double, depth + 1),
                    test_expr(src, r, vars, double, depth + 1),
                ),
                _ => {
                    let a = expand_one(src, l, vars);
                    let b = if double {
                        // The right side of == is a pattern: quoted parts literal.
                        expand_one(src, r, vars)
                    } else {
                        expand_one(src, r, vars)
                    };
                    let pattern = double && r.kind() != "string" && r.kind() != "raw_string";
                    compare(&a, &op, &b, pattern)
                }
            }
        }
        "unary_expression" => {
            let mut c = n.walk();
            let kids: Vec<Node> = n.children(&mut c).collect();
            let (Some(op), Some(arg)) = (kids.first(), kids.last()) else {
                return Tri::Unknown;
            };
            let op = text(src, *op);
            if op == "!" {
                return test_expr(src, *arg, vars, double, depth + 1).negate();
            }
            let v = expand_one(src, *arg, vars);
            match op {
                "-z" => v.map_or(Tri::Unknown, |v| Tri::from(v.is_empty())),
                "-n" => v.map_or(Tri::Unknown, |v| Tri::from(!v.is_empty())),
                _ => Tri::Unknown,
            }
        }
        "parenthesized_expression" => {
            let mut c = n.walk();
            let k = n.named_children(&mut c).next();
            k.map_or(Tri::Unknown, |k| test_expr(src, k, vars, double, depth + 1))
        }
        "negated_expression" => {
            let mut c = n.walk();
            let k = n.named_children(&mut c).last();
            k.map_or(Tri::Unknown, |k| {
                test_expr(src, k, vars, double, depth + 1).negate()
            })
        }
        "word" | "string" | "raw_string" | "simple_expansion" | "expansion" | "concatenation" => {
            expand_one(src, n, vars).map_or(Tri::Unknown, |v| Tri::from(!v.is_empty()))
        }
        _ => Tri::Unknown,
    }
}

/// The operand of `${name OP operand}` from the nodes after the operator
/// (`${A:=${E:-S}Ex}`), when it has any.
fn operand_of(src: &str, n: Node, vars: &Vars) -> Option<Val> {
    let mut c = n.walk();
    let kids: Vec<Node> = n.children(&mut c).collect();
    let op = kids
        .iter()
        .position(|k| matches!(k.kind(), ":=" | "=" | ":-" | "-" | ":+" | "+" | ":?" | "?"))?;
    let rest: Vec<&Node> = kids[op + 1..].iter().filter(|k| k.kind() != "}").collect();
    if rest.is_empty() {
        return Some(Some(String::new()));
    }
    let mut f = Fields::default();
    for k in rest {
        expand_into(src, *k, vars, true, &mut f, 1);
    }
    let mut out = String::new();
    for v in f.finish() {
        out.push_str(&v?);
    }
    Some(Some(out))
}

/// The assignments that `${name:=value}` and `${name=value}` make while a
/// command's words are expanded.
pub fn default_assignments(src: &str, n: Node, vars: &Vars) -> Vec<(String, Val)> {
    let mut out = Vec::new();
    let mut stack = vec![n];
    let mut seen = 0;
    while let Some(k) = stack.pop() {
        seen += 1;
        if seen > 4096 {
            break;
        }
        if k.kind() == "expansion" {
            let t = text(src, k);
            let inner = t.strip_prefix("${").unwrap_or("");
            let end = inner
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
                .map_or(inner.len(), |(i, _)| i);
            let (name, op) = inner.split_at(end);
            if is_name(name) && (op.starts_with(":=") || op.starts_with('=')) {
                let current = vars.get(name);
                let empty_or_unset = match (&current, op.starts_with(':')) {
                    (Some(v), true) => v.is_empty(),
                    (Some(_), false) => false,
                    (None, _) => {
                        out.push((name.to_string(), None));
                        continue;
                    }
                };
                if empty_or_unset {
                    let v = operand_of(src, k, vars).unwrap_or(None);
                    out.push((name.to_string(), v));
                }
                continue;
            }
        }
        let mut c = k.walk();
        for child in k.named_children(&mut c) {
            stack.push(child);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("s*", "serve"));
        assert!(glob("*.sh", "a.sh"));
        assert!(!glob("*.sh", "a.shx"));
        assert!(glob("-*", "-x"));
        assert!(glob("[a-c]x", "bx"));
        assert!(!glob("[!a-c]x", "bx"));
        assert!(glob("*", ""));
        assert!(!glob("?", ""));
    }

    #[test]
    fn strips() {
        assert_eq!(strip(Some("-x"), "-", true, false), Some("x".into()));
        assert_eq!(strip(Some("a/b/c"), "*/", true, true), Some("c".into()));
        assert_eq!(strip(Some("a/b/c"), "/*", false, false), Some("a/b".into()));
        assert_eq!(strip(Some("a/b/c"), "/*", false, true), Some("a".into()));
    }

    #[test]
    fn tests_evaluate() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(test_args(&[s("a"), s("="), s("a")]), Tri::True);
        assert_eq!(test_args(&[s("!"), s("a"), s("="), s("a")]), Tri::False);
        assert_eq!(test_args(&[s("-z"), None]), Tri::Unknown);
        assert_eq!(test_args(&[s("-n"), s("")]), Tri::False);
        assert_eq!(test_args(&[s("1"), s("-gt"), s("0")]), Tri::True);
    }
}
