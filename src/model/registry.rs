//! Base images read from an OCI registry (`--images registry`): the
//! distribution API. Being written (issue 17): this is the interface only.

use std::path::PathBuf;
use std::time::Duration;

pub struct Options {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
    pub cache_dir: Option<PathBuf>,
    pub docker_config: Option<PathBuf>,
    pub deadline: Duration,
}

impl Options {
    #[must_use]
    pub fn host() -> Options {
        Options {
            os: "linux".into(),
            arch: "amd64".into(),
            variant: None,
            cache_dir: None,
            docker_config: None,
            deadline: Duration::from_secs(60),
        }
    }
}

pub struct Pulled {
    pub reference: String,
    pub digest: String,
    pub config: serde_json::Value,
    pub files: Vec<(String, Entry)>,
}

pub struct Entry {
    pub link: Option<String>,
    pub data: Option<Vec<u8>>,
    pub mode: u32,
}

/// # Errors
/// Always, for now.
pub fn pull(
    _reference: &str,
    _wanted: &dyn Fn(&serde_json::Value) -> Vec<String>,
    _opts: &Options,
) -> Result<Pulled, String> {
    Err("not yet".into())
}
