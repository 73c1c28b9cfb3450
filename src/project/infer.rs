//! The build context when no build file names one: the Dockerfile's
//! directory if every file its COPY and ADD take from the context is there,
//! else the directory above it (up to the repository root) that holds more
//! of them than any other, the nearest on a tie. Docker needs them all, so
//! that is where the build works from (Graylog's `hooks/build` runs `docker build
//! --file docker/oss/Dockerfile .` from the root; zipkin's `COPY
//! docker/start-zipkin ...`). It stays an assumption (`context_known` is
//! false): a file missing everywhere is still reported.

use std::path::{Path, PathBuf};

/// At most this many sources are looked at (a hostile file may have more).
const MAX_SOURCES: usize = 256;

/// The inferred context, when it is not the Dockerfile's directory.
/// `dockerfile` and `root` are absolute and clean.
#[must_use]
pub fn context_above(dockerfile: &Path, root: &Path, build: &crate::Build) -> Option<PathBuf> {
    let text = crate::files::read_file(dockerfile, &dockerfile.display().to_string()).ok()?;
    let df = crate::syntax::parse(&text).ok()?;
    // Its own COPY sources: the images of the project it may be built FROM
    // are not modelled.
    let own = crate::Build {
        images: std::sync::Arc::default(),
        ..build.clone()
    };
    let image = crate::model::Image::from_dockerfile_with(&df, &own);
    let mut sources: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    'stages: for st in &image.stages {
        // The stage's own copies (those of the stages it is built FROM come
        // after them, newest first): each COPY is looked at once.
        for copy in st.copies.rev_iter().take_while(|c| c.at > st.from_at) {
            if copy.from.is_some() || copy.unknown {
                continue;
            }
            for s in &copy.sources {
                if s.contains("://") || s.starts_with("git@") {
                    continue;
                }
                // The literal directories before any wildcard.
                let literal: Vec<&str> = s
                    .trim_start_matches('/')
                    .split('/')
                    .take_while(|c| !c.contains(['*', '?', '[']))
                    .filter(|c| !c.is_empty() && *c != ".")
                    .collect();
                if literal.is_empty() || literal.contains(&"..") {
                    continue;
                }
                let rel = literal.join("/");
                if seen.insert(rel.clone()) {
                    sources.push(rel);
                }
                if sources.len() >= MAX_SOURCES {
                    break 'stages;
                }
            }
        }
    }
    if sources.is_empty() {
        return None;
    }
    // Where the most sources are (a build output that is nowhere yet, say
    // `release-packages/*.deb`, counts nowhere); the nearest on a tie.
    let present = |dir: &Path| {
        sources
            .iter()
            .filter(|s| std::fs::symlink_metadata(dir.join(s)).is_ok())
            .count()
    };
    let own = dockerfile.parent()?;
    let here = present(own);
    if here == sources.len() {
        return None;
    }
    let mut best: Option<(usize, &Path)> = None;
    for d in own.ancestors().skip(1).take_while(|d| d.starts_with(root)) {
        let n = present(d);
        if n > here && best.is_none_or(|(b, _)| n > b) {
            best = Some((n, d));
        }
    }
    best.map(|(_, d)| d.to_path_buf())
}
