//! GitHub workflows (`.github/workflows/*.yml`): steps that use
//! `docker/build-push-action` (`with:` `context`, `file`, `build-args`,
//! `target`, `tags`) and `run:` scripts with `docker build` (or `docker
//! buildx build`, `docker image build`) command lines.
//!
//! Paths are relative to the repository root (the workspace that
//! `actions/checkout` fills), or to the step's `working-directory` and what
//! `cd` changes to for `run:` scripts. A `${{ ... }}` expression or a shell
//! variable is not evaluated: a context, Dockerfile or target that uses one
//! makes the step unused, a build arg that uses one is unknown, a tag that
//! uses one is left out. A command line with an option dsig does not know
//! is not used either (it cannot tell whether the option takes a value).

use std::path::{Path, PathBuf};

use super::yaml::{self, Node};
use super::{BuildConfig, Warning};

/// The build configurations of one workflow; `root` is the repository root
/// (absolute).
///
/// # Errors
/// A warning, with its line and column, when the file is not valid YAML.
pub fn parse(shown: &str, source: &str, root: &Path) -> Result<Vec<BuildConfig>, Warning> {
    let docs = yaml::parse(source).map_err(|e| {
        Warning::at(
            shown,
            e.line,
            e.col,
            format!("not valid YAML: {}", e.message),
        )
    })?;
    let mut out = Vec::new();
    let Some(jobs) = docs.first().and_then(|d| d.get("jobs")) else {
        return Ok(out);
    };
    for (job_name, job) in jobs.entries() {
        let Some(job_name) = job_name.as_str() else {
            continue;
        };
        let job_dir = job
            .get("defaults")
            .and_then(|d| d.get("run"))
            .and_then(|r| r.get("working-directory"))
            .and_then(Node::as_str);
        let Some(steps) = job.get("steps").and_then(Node::as_seq) else {
            continue;
        };
        for (i, step) in steps.iter().enumerate() {
            let origin = match step.get("name").and_then(Node::as_str) {
                Some(name) if !name.contains("${{") => {
                    format!("{shown} job \"{job_name}\" step \"{name}\"")
                }
                _ => format!("{shown} job \"{job_name}\" step {}", i + 1),
            };
            if let Some(uses) = step.get("uses").and_then(Node::as_str) {
                if uses.starts_with("docker/build-push-action@") {
                    out.extend(build_push(step, root, origin));
                }
                continue;
            }
            if let Some(script) = step.get("run").and_then(Node::as_str) {
                let dir = step
                    .get("working-directory")
                    .and_then(Node::as_str)
                    .or(job_dir);
                let cwd = match dir {
                    Some(d) if d.contains('$') => continue,
                    Some(d) => super::clean(&root.join(d)),
                    None => root.to_path_buf(),
                };
                out.extend(run_script(script, &cwd, &origin));
            }
        }
    }
    Ok(out)
}

fn unknown(s: &str) -> bool {
    s.contains("${{")
}

/// A list input: one item per line or comma.
fn list(s: &str) -> Vec<String> {
    s.split(['\n', ','])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn build_push(step: &Node, root: &Path, origin: String) -> Option<BuildConfig> {
    let with = step.get("with");
    let input = |k: &str| with.and_then(|w| w.get(k)).and_then(Node::as_str);
    let context = input("context").unwrap_or(".");
    if unknown(context) || !super::local_path(context) || context.contains('$') {
        return None;
    }
    let context = super::clean(&root.join(context));
    let dockerfile = match input("file") {
        Some(f) if unknown(f) || !super::local_path(f) => return None,
        Some(f) => super::clean(&root.join(f)),
        None => context.join("Dockerfile"),
    };
    let target = match input("target") {
        Some(t) if unknown(t) => return None,
        Some(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
        _ => None,
    };
    let mut args = Vec::new();
    let mut unknown_args = Vec::new();
    if let Some(build_args) = input("build-args") {
        for line in build_args.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (k, v) = match line.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v)),
                None => (line, None),
            };
            if k.is_empty() || unknown(k) {
                continue;
            }
            match v {
                Some(v) if !unknown(v) => args.push((k.to_string(), v.to_string())),
                _ => unknown_args.push(k.to_string()),
            }
        }
    }
    let tags = input("tags")
        .map(list)
        .unwrap_or_default()
        .into_iter()
        .filter(|t| !unknown(t))
        .collect();
    Some(BuildConfig {
        origin,
        dockerfile,
        context,
        args,
        unknown_args,
        target,
        tags,
        run_init: false,
    })
}

