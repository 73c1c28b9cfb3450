//! The build context: which file of it (or which heredoc of the Dockerfile)
//! ends up at a path in the image, through COPY and ADD.

use super::{CopyOp, Stage};
use crate::syntax::{Args, Dockerfile, Kind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Read access to the build context, with in-memory replacements.
pub struct ContextFs<'a> {
    pub root: Option<PathBuf>,
    pub overlay: &'a HashMap<PathBuf, String>,
}

impl ContextFs<'_> {
    /// The on-disk path of a context-relative path.
    pub fn disk(&self, rel: &str) -> Option<PathBuf> {
        let root = self.root.as_ref()?;
        let rel = rel.trim_start_matches("./").trim_start_matches('/');
        // Never leave the context.
        if Path::new(rel)
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return None;
        }
        Some(if rel.is_empty() || rel == "." {
            root.clone()
        } else {
            root.join(rel)
        })
    }

    pub fn is_file(&self, rel: &str) -> bool {
        self.disk(rel)
            .is_some_and(|p| self.overlay.contains_key(&p) || p.is_file())
    }

    pub fn is_dir(&self, rel: &str) -> bool {
        self.disk(rel).is_some_and(|p| p.is_dir())
    }

    /// The text of a context file: `Err` with a reason when it cannot be read
    /// as text.
    pub fn read(&self, rel: &str) -> Option<Result<String, String>> {
        let p = self.disk(rel)?;
        if let Some(t) = self.overlay.get(&p) {
            return Some(Ok(t.clone()));
        }
        let bytes = match std::fs::File::open(&p).and_then(crate::files::read_limited) {
            Ok(Some(b)) => b,
            Ok(None) => return Some(Err(crate::files::too_large_message(None))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => return Some(Err(e.to_string())),
        };
        if bytes.contains(&0) {
            return Some(Err("binary file".into()));
        }
        Some(String::from_utf8(bytes).map_err(|e| {
            format!(
                "invalid UTF-8 at byte offset {}",
                e.utf8_error().valid_up_to()
            )
        }))
    }

    /// Whether the context file has an execute bit (`None` when unknown).
    pub fn is_executable(&self, rel: &str) -> Option<bool> {
        let p = self.disk(rel)?;
        let meta = std::fs::metadata(p).ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            Some(meta.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }

    /// Context files matching a COPY source pattern (`*`, `?`, `[...]` in the
    /// last component only), sorted.
    fn glob(&self, pattern: &str) -> Vec<String> {
        let pattern = pattern.trim_start_matches("./").trim_start_matches('/');
        if !pattern.contains(['*', '?', '[']) {
            return vec![pattern.to_string()];
        }
        let (dir, pat) = match pattern.rfind('/') {
            Some(i) => (&pattern[..i], &pattern[i + 1..]),
            None => ("", pattern),
        };
        let Some(d) = self.disk(if dir.is_empty() { "." } else { dir }) else {
            return vec![];
        };
        let mut out: Vec<String> = std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| glob_match(pat, n))
            .map(|n| {
                if dir.is_empty() {
                    n
                } else {
                    format!("{dir}/{n}")
                }
            })
            .collect();
        out.sort();
        out
    }
}

/// Shell-style glob match of one path component (`*`, `?`, `[a-z]`,
/// `[!x]`). Iterative, backtracking only to the last `*`: O(pattern x name),
/// where the recursive form was exponential in the number of stars
/// (`COPY *a*a*a*a*a*a*b .` against a long name).
pub fn glob_match(pat: &str, name: &str) -> bool {
    /// Does the one-character item at `p[i]` match `c`? Its length if so.
    fn item(p: &[char], i: usize, c: char) -> Option<usize> {
        match p[i] {
            '?' => Some(1),
            '[' => {
                let end = i + p[i..].iter().position(|&x| x == ']')?;
                if end == i + 1 {
                    return None; // `[]`: matches nothing
                }
                crate::config::class_matches(&p[i + 1..end], c).then_some(end + 1 - i)
            }
            x => (x == c).then_some(1),
        }
    }
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut i, mut j) = (0, 0);
    // The last `*` seen and the name position it is matched up to.
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
            continue;
        }
        if i < p.len() {
            if let Some(len) = item(&p, i, n[j]) {
                i += len;
                j += 1;
                continue;
            }
        }
        match star {
            // Let the last `*` take one more character and retry.
            Some((si, sj)) => {
                star = Some((si, sj + 1));
                i = si + 1;
                j = sj + 1;
            }
            None => return false,
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// Where a file in the image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file of the build context (path relative to the context).
    Context { rel: String, copy: usize },
    /// A heredoc of the Dockerfile (`COPY <<EOF /start.sh`).
    Heredoc { instruction: usize, heredoc: usize },
    /// COPY names a context file that does not exist.
    Missing { rel: String, copy: usize },
    /// Copied from another stage or image (`COPY --from=...`).
    OtherStage { from: String, copy: usize },
    /// Not copied by this Dockerfile: from the base image, or made by RUN.
    NotCopied,
}

