//! `docker-bake.hcl` / `docker-bake.json` (and their `.override` files):
//! targets with their context, dockerfile, args, target and tags, after
//! `inherits`, with `variable` defaults interpolated.
//!
//! Only what can be known from the files is used: a variable's default (not
//! the environment, which may override it at build time), and expressions
//! made of literals, variables, templates, conditionals and operators.
//! Function calls, `for` expressions and template directives are unknown
//! (also so that a hostile file cannot make evaluation explode). A value
//! that cannot be known leaves the attribute unknown: a target whose context
//! or dockerfile is unknown is not used, an unknown arg is reported as such.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use hcl::eval::{Context, Evaluate};
use hcl::expr::{Expression, ObjectKey, TemplateExpr};
use hcl::template::{Element, Template};
use hcl::Value;

use super::{BuildConfig, Warning};

/// The bake files read from one directory, in the order bake merges them.
pub const NAMES: [&str; 4] = [
    "docker-bake.json",
    "docker-bake.hcl",
    "docker-bake.override.json",
    "docker-bake.override.hcl",
];

/// Brackets nested deeper than this make a file unread (the HCL parser
/// recurses on them).
const MAX_NESTING: usize = 64;
/// Expressions nested deeper than this are unknown.
const MAX_EXPR_DEPTH: usize = 32;
/// A variable's value longer than this is unknown.
const MAX_VALUE_LEN: usize = 64 * 1024;
/// `inherits` chains longer than this stop (cycles too).
const MAX_INHERIT_DEPTH: usize = 16;
/// Targets, variables and groups read, at most (each), and build args per
/// target.
const MAX_ITEMS: usize = 1000;
/// Parents of one target (`inherits`), at most.
const MAX_PARENTS: usize = 64;
/// Targets visited to resolve one target's `inherits`, at most.
const MAX_INHERIT_VISITS: usize = 256;

/// A target's attributes as written (before inheritance).
#[derive(Debug, Clone, Default)]
struct RawTarget {
    attrs: Vec<(String, Expression)>,
    /// `args`, key by key.
    args: Vec<(String, Expression)>,
    inherits: Vec<Expression>,
    /// The file that first defines it.
    file: String,
}

/// Everything read from the bake files of one directory.
#[derive(Debug, Default)]
pub struct BakeFiles {
    variables: Vec<(String, Option<Expression>)>,
    targets: Vec<(String, RawTarget)>,
    groups: Vec<(String, Vec<Expression>)>,
    /// The files read, for origins.
    files: Vec<String>,
}