/// A shell word: its text once quotes are removed, and whether it had an
/// expansion (`$` outside single quotes) or a `${{ }}` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    text: String,
    dynamic: bool,
}

/// The simple commands of a script, each as its words (`&&`, `||`, `;`,
/// `|` and line ends separate them; `\` newline joins lines; comments are
/// dropped).
fn commands(script: &str) -> Vec<Vec<Word>> {
    let chars: Vec<char> = script.chars().collect();
    let mut cmds: Vec<Vec<Word>> = Vec::new();
    let mut cur: Vec<Word> = Vec::new();
    let mut word: Option<Word> = None;
    let mut i = 0;
    let end_word = |word: &mut Option<Word>, cur: &mut Vec<Word>| {
        if let Some(w) = word.take() {
            cur.push(w);
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1) == Some(&'\n') => i += 2,
            '\\' => {
                if let Some(&n) = chars.get(i + 1) {
                    word.get_or_insert(Word {
                        text: String::new(),
                        dynamic: false,
                    })
                    .text
                    .push(n);
                }
                i += 2;
            }
            ' ' | '\t' | '\r' => {
                end_word(&mut word, &mut cur);
                i += 1;
            }
            '\n' | ';' | '&' | '|' => {
                end_word(&mut word, &mut cur);
                if !cur.is_empty() {
                    cmds.push(std::mem::take(&mut cur));
                }
                i += 1;
            }
            '#' if word.is_none() => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\'' => {
                let w = word.get_or_insert(Word {
                    text: String::new(),
                    dynamic: false,
                });
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    w.text.push(chars[i]);
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                let w = word.get_or_insert(Word {
                    text: String::new(),
                    dynamic: false,
                });
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`'))
                    {
                        w.text.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    if chars[i] == '$' || chars[i] == '`' {
                        w.dynamic = true;
                    }
                    w.text.push(chars[i]);
                    i += 1;
                }
                i += 1;
            }
            '$' if chars.get(i + 1) == Some(&'{') && chars.get(i + 2) == Some(&'{') => {
                // A GitHub expression, spaces and all.
                let w = word.get_or_insert(Word {
                    text: String::new(),
                    dynamic: false,
                });
                w.dynamic = true;
                while i < chars.len() && !(chars[i] == '}' && chars.get(i + 1) == Some(&'}')) {
                    w.text.push(chars[i]);
                    i += 1;
                }
                w.text.push_str("}}");
                i += 2;
            }
            '$' | '`' | '(' | ')' | '<' | '>' => {
                let w = word.get_or_insert(Word {
                    text: String::new(),
                    dynamic: false,
                });
                w.dynamic = true;
                w.text.push(c);
                i += 1;
            }
            _ => {
                word.get_or_insert(Word {
                    text: String::new(),
                    dynamic: false,
                })
                .text
                .push(c);
                i += 1;
            }
        }
    }
    end_word(&mut word, &mut cur);
    if !cur.is_empty() {
        cmds.push(cur);
    }
    cmds
}