/// `/a/./b/` → `/a/b`.
pub fn normalize(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// A COPY/ADD destination as an absolute, normalised image path.
pub fn absolute(dest: &str, workdir: Option<&str>) -> String {
    if dest.starts_with('/') {
        normalize(dest)
    } else {
        normalize(&format!("{}/{}", workdir.unwrap_or("/"), dest))
    }
}

fn basename(p: &str) -> &str {
    p.trim_end_matches('/').rsplit('/').next().unwrap_or(p)
}

/// Which copy provides `image_path` in `stage`, and from where.
pub fn locate(image_path: &str, stage: &Stage, df: &Dockerfile, fs: &ContextFs) -> Origin {
    let want = normalize(image_path);
    for copy in stage.copies.iter().rev() {
        if let Some(o) = locate_in_copy(&want, copy, df, fs) {
            return o;
        }
    }
    Origin::NotCopied
}

fn locate_in_copy(want: &str, copy: &CopyOp, df: &Dockerfile, fs: &ContextFs) -> Option<Origin> {
    let dest = absolute(&copy.dest, copy.workdir.as_deref());
    let count = copy.sources.len() + copy.heredocs.len();
    let globbed = copy.sources.iter().any(|s| s.contains(['*', '?', '[']));
    let dest_is_dir_hint = copy.dest.ends_with('/') || count > 1 || globbed;
    // Heredoc sources: the file is named after the heredoc when dest is a dir.
    for (hi, name) in copy.heredocs.iter().enumerate() {
        let target = if dest_is_dir_hint {
            format!("{}/{}", dest.trim_end_matches('/'), name)
        } else {
            dest.clone()
        };
        if normalize(&target) == want {
            let h = df.instructions[copy.at]
                .heredocs
                .iter()
                .position(|h| &h.name == name)
                .unwrap_or(hi);
            return Some(Origin::Heredoc {
                instruction: copy.at,
                heredoc: h,
            });
        }
    }
    if let Some(from) = &copy.from {
        for src in &copy.sources {
            let target = if dest_is_dir_hint {
                format!("{dest}/{}", basename(src))
            } else {
                dest.clone()
            };
            if normalize(&target) == want
                || want.starts_with(&format!("{}/", dest.trim_end_matches('/')))
            {
                return Some(Origin::OtherStage {
                    from: from.clone(),
                    copy: copy.at,
                });
            }
        }
        return None;
    }
    for pattern in &copy.sources {
        if pattern.contains("://") {
            continue; // ADD of a URL
        }
        let matches = fs.glob(pattern);
        for src in &matches {
            if fs.is_dir(src) {
                // A directory's contents are copied into dest.
                let prefix = format!("{}/", dest.trim_end_matches('/'));
                if let Some(rest) = want.strip_prefix(&prefix) {
                    let rel = format!("{}/{}", src.trim_end_matches('/'), rest);
                    if fs.is_file(&rel) {
                        return Some(Origin::Context { rel, copy: copy.at });
                    }
                }
                continue;
            }
            // `COPY a.sh /root` copies into /root when /root is a directory of
            // the base image, which dsig cannot see: a path that the CMD names
            // as dest/a.sh says it is one.
            let into_dir = normalize(&format!("{dest}/{}", basename(src)));
            let hit = if dest_is_dir_hint {
                into_dir == want
            } else {
                normalize(&dest) == want || into_dir == want
            };
            if hit {
                if fs.is_file(src) {
                    return Some(Origin::Context {
                        rel: src.clone(),
                        copy: copy.at,
                    });
                }
                if fs.root.is_some() && !pattern.contains(['*', '?', '[']) {
                    return Some(Origin::Missing {
                        rel: src.clone(),
                        copy: copy.at,
                    });
                }
            }
        }
    }
    None
}

/// Whether the Dockerfile makes `image_path` executable: `--chmod` on its
/// COPY, or a RUN `chmod` naming it (or its directory) with an execute mode.
pub fn made_executable(image_path: &str, copy_at: Option<usize>, df: &Dockerfile) -> bool {
    if let Some(at) = copy_at {
        if let Some(v) = df.instructions[at]
            .flag("chmod")
            .and_then(|f| f.value.clone())
        {
            if mode_is_executable(&v) {
                return true;
            }
        }
    }
    let want = normalize(image_path);
    let base = basename(&want).to_string();
    df.instructions
        .iter()
        .filter(|i| i.kind == Kind::Run)
        .any(|i| {
            let text = match &i.args {
                Args::Shell { text, .. } => text.value.clone(),
                Args::Exec(w) => w
                    .iter()
                    .map(|w| w.value.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => return false,
            };
            text.split(['&', ';', '|', '\n']).any(|cmd| {
                let words: Vec<&str> = cmd.split_whitespace().collect();
                let Some(pos) = words.iter().position(|w| *w == "chmod") else {
                    return false;
                };
                let args = &words[pos + 1..];
                let mode_ok = args.iter().any(|a| mode_is_executable(a));
                mode_ok
                    && args.iter().any(|a| {
                        let a = a.trim_matches(['"', '\'']);
                        a == want
                            || a.ends_with(&format!("/{base}"))
                            || a == base
                            || (a.contains('*')
                                && want.starts_with(a.split('*').next().unwrap_or("\0")))
                            || (!a.starts_with('-')
                                && a.starts_with('/')
                                && want.starts_with(&format!("{}/", a.trim_end_matches('/')))
                                && args.contains(&"-R"))
                    })
            })
        })
}

fn mode_is_executable(m: &str) -> bool {
    let m = m.trim_matches(['"', '\'']);
    if m.chars().all(|c| c.is_ascii_digit()) && !m.is_empty() {
        return m.chars().any(|c| matches!(c, '1' | '3' | '5' | '7'));
    }
    m.contains("+x")
        || m.contains("=x")
        || m.contains("+rx")
        || m.contains("+rwx")
        || m.contains("=rx")
        || m.contains("=rwx")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One component globs, checked against the config's glob (the same
    /// language within a path component), and patterns with many stars that
    /// took exponential time before (this test did not finish).
    #[test]
    fn component_globs_agree_with_config_globs_and_stay_fast() {
        let names = [
            "",
            "a",
            "ab",
            "start.sh",
            "entry1.sh",
            "x.y.z",
            "[a]",
            "aaaa",
        ];
        let pats = [
            "",
            "*",
            "?",
            "a*",
            "*b",
            "*.sh",
            "s*t*.sh",
            "entry[0-9].sh",
            "entry[!0-9].sh",
            "?????",
            "*.*.*",
            "a*a*a",
            "**",
            "[a-c]*",
            "*[!a]*",
        ];
        for p in pats {
            for n in names {
                let want = crate::config::glob_match(p, n);
                assert_eq!(glob_match(p, n), want, "{p:?} ~ {n:?}");
            }
        }
        let name = "a".repeat(250);
        let pat = format!("{}b", "*a".repeat(30));
        assert!(!glob_match(&pat, &name));
        assert!(!crate::config::glob_match(&pat, &name));
        assert!(glob_match(&format!("{}a", "*a".repeat(30)), &name));
    }

    #[test]
    fn globs_and_paths() {
        assert!(glob_match("*.sh", "start.sh"));
        assert!(glob_match("entry[0-9].sh", "entry1.sh"));
        assert!(!glob_match("*.sh", "start.py"));
        assert_eq!(normalize("/a/./b//c/../d/"), "/a/b/d");
        assert!(
            mode_is_executable("755") && mode_is_executable("+x") && mode_is_executable("a+rx")
        );
        assert!(!mode_is_executable("644"));
    }
}