/// The deepest bracket nesting of `text` (strings not told apart: an
/// over-estimate, which only refuses more).
fn nesting(text: &str) -> usize {
    let mut depth = 0usize;
    let mut max = 0usize;
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

impl BakeFiles {
    /// Add one file's content; `shown` names it in origins and warnings.
    ///
    /// # Errors
    /// A warning when the file is not valid HCL, or nests brackets deeper
    /// than dsig reads.
    pub fn add(&mut self, shown: &str, text: &str) -> Result<(), Warning> {
        let depth = nesting(text);
        if depth > MAX_NESTING {
            return Err(Warning::at(
                shown,
                1,
                1,
                format!("brackets nested {depth} deep (dsig reads bake files up to {MAX_NESTING})"),
            ));
        }
        let before = (self.variables.len(), self.targets.len(), self.groups.len());
        let r = if shown.ends_with(".json") {
            self.add_json(shown, text)
        } else {
            self.add_hcl(shown, text)
        };
        self.bound();
        if r.is_err() {
            self.variables.truncate(before.0);
            self.targets.truncate(before.1);
            self.groups.truncate(before.2);
        } else {
            self.files.push(shown.to_string());
        }
        r
    }

    /// Drop what is past the bounds (a hostile file's thousands of targets).
    fn bound(&mut self) {
        self.variables.truncate(MAX_ITEMS);
        self.targets.truncate(MAX_ITEMS);
        self.groups.truncate(MAX_ITEMS);
        for (_, t) in &mut self.targets {
            t.args.truncate(MAX_ITEMS);
            t.attrs.truncate(MAX_ITEMS);
            t.inherits.truncate(MAX_PARENTS);
        }
    }

    fn add_hcl(&mut self, shown: &str, text: &str) -> Result<(), Warning> {
        let body = match hcl::parse(text) {
            Ok(b) => b,
            Err(hcl::Error::Parse(e)) => {
                let loc = e.location();
                let msg = e.message().trim().to_string();
                return Err(Warning::at(
                    shown,
                    loc.line(),
                    loc.column(),
                    format!("not valid HCL: {msg}"),
                ));
            }
            Err(e) => return Err(Warning::at(shown, 1, 1, format!("not valid HCL: {e}"))),
        };
        for block in body.blocks() {
            let label = block.labels.first().map(|l| l.as_str().to_string());
            let Some(name) = label else { continue };
            match block.identifier.as_str() {
                "variable" => {
                    let default = block
                        .body
                        .attributes()
                        .find(|a| a.key.as_str() == "default")
                        .map(|a| a.expr.clone());
                    self.variables.push((name, default));
                }
                "group" => {
                    let targets = block
                        .body
                        .attributes()
                        .find(|a| a.key.as_str() == "targets")
                        .map(|a| match &a.expr {
                            Expression::Array(items) => items.clone(),
                            other => vec![other.clone()],
                        })
                        .unwrap_or_default();
                    self.groups.push((name, targets));
                }
                "target" => {
                    let mut t = RawTarget {
                        file: shown.to_string(),
                        ..RawTarget::default()
                    };
                    for a in block.body.attributes() {
                        match a.key.as_str() {
                            "args" => {
                                if let Expression::Object(obj) = &a.expr {
                                    for (k, v) in obj {
                                        if let Some(k) = object_key(k) {
                                            t.args.push((k, v.clone()));
                                        }
                                    }
                                }
                            }
                            "inherits" => match &a.expr {
                                Expression::Array(items) => {
                                    t.inherits.extend(items.iter().cloned());
                                }
                                other => t.inherits.push(other.clone()),
                            },
                            key => t.attrs.push((key.to_string(), a.expr.clone())),
                        }
                    }
                    self.targets.push((name, t));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn add_json(&mut self, shown: &str, text: &str) -> Result<(), Warning> {
        let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            Warning::at(shown, e.line(), e.column(), format!("not valid JSON: {e}"))
        })?;
        let section = |name: &str| doc.get(name).and_then(serde_json::Value::as_object);
        if let Some(vars) = section("variable") {
            for (name, v) in vars {
                let default = v.get("default").map(json_expr);
                self.variables.push((name.clone(), default));
            }
        }
        if let Some(groups) = section("group") {
            for (name, g) in groups {
                let targets = match g.get("targets") {
                    Some(serde_json::Value::Array(items)) => items.iter().map(json_expr).collect(),
                    _ => Vec::new(),
                };
                self.groups.push((name.clone(), targets));
            }
        }
        if let Some(targets) = section("target") {
            for (name, body) in targets {
                let Some(body) = body.as_object() else {
                    continue;
                };
                let mut t = RawTarget {
                    file: shown.to_string(),
                    ..RawTarget::default()
                };
                for (key, v) in body {
                    match key.as_str() {
                        "args" => {
                            if let Some(obj) = v.as_object() {
                                for (k, v) in obj {
                                    t.args.push((k.clone(), json_expr(v)));
                                }
                            }
                        }
                        "inherits" => match v {
                            serde_json::Value::Array(items) => {
                                t.inherits.extend(items.iter().map(json_expr));
                            }
                            other => t.inherits.push(json_expr(other)),
                        },
                        _ => t.attrs.push((key.clone(), json_expr(v))),
                    }
                }
                self.targets.push((name.clone(), t));
            }
        }
        Ok(())
    }

    /// The build configurations of the files added, for a bake file in
    /// `dir` (absolute): each target that bake would build on its own
    /// (targets that others only inherit from, and are in no group, are
    /// templates).
    #[must_use]
    pub fn configs(&self, dir: &Path) -> Vec<BuildConfig> {
        let ctx = self.variables_context();
        // Targets merged by name (a later file's attributes win).
        let mut merged: Vec<(String, RawTarget)> = Vec::new();
        for (name, t) in &self.targets {
            match merged.iter_mut().find(|(n, _)| n == name) {
                Some((_, old)) => {
                    for (k, v) in &t.attrs {
                        old.attrs.retain(|(ok, _)| ok != k);
                        old.attrs.push((k.clone(), v.clone()));
                    }
                    for (k, v) in &t.args {
                        old.args.retain(|(ok, _)| ok != k);
                        old.args.push((k.clone(), v.clone()));
                    }
                    if !t.inherits.is_empty() {
                        old.inherits.clone_from(&t.inherits);
                    }
                }
                None => merged.push((name.clone(), t.clone())),
            }
        }
        let names = |exprs: &[Expression]| -> Vec<String> {
            exprs.iter().filter_map(|e| eval_string(e, &ctx)).collect()
        };
        let inherited: HashSet<String> = merged
            .iter()
            .flat_map(|(_, t)| names(&t.inherits))
            .collect();
        let grouped: HashSet<String> = self.groups.iter().flat_map(|(_, t)| names(t)).collect();
        // `contexts = { base = "target:base" }`: bake builds `base` too.
        let referenced: HashSet<String> = merged
            .iter()
            .flat_map(|(_, t)| t.attrs.iter().filter(|(k, _)| k == "contexts"))
            .filter_map(|(_, e)| match eval_value(e, &ctx) {
                Some(Value::Object(obj)) => Some(obj),
                _ => None,
            })
            .flat_map(|obj| obj.into_iter().map(|(_, v)| v))
            .filter_map(|v| match v {
                Value::String(s) => s.strip_prefix("target:").map(str::to_string),
                _ => None,
            })
            .collect();
        let index: HashMap<&str, usize> = merged
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.as_str(), i))
            .collect();
        let mut out = Vec::new();
        for (name, raw) in &merged {
            if inherited.contains(name) && !grouped.contains(name) && !referenced.contains(name) {
                continue;
            }
            let mut t = RawTarget::default();
            let mut visits = 0;
            resolve(&merged, &index, name, &ctx, &mut t, 0, &mut visits);
            let attr = |k: &str| t.attrs.iter().rev().find(|(n, _)| n == k).map(|(_, e)| e);
            let context = match attr("context") {
                Some(e) => match eval_string(e, &ctx) {
                    Some(c) => c,
                    None => continue,
                },
                None => ".".to_string(),
            };
            if !super::local_path(&context) {
                continue;
            }
            let dockerfile = match attr("dockerfile") {
                Some(e) => match eval_string(e, &ctx) {
                    Some(d) => d,
                    None => continue,
                },
                None => "Dockerfile".to_string(),
            };
            if attr("dockerfile-inline").is_some() {
                continue;
            }
            let target = match attr("target") {
                Some(e) => match eval_value(e, &ctx) {
                    Some(Value::String(s)) => Some(s),
                    Some(Value::Null) => None,
                    _ => continue,
                },
                None => None,
            };
            let context = super::clean(&dir.join(&context));
            let dockerfile = super::clean(&context.join(&dockerfile));
            let mut args = Vec::new();
            let mut unknown_args = Vec::new();
            for (k, e) in &t.args {
                match eval_value(e, &ctx) {
                    Some(Value::Null) => {}
                    Some(v) => match scalar(&v) {
                        Some(s) => args.push((k.clone(), s)),
                        None => unknown_args.push(k.clone()),
                    },
                    None => unknown_args.push(k.clone()),
                }
            }
            let tags = match attr("tags").map(|e| eval_value(e, &ctx)) {
                Some(Some(Value::Array(items))) => items
                    .iter()
                    .filter_map(|v| match v {
                        Value::String(s) if !s.is_empty() => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            out.push(BuildConfig {
                origin: format!("{} target \"{name}\"", raw.file),
                dockerfile,
                context,
                args,
                unknown_args,
                target,
                tags,
                run_init: false,
            });
        }
        out
    }

    /// The variables with their defaults evaluated (a variable without a
    /// default is empty, as bake has it; one whose default is unknown is
    /// not declared, so what uses it is unknown too).
    fn variables_context(&self) -> Context<'static> {
        let mut ctx = Context::new();
        let mut known: HashMap<String, Value> = HashMap::new();
        // Defaults may use other variables: a few rounds.
        for _ in 0..self.variables.len().clamp(1, 16) {
            let mut changed = false;
            for (name, default) in &self.variables {
                if known.contains_key(name) {
                    continue;
                }
                let value = match default {
                    None => Some(Value::String(String::new())),
                    Some(e) => eval_value(e, &ctx),
                };
                if let Some(v) = value {
                    if hcl::Identifier::new(name.as_str()).is_ok() {
                        ctx.declare_var(name.as_str(), v.clone());
                    }
                    known.insert(name.clone(), v);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        ctx
    }
}

/// Merge target `name` and what it inherits into `into` (parents first).
fn resolve(
    targets: &[(String, RawTarget)],
    index: &HashMap<&str, usize>,
    name: &str,
    ctx: &Context,
    into: &mut RawTarget,
    depth: usize,
    visits: &mut usize,
) {
    *visits += 1;
    if depth > MAX_INHERIT_DEPTH || *visits > MAX_INHERIT_VISITS {
        return;
    }
    let Some((_, t)) = index.get(name).and_then(|&i| targets.get(i)) else {
        return;
    };
    for parent in &t.inherits {
        if let Some(p) = eval_string(parent, ctx) {
            resolve(targets, index, &p, ctx, into, depth + 1, visits);
        }
    }
    for (k, v) in &t.attrs {
        into.attrs.retain(|(ok, _)| ok != k);
        into.attrs.push((k.clone(), v.clone()));
    }
    for (k, v) in &t.args {
        into.args.retain(|(ok, _)| ok != k);
        into.args.push((k.clone(), v.clone()));
    }
}

fn object_key(k: &ObjectKey) -> Option<String> {
    match k {
        ObjectKey::Identifier(id) => Some(id.as_str().to_string()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.clone()),
        ObjectKey::Expression(Expression::Variable(v)) => Some(v.as_str().to_string()),
        _ => None,
    }
}

/// A JSON value as an HCL expression (strings are templates: bake
/// interpolates `${...}` in JSON files too).
fn json_expr(v: &serde_json::Value) -> Expression {
    match v {
        serde_json::Value::Null => Expression::Null,
        serde_json::Value::Bool(b) => Expression::Bool(*b),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Expression::from)
            .or_else(|| n.as_f64().map(Expression::from))
            .unwrap_or(Expression::Null),
        serde_json::Value::String(s) if s.contains("${") || s.contains("%{") => {
            let mut raw = String::with_capacity(s.len());
            for c in s.chars() {
                match c {
                    '\\' => raw.push_str("\\\\"),
                    '"' => raw.push_str("\\\""),
                    '\n' => raw.push_str("\\n"),
                    c => raw.push(c),
                }
            }
            Expression::TemplateExpr(Box::new(TemplateExpr::QuotedString(raw)))
        }
        serde_json::Value::String(s) => Expression::String(s.clone()),
        serde_json::Value::Array(items) => Expression::Array(items.iter().map(json_expr).collect()),
        serde_json::Value::Object(obj) => Expression::Object(
            obj.iter()
                .map(|(k, v)| {
                    (
                        ObjectKey::Expression(Expression::String(k.clone())),
                        json_expr(v),
                    )
                })
                .collect(),
        ),
    }
}

/// Whether `e` is made only of what dsig evaluates: literals, variables,
/// templates without directives, conditionals and operators.
fn simple(e: &Expression, depth: usize) -> bool {
    if depth > MAX_EXPR_DEPTH {
        return false;
    }
    let d = depth + 1;
    match e {
        Expression::Null | Expression::Bool(_) | Expression::Number(_) | Expression::String(_) => {
            true
        }
        Expression::Variable(_) => true,
        Expression::Array(items) => items.iter().all(|i| simple(i, d)),
        Expression::Object(obj) => obj.iter().all(|(k, v)| {
            (match k {
                ObjectKey::Identifier(_) => true,
                ObjectKey::Expression(k) => simple(k, d),
                _ => false,
            }) && simple(v, d)
        }),
        Expression::TemplateExpr(t) => match Template::from_expr(t) {
            Ok(tpl) => tpl.elements().iter().all(|el| match el {
                Element::Literal(_) => true,
                Element::Interpolation(i) => simple(&i.expr, d),
                Element::Directive(_) => false,
            }),
            Err(_) => false,
        },
        Expression::Parenthesis(inner) => simple(inner, d),
        Expression::Conditional(c) => {
            simple(&c.cond_expr, d) && simple(&c.true_expr, d) && simple(&c.false_expr, d)
        }
        Expression::Operation(op) => match op.as_ref() {
            hcl::expr::Operation::Unary(u) => simple(&u.expr, d),
            hcl::expr::Operation::Binary(b) => simple(&b.lhs_expr, d) && simple(&b.rhs_expr, d),
        },
        _ => false,
    }
}

/// The value of `e`, when it can be known.
fn eval_value(e: &Expression, ctx: &Context) -> Option<Value> {
    if !simple(e, 0) {
        return None;
    }
    let v = e.evaluate(ctx).ok()?;
    let too_long = match &v {
        Value::String(s) => s.len() > MAX_VALUE_LEN,
        other => other.to_string().len() > MAX_VALUE_LEN,
    };
    (!too_long).then_some(v)
}

fn eval_string(e: &Expression, ctx: &Context) -> Option<String> {
    match eval_value(e, ctx)? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// A build arg's text: strings, numbers and booleans.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;
    use std::path::PathBuf;

    fn configs(files: &[(&str, &str)]) -> Vec<BuildConfig> {
        let mut bake = BakeFiles::default();
        for (name, text) in files {
            bake.add(name, text).expect("valid");
        }
        bake.configs(Path::new("/repo"))
    }

    #[test]
    fn defaults_inherits_and_variables() {
        let c = configs(&[(
            "docker-bake.hcl",
            r#"
variable "TAG" { default = "1.2" }
variable "REPO" { default = "org/app" }
variable "EMPTY" {}
group "default" { targets = ["app", "debian"] }
target "_common" {
  args = { BASE = "debian:${TAG}", FROM_ENV = "${EMPTY}" }
}
target "app" {}
target "debian" {
  inherits = ["_common"]
  context = "."
  dockerfile = "debian/Dockerfile"
  target = "runtime"
  tags = ["${REPO}:${TAG}", "${REPO}:latest"]
  args = { X = upper("a"), N = 3 }
}
"#,
        )]);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].dockerfile, PathBuf::from("/repo/Dockerfile"));
        let d = &c[1];
        assert_eq!(d.origin, "docker-bake.hcl target \"debian\"");
        assert_eq!(d.context, PathBuf::from("/repo"));
        assert_eq!(d.dockerfile, PathBuf::from("/repo/debian/Dockerfile"));
        assert_eq!(d.target.as_deref(), Some("runtime"));
        assert_eq!(d.tags, vec!["org/app:1.2", "org/app:latest"]);
        assert!(d.args.contains(&("BASE".into(), "debian:1.2".into())));
        assert!(d.args.contains(&("FROM_ENV".into(), String::new())));
        assert!(d.args.contains(&("N".into(), "3".into())));
        // A function call is not evaluated: unknown, not guessed.
        assert_eq!(d.unknown_args, vec!["X".to_string()]);
    }

    #[test]
    fn json_and_override() {
        let c = configs(&[
            (
                "docker-bake.json",
                r#"{"variable": {"V": {"default": "3"}},
                   "target": {"web": {"context": "web", "args": {"PY": "${V}.12"}, "tags": ["web:${V}"]}}}"#,
            ),
            (
                "docker-bake.override.hcl",
                "target \"web\" {\n  target = \"prod\"\n}\n",
            ),
        ]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].dockerfile, PathBuf::from("/repo/web/Dockerfile"));
        assert_eq!(c[0].args, vec![("PY".to_string(), "3.12".to_string())]);
        assert_eq!(c[0].target.as_deref(), Some("prod"));
        assert_eq!(c[0].tags, vec!["web:3"]);
    }

    /// A real bake file (Alfresco/alfresco-dockerfiles-bakery at
    /// 55e77e7b60c44a9f2c0d711ca8baad9565677c9b): variables that use
    /// variables and functions, user functions, inherits, `target:` contexts,
    /// matrix targets.
    #[test]
    fn real_alfresco() {
        let Some(text) = crate::project::mirrored(
            "Alfresco/alfresco-dockerfiles-bakery",
            "55e77e7b60c44a9f2c0d711ca8baad9565677c9b",
            "docker-bake.hcl",
        ) else {
            return;
        };
        let text = text.as_str();
        let c = configs(&[("docker-bake.hcl", text)]);
        let get = |name: &str| {
            c.iter()
                .find(|c| c.origin == format!("docker-bake.hcl target \"{name}\""))
                .unwrap_or_else(|| panic!("{name} in {c:#?}"))
        };
        let reindex = get("search_reindexing");
        assert_eq!(
            reindex.context,
            PathBuf::from("/repo/search/enterprise/reindexing")
        );
        assert_eq!(
            reindex.dockerfile,
            PathBuf::from("/repo/search/enterprise/reindexing/Dockerfile")
        );
        // Its own args and those of java_base, which it inherits.
        for (k, v) in [
            ("ALFRESCO_REINDEX_USER_ID", "33011"),
            ("ALFRESCO_REINDEX_GROUP_NAME", "alfresco"),
            ("DISTRIB_NAME", "rockylinux"),
            ("IMAGE_BASE_LOCATION", "docker.io/rockylinux/rockylinux:9"),
        ] {
            assert!(
                reindex.args.contains(&(k.to_string(), v.to_string())),
                "{k}={v} in {:?}",
                reindex.args
            );
        }
        // JAVA_MAJOR's default calls a function of the file: unknown.
        assert!(reindex.unknown_args.contains(&"JAVA_MAJOR".to_string()));
        assert_eq!(
            reindex.tags,
            vec!["localhost/alfresco/alfresco-elasticsearch-reindexing:latest".to_string()]
        );
        // java_base is inherited by the others, and built because their
        // `contexts` name it.
        let java = get("java_base");
        assert_eq!(java.dockerfile, PathBuf::from("/repo/java/Dockerfile"));
        // Its tag uses JAVA_MAJOR: left out rather than guessed.
        assert!(java.tags.is_empty(), "{:?}", java.tags);
        // A matrix target: its matrix values are unknown, not guessed.
        let repo = get("repository");
        assert!(repo
            .unknown_args
            .contains(&"ALFRESCO_REPO_ARTIFACT".to_string()));
        assert!(repo.tags.is_empty());
    }

    #[test]
    fn hostile_and_broken() {
        let mut bake = BakeFiles::default();
        let e = bake
            .add("docker-bake.hcl", "target \"a\" {\n  context = \n}\n")
            .expect_err("broken");
        assert_eq!((e.line, e.col), (2, 13), "{e:?}");
        let deep = format!("x = {}", "[".repeat(10_000));
        assert!(bake.add("docker-bake.hcl", &deep).is_err());
        // A `for` that would build 10^9 values is not evaluated.
        let bomb = r#"
variable "L" { default = [1,2,3,4,5,6,7,8,9,10] }
variable "B" { default = [for a in L: [for b in L: [for c in L: [for d in L: [for e in L: [for f in L: [for g in L: [for h in L: [for i in L: 1]]]]]]]]] }
target "t" { args = { X = "${B}" } }
"#;
        bake.add("docker-bake.hcl", bomb).expect("parses");
        let c = bake.configs(Path::new("/repo"));
        assert_eq!(c[0].unknown_args, vec!["X".to_string()]);
        // Thousands of targets that each inherit dozens of others: bounded.
        let mut many = String::new();
        for i in 0..1200 {
            let parents: Vec<String> = (1..=64)
                .map(|p| format!("\"t{}\"", (i + p) % 1200))
                .collect();
            let _ = write!(
                many,
                "target \"t{i}\" {{\n  inherits = [{}]\n  args = {{ A{i} = \"{i}\" }}\n}}\n",
                parents.join(", ")
            );
        }
        let mut bake = BakeFiles::default();
        bake.add("docker-bake.hcl", &many).expect("parses");
        let start = std::time::Instant::now();
        let c = bake.configs(Path::new("/repo"));
        assert!(c.len() <= MAX_ITEMS);
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    }
}