/// Options of `docker build` that take a value.
const VALUE_OPTIONS: &[&str] = &[
    "--add-host",
    "--allow",
    "--annotation",
    "--attest",
    "--build-context",
    "--builder",
    "--cache-from",
    "--cache-to",
    "--call",
    "--cgroup-parent",
    "--cpu-period",
    "--cpu-quota",
    "--cpu-shares",
    "--cpuset-cpus",
    "--cpuset-mems",
    "--iidfile",
    "--isolation",
    "--label",
    "--memory",
    "-m",
    "--memory-swap",
    "--metadata-file",
    "--network",
    "--no-cache-filter",
    "--output",
    "-o",
    "--platform",
    "--progress",
    "--provenance",
    "--sbom",
    "--secret",
    "--security-opt",
    "--shm-size",
    "--ssh",
    "--ulimit",
];
/// Options of `docker build` that take none.
const FLAGS: &[&str] = &[
    "--push",
    "--load",
    "--no-cache",
    "--pull",
    "-q",
    "--quiet",
    "--rm",
    "--force-rm",
    "--squash",
    "--compress",
    "--check",
    "--debug",
    "-D",
];

/// The `docker build` command lines of a `run:` script, run in `cwd`.
fn run_script(script: &str, cwd: &Path, origin: &str) -> Vec<BuildConfig> {
    let mut cwd: Option<PathBuf> = Some(cwd.to_path_buf());
    let mut out = Vec::new();
    for words in commands(script) {
        let mut w: &[Word] = &words;
        while w
            .first()
            .is_some_and(|x| x.text == "sudo" || (x.text.contains('=') && !x.text.starts_with('-')))
        {
            w = &w[1..];
        }
        let Some(first) = w.first() else { continue };
        if first.text == "cd" {
            cwd = match (w.get(1), &cwd) {
                (Some(d), Some(c)) if !d.dynamic && w.len() == 2 => {
                    Some(super::clean(&c.join(&d.text)))
                }
                _ => None,
            };
            continue;
        }
        if first.text != "docker" {
            continue;
        }
        let rest = match (
            w.get(1).map(|x| x.text.as_str()),
            w.get(2).map(|x| x.text.as_str()),
        ) {
            (Some("build"), _) => &w[2..],
            (Some("buildx" | "image"), Some("build")) => &w[3..],
            _ => continue,
        };
        let Some(cwd) = &cwd else { continue };
        if let Some(c) = docker_build(rest, cwd, origin) {
            out.push(c);
        }
    }
    out
}

/// One `docker build` command line's options and context.
fn docker_build(words: &[Word], cwd: &Path, origin: &str) -> Option<BuildConfig> {
    let mut file: Option<Word> = None;
    let mut target: Option<Word> = None;
    let mut tags: Vec<String> = Vec::new();
    let mut build_args: Vec<String> = Vec::new();
    let mut unknown_args: Vec<String> = Vec::new();
    let mut positional: Vec<&Word> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let w = word.text.as_str();
        if !w.starts_with('-') || w == "-" {
            positional.push(word);
            i += 1;
            continue;
        }
        let (name, inline) = match w.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v)),
            _ => (w, None),
        };
        let value_option = matches!(
            name,
            "-f" | "--file" | "-t" | "--tag" | "--build-arg" | "--target"
        ) || VALUE_OPTIONS.contains(&name);
        if !value_option {
            if FLAGS.contains(&name) || inline.is_some() {
                i += 1;
                continue;
            }
            return None;
        }
        // The value: after `=`, or the next word.
        let value: Word = if let Some(v) = inline {
            Word {
                text: v.to_string(),
                dynamic: word.dynamic,
            }
        } else {
            i += 1;
            words.get(i)?.clone()
        };
        i += 1;
        match name {
            "-f" | "--file" => file = Some(value),
            "--target" => target = Some(value),
            "-t" | "--tag" if !value.dynamic => tags.push(value.text),
            "--build-arg" => match value.text.split_once('=') {
                Some((k, v)) if !k.is_empty() && !k.contains('$') => {
                    if value.dynamic {
                        unknown_args.push(k.to_string());
                    } else {
                        build_args.push(format!("{k}={v}"));
                    }
                }
                _ => {
                    if !value.text.contains('$') {
                        unknown_args.push(value.text.clone());
                    }
                }
            },
            _ => {}
        }
    }
    let [context] = positional[..] else {
        return None;
    };
    if context.dynamic || !super::local_path(&context.text) {
        return None;
    }
    let context = super::clean(&cwd.join(&context.text));
    let dockerfile = match file {
        Some(f) if f.dynamic || !super::local_path(&f.text) => return None,
        Some(f) => super::clean(&cwd.join(&f.text)),
        None => context.join("Dockerfile"),
    };
    let target = match target {
        Some(t) if t.dynamic => return None,
        Some(t) => Some(t.text.clone()),
        None => None,
    };
    Some(BuildConfig {
        origin: origin.to_string(),
        dockerfile,
        context,
        args: build_args
            .iter()
            .filter_map(|a| a.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        unknown_args,
        target,
        tags,
        run_init: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_push_action_and_run() {
        let text = r#"
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Build
        uses: docker/build-push-action@v6
        with:
          context: .
          file: ./debian/Dockerfile
          target: runtime
          build-args: |
            VERSION=1.2
            SHA=${{ github.sha }}
          tags: |
            org/app:latest
            org/app:${{ github.ref_name }}
  cli:
    runs-on: ubuntu-latest
    defaults:
      run:
        working-directory: services
    steps:
      - run: |
          cd api && docker buildx build -f docker/Dockerfile \
            --build-arg "PY=3.12" --build-arg TOKEN=$TOKEN \
            -t org/api:dev --platform linux/amd64 --push .
      - run: docker build -t x "${{ matrix.dir }}"
      - run: docker build --made-up-flag x .
"#;
        let c = parse(".github/workflows/ci.yml", text, Path::new("/r")).expect("valid");
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(
            c[0].origin,
            ".github/workflows/ci.yml job \"image\" step \"Build\""
        );
        assert_eq!(c[0].context, PathBuf::from("/r"));
        assert_eq!(c[0].dockerfile, PathBuf::from("/r/debian/Dockerfile"));
        assert_eq!(c[0].target.as_deref(), Some("runtime"));
        assert_eq!(c[0].args, vec![("VERSION".to_string(), "1.2".to_string())]);
        assert_eq!(c[0].unknown_args, vec!["SHA".to_string()]);
        assert_eq!(c[0].tags, vec!["org/app:latest".to_string()]);
        assert_eq!(c[1].context, PathBuf::from("/r/services/api"));
        assert_eq!(
            c[1].dockerfile,
            PathBuf::from("/r/services/api/docker/Dockerfile")
        );
        assert_eq!(c[1].args, vec![("PY".to_string(), "3.12".to_string())]);
        assert_eq!(c[1].unknown_args, vec!["TOKEN".to_string()]);
        assert_eq!(c[1].tags, vec!["org/api:dev".to_string()]);
        assert_eq!(c[1].origin, ".github/workflows/ci.yml job \"cli\" step 1");
    }

    /// GitHub's docker-publish starter workflow as a project uses it
    /// (davidindra/acme-dns at e59a5c235cd5a11f38da9c3c192f6eab075c38a7):
    /// tags from docker/metadata-action are not known.
    #[test]
    fn real_starter_workflow() {
        let Some(text) = crate::project::mirrored(
            "davidindra/acme-dns",
            "e59a5c235cd5a11f38da9c3c192f6eab075c38a7",
            ".github/workflows/docker-publish.yml",
        ) else {
            return;
        };
        let text = text.as_str();
        let c = parse(
            ".github/workflows/docker-publish.yml",
            text,
            Path::new("/r"),
        )
        .expect("valid");
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(
            c[0].origin,
            ".github/workflows/docker-publish.yml job \"build\" step \"Build and push Docker image\""
        );
        assert_eq!(c[0].context, PathBuf::from("/r"));
        assert_eq!(c[0].dockerfile, PathBuf::from("/r/Dockerfile"));
        assert!(c[0].tags.is_empty());
        // `echo "${TAGS}" | xargs ... cosign sign` is no docker build.
    }

    #[test]
    fn bad_yaml_is_a_warning() {
        let e = parse("w.yml", "jobs:\n  a: {\n", Path::new("/r")).expect_err("bad");
        assert_eq!(e.path, "w.yml");
        assert!(e.line > 0);
    }
}
