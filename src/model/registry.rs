//! Base images read from an OCI registry (`--images registry`, issue 17):
//! the distribution API v2, as far as dsig needs it.
//!
//! [`pull`] resolves a reference to the image manifest of one platform,
//! reads its config, and reads the files that the caller names from the
//! layers (symlinks followed across layers, whiteouts applied). It never
//! keeps whole layers: a layer is downloaded once into a temporary file
//! (sha256 checked while it streams), read, and deleted; what was read of it
//! is kept in the cache under the layer's digest.
//!
//! The cache (under [`Options::cache_dir`]) is `registry/manifests/<hex>`
//! and `registry/blobs/<hex>` (configs), both checked against their digest
//! when read, `registry/layers/<hex>` (what was read of a layer: JSON, at
//! most 32 MiB, else not kept) and `registry/tmp/` (layers being read;
//! removed at the end of a pull, or an hour later by the next one). Every
//! write is a temporary file renamed into place; a file that does not parse
//! or match is ignored. A tag is always asked to the registry; a digest
//! reference whose records cover the wanted paths needs no request.
//!
//! The registry is not trusted: every manifest, config and layer fetched by
//! digest is checked against it, every body has a size cap, the pull has a
//! deadline and a bounded number of requests, and no credential or token
//! ever goes into an error message or the cache.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, BufRead, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The most read of one file (the rest is cut off).
pub const MAX_FILE: usize = 8 << 20;
/// The most wanted paths read per image.
pub const MAX_WANTED: usize = 64;
/// Symlinks followed per path.
const MAX_HOPS: usize = 8;
const MAX_MANIFEST: u64 = 4 << 20;
const MAX_CONFIG: u64 = 8 << 20;
const MAX_LAYER: u64 = 2 << 30;
const MAX_UNPACKED: u64 = 8 << 30;
const MAX_TOKEN_BODY: u64 = 1 << 20;
const MAX_DOCKER_CONFIG: u64 = 1 << 20;
/// A GNU long name or link in a layer's tar.
const MAX_TAR_NAME: u64 = 64 << 10;
/// A PAX header in a layer's tar.
const MAX_TAR_PAX: u64 = 1 << 20;
const MAX_LAYERS: usize = 256;
/// HTTP requests per pull, redirects and token requests included.
const MAX_REQUESTS: u32 = 400;
const MAX_REDIRECTS: usize = 5;
/// Symlinks and whiteouts recorded per layer.
const MAX_LINKS: usize = 200_000;
/// Entries of one layer (their path hashes are kept).
const MAX_ENTRIES: usize = 2_000_000;
/// File content held in memory per pull (all layers).
const MAX_DATA: usize = 256 << 20;
/// A cache record of one layer larger than this is not written.
const MAX_RECORD: usize = 32 << 20;
/// Paths a cache record remembers having looked for.
const MAX_LOOKED: usize = 4096;
/// Rounds of layer reading (each round looks for the paths that symlinks
/// led to in the round before).
const MAX_ROUNDS: usize = 6;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// From the request sent to the answer's head (a body may take longer,
/// within the pull's deadline).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
/// Temporary layer files older than this in the cache (left by a killed
/// run) are removed.
const STALE_TEMP: Duration = Duration::from_secs(3600);
const HELPER_TIMEOUT: Duration = Duration::from_secs(10);
const RECORD_VERSION: u32 = 2;

const MT_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const MT_DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const MT_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const MT_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// What to pull and where to keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// linux + host arch (Docker's names: amd64, arm64 + variant "v8", arm + "v7", 386, ...).
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
    /// On-disk cache root (None: no cache). Default from `default_cache_dir()`.
    pub cache_dir: Option<PathBuf>,
    /// Docker's config.json for credentials (None: none). Default from
    /// `default_docker_config()`: $DOCKER_CONFIG/config.json, else
    /// ~/.docker/config.json.
    pub docker_config: Option<PathBuf>,
    /// Whole-pull deadline (default 60 s); each request also has its own timeout.
    pub deadline: Duration,
}

impl Options {
    /// The host's platform as Docker names it, with the default cache,
    /// credentials and deadline.
    #[must_use]
    pub fn host() -> Options {
        let (arch, variant) = match std::env::consts::ARCH {
            "x86_64" => ("amd64", None),
            "aarch64" => ("arm64", Some("v8")),
            "arm" => ("arm", Some("v7")),
            "x86" => ("386", None),
            "powerpc64" => ("ppc64le", None),
            "riscv64" => ("riscv64", None),
            "s390x" => ("s390x", None),
            "loongarch64" => ("loong64", None),
            other => (other, None),
        };
        Options {
            os: "linux".to_string(),
            arch: arch.to_string(),
            variant: variant.map(str::to_string),
            cache_dir: default_cache_dir(),
            docker_config: default_docker_config(),
            deadline: Duration::from_secs(60),
        }
    }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// $DSIG_CACHE_DIR, else $XDG_CACHE_HOME/dsig, else ~/.cache/dsig.
#[must_use]
pub fn default_cache_dir() -> Option<PathBuf> {
    env_path("DSIG_CACHE_DIR")
        .or_else(|| env_path("XDG_CACHE_HOME").map(|d| d.join("dsig")))
        .or_else(|| env_path("HOME").map(|h| h.join(".cache").join("dsig")))
}

/// $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
#[must_use]
pub fn default_docker_config() -> Option<PathBuf> {
    env_path("DOCKER_CONFIG")
        .map(|d| d.join("config.json"))
        .or_else(|| env_path("HOME").map(|h| h.join(".docker").join("config.json")))
}

/// What was read of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulled {
    /// Normalized: "docker.io/library/redis:7", "127.0.0.1:5000/x/y:1".
    pub reference: String,
    /// Digest of the image manifest used (the platform's, under an index).
    pub digest: String,
    /// The image config's "config" object (Entrypoint, Cmd, Env, ...); Null if absent.
    pub config: Value,
    /// One per wanted path, in the order asked.
    pub files: Vec<(String, Entry)>,
}

/// One wanted path of the image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    /// When the path itself is a symlink: its target as stored (e.g. "dash", "/bin/busybox").
    pub link: Option<String>,
    /// Content of the regular file the path resolves to (symlinks followed,
    /// absolute and relative, max 8 hops), at most [`MAX_FILE`] bytes
    /// (truncated beyond); None when no file there (missing, whiteout'd,
    /// dir, device, or link dangling).
    pub data: Option<Vec<u8>>,
    /// Mode bits of that file (0 when data is None).
    pub mode: u32,
}

/// Pull what dsig needs of one image: the manifest (by platform), its
/// config, and the files `wanted(config)` names (absolute paths; at most 64
/// are read; the callback runs once, on the `config` object). Err(why) is
/// one line for a warning, without secrets.
pub fn pull(
    reference: &str,
    wanted: &dyn Fn(&Value) -> Vec<String>,
    opts: &Options,
) -> Result<Pulled, String> {
    let r = Reference::parse(reference)?;
    let mut session = Session::new(r, opts);
    let result = session.run(wanted);
    session.cleanup();
    result
}

// ---------------------------------------------------------------------------
// References

/// An image reference, normalized as Docker does.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    /// "docker.io", "ghcr.io", "127.0.0.1:5000".
    domain: String,
    /// "library/redis".
    path: String,
    tag: Option<String>,
    /// "sha256:<64 hex>".
    digest: Option<String>,
}

impl Reference {
    fn parse(s: &str) -> Result<Reference, String> {
        let s = s.trim();
        if s.is_empty() || s.len() > 512 {
            return Err("invalid image reference (empty or too long)".to_string());
        }
        let shown = printable(s);
        let (name, digest) = match s.split_once('@') {
            Some((n, d)) => {
                if !is_digest(d) {
                    return Err(format!(
                        "invalid image reference {shown}: only sha256 digests are read"
                    ));
                }
                (n, Some(d.to_string()))
            }
            None => (s, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => {
                let t = &name[last_slash + i + 1..];
                if !valid_tag(t) {
                    return Err(format!("invalid image reference {shown}: bad tag"));
                }
                (&name[..last_slash + i], Some(t.to_string()))
            }
            None => (name, None),
        };
        let (domain, rest) = match name.split_once('/') {
            Some((first, rest))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.chars().any(|c| c.is_ascii_uppercase()) =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        let domain = if domain == "index.docker.io" {
            "docker.io".to_string()
        } else {
            domain
        };
        let path = if domain == "docker.io" && !rest.contains('/') {
            format!("library/{rest}")
        } else {
            rest
        };
        if !valid_domain(&domain) {
            return Err(format!(
                "invalid image reference {shown}: bad registry host"
            ));
        }
        if path.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(format!(
                "invalid image reference {shown}: repository name must be lowercase"
            ));
        }
        if path.len() > 255 || !path.split('/').all(valid_path_component) {
            return Err(format!(
                "invalid image reference {shown}: bad repository name"
            ));
        }
        let tag = if tag.is_none() && digest.is_none() {
            Some("latest".to_string())
        } else {
            tag
        };
        Ok(Reference {
            domain,
            path,
            tag,
            digest,
        })
    }

    fn normalized(&self) -> String {
        let mut s = format!("{}/{}", self.domain, self.path);
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }

    /// Host (and port) of the API: Docker Hub's is registry-1.docker.io.
    fn api_host(&self) -> &str {
        if self.domain == "docker.io" {
            "registry-1.docker.io"
        } else {
            &self.domain
        }
    }

    /// The key of the registry in Docker's config.json.
    fn config_key(&self) -> &str {
        if self.domain == "docker.io" {
            "https://index.docker.io/v1/"
        } else {
            &self.domain
        }
    }
}

fn is_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn valid_tag(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 128
        && !t.starts_with(['.', '-'])
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 255
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
}

fn valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|&x| x.is_ascii_lowercase() || x.is_ascii_digit() || b"._-".contains(&x))
}

/// A reference as shown in a message: control characters replaced.
fn printable(s: &str) -> String {
    s.chars()
        .take(300)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

// ---------------------------------------------------------------------------
// Transport decisions

/// The host of "host", "host:port", "[v6]:port", without the port.
fn host_only(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    }
}

/// localhost, 127.0.0.0/8 or ::1 (Docker's insecure-by-default registries).
fn is_loopback(authority: &str) -> bool {
    let h = host_only(authority);
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match h.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => a.is_loopback(),
        Ok(IpAddr::V6(a)) => {
            a == Ipv6Addr::LOCALHOST
                || a.to_ipv4_mapped()
                    .is_some_and(|v4: Ipv4Addr| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// The scheme of a registry's API: HTTPS, except plain HTTP for a loopback
/// registry (localhost, 127.0.0.0/8, ::1), which Docker treats as insecure
/// by default. Docker tries HTTPS first there and falls back to HTTP; dsig
/// goes to HTTP directly: it trusts public CAs only (webpki roots), which
/// never certify a loopback address, so the HTTPS try could not succeed and
/// would cost a handshake with a server that may not answer it. Any other
/// registry is HTTPS only; plain HTTP to it is never sent (see
/// [`Url::allowed`], which also guards redirects and token realms).
fn scheme_for(authority: &str) -> &'static str {
    if is_loopback(authority) {
        "http"
    } else {
        "https"
    }
}

/// A parsed absolute http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    scheme: String,
    authority: String,
    /// Path and query, starting with '/'.
    rest: String,
}

impl Url {
    fn parse(s: &str) -> Option<Url> {
        let (scheme, after) = s.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let authority = &after[..end];
        if authority.is_empty() || authority.contains('@') || !valid_domain(authority) {
            return None;
        }
        let mut rest = after[end..].split('#').next().unwrap_or("").to_string();
        if !rest.starts_with('/') {
            rest.insert(0, '/');
        }
        if rest.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return None;
        }
        Some(Url {
            scheme,
            authority: authority.to_ascii_lowercase(),
            rest,
        })
    }

    /// `location` (absolute, scheme-relative or path-absolute) against self.
    fn join(&self, location: &str) -> Option<Url> {
        if location.contains("://") {
            Url::parse(location)
        } else if let Some(r) = location.strip_prefix("//") {
            Url::parse(&format!("{}://{r}", self.scheme))
        } else if location.starts_with('/') {
            Url::parse(&format!("{}://{}{location}", self.scheme, self.authority))
        } else {
            None
        }
    }

    fn same_origin(&self, other: &Url) -> bool {
        self.scheme == other.scheme && self.authority == other.authority
    }

    /// HTTPS anywhere; plain HTTP only to a loopback host.
    fn allowed(&self) -> bool {
        self.scheme == "https" || (self.scheme == "http" && is_loopback(&self.authority))
    }

    fn text(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.rest)
    }
}

// ---------------------------------------------------------------------------
// Credentials and authentication

/// An `Authorization` value; never shown.
#[derive(Clone, Default)]
enum Auth {
    #[default]
    None,
    Basic(String),
    Bearer(String),
}

impl Auth {
    fn header(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Basic(b) => Some(format!("Basic {b}")),
            Auth::Bearer(t) => Some(format!("Bearer {t}")),
        }
    }
}

/// User and password (or secret) for a registry, or an identity token
/// (an OAuth2 refresh token); never shown.
#[derive(Clone)]
struct Creds {
    user: String,
    pass: String,
    identity: Option<String>,
}

impl Creds {
    fn basic(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", self.user, self.pass))
    }
}

/// The hostname part of a config.json key ("https://index.docker.io/v1/" →
/// "index.docker.io").
fn key_host(key: &str) -> String {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    k.split('/').next().unwrap_or("").to_ascii_lowercase()
}

/// Credentials for `r` from Docker's config.json: `credHelpers[host]`, then
/// `auths` (the key as Docker writes it, or any key naming the same host),
/// then `credsStore`. None when there are none or they cannot be read.
fn lookup_creds(config: &Path, r: &Reference, deadline: Instant) -> Option<Creds> {
    let text = read_capped(config, MAX_DOCKER_CONFIG)?;
    let doc: Value = serde_json::from_slice(&text).ok()?;
    let key = r.config_key();
    let hosts: Vec<String> = if r.domain == "docker.io" {
        ["index.docker.io", "docker.io", "registry-1.docker.io"]
            .iter()
            .map(|s| (*s).to_string())
            .collect()
    } else {
        vec![r.domain.to_ascii_lowercase()]
    };
    let matches = |k: &str| k == key || hosts.contains(&key_host(k));
    if let Some(helpers) = doc.get("credHelpers").and_then(Value::as_object) {
        if let Some(name) = helpers
            .iter()
            .find(|(k, _)| matches(k))
            .and_then(|(_, v)| v.as_str())
        {
            return run_helper(name, key, deadline);
        }
    }
    if let Some(auths) = doc.get("auths").and_then(Value::as_object) {
        let entry = auths
            .get(key)
            .or_else(|| auths.iter().find(|(k, _)| matches(k)).map(|(_, v)| v));
        if let Some(c) = entry.and_then(creds_of_entry) {
            return Some(c);
        }
    }
    if let Some(store) = doc.get("credsStore").and_then(Value::as_str) {
        return run_helper(store, key, deadline);
    }
    None
}

fn creds_of_entry(e: &Value) -> Option<Creds> {
    use base64::Engine;
    let identity = e
        .get("identitytoken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    if let Some(a) = e
        .get("auth")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty())
    {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(a.trim())
            .ok()?;
        let s = String::from_utf8(raw).ok()?;
        let (user, pass) = s.split_once(':')?;
        return Some(Creds {
            user: user.to_string(),
            pass: pass.to_string(),
            identity,
        });
    }
    let user = e.get("username").and_then(Value::as_str).unwrap_or("");
    let pass = e.get("password").and_then(Value::as_str).unwrap_or("");
    (!user.is_empty() || identity.is_some()).then(|| Creds {
        user: user.to_string(),
        pass: pass.to_string(),
        identity,
    })
}

/// `docker-credential-NAME get` with the server on stdin, bounded in time
/// and output; its stderr is dropped (it is not shown). `Username:
/// "<token>"` makes the secret an identity token.
fn run_helper(name: &str, server: &str, deadline: Instant) -> Option<Creds> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return None;
    }
    let mut cmd = Command::new(format!("docker-credential-{name}"));
    cmd.arg("get");
    run_credential_program(cmd, server, deadline)
}

/// Runs a credential helper (`cmd` with its arguments): the server on
/// stdin, JSON `Username`/`Secret` on stdout, at most [`HELPER_TIMEOUT`]
/// (and never past the pull's deadline; then it is killed).
fn run_credential_program(cmd: Command, server: &str, deadline: Instant) -> Option<Creds> {
    let limit = HELPER_TIMEOUT.min(deadline.saturating_duration_since(Instant::now()));
    let out = crate::docker::run_bounded(cmd, Some(server.as_bytes()), limit, 64 << 10)
        .ok()?
        .stdout;
    let v: Value = serde_json::from_slice(&out).ok()?;
    let user = v.get("Username").and_then(Value::as_str)?;
    let pass = v.get("Secret").and_then(Value::as_str)?;
    if user == "<token>" && !pass.is_empty() {
        return Some(Creds {
            user: String::new(),
            pass: String::new(),
            identity: Some(pass.to_string()),
        });
    }
    if user.is_empty() {
        return None;
    }
    Some(Creds {
        user: user.to_string(),
        pass: pass.to_string(),
        identity: None,
    })
}

/// A `WWW-Authenticate` challenge: scheme and parameters.
#[derive(Debug, PartialEq, Eq)]
struct Challenge {
    scheme: String,
    params: BTreeMap<String, String>,
}

fn parse_challenge(h: &str) -> Option<Challenge> {
    let h = h.trim();
    let (scheme, mut rest) = match h.find(' ') {
        Some(i) => (&h[..i], h[i + 1..].trim_start()),
        None => (h, ""),
    };
    let mut params = BTreeMap::new();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let key = rest[..eq]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(q) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = q.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    _ => v.push(c),
                }
            }
            value = v;
            rest = &q[end?..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        rest = rest.trim_start().trim_start_matches(',').trim_start();
        params.insert(key, value);
    }
    Some(Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The pull

/// A layer descriptor.
#[derive(Debug, Clone)]
struct Layer {
    digest: String,
    size: u64,
}

struct Session<'o> {
    r: Reference,
    opts: &'o Options,
    agent: ureq::Agent,
    deadline: Instant,
    requests: u32,
    auth: Auth,
    creds: Option<Option<Creds>>,
    /// Downloaded layers (temporary files, deleted at the end).
    temp: BTreeMap<String, PathBuf>,
    data_held: usize,
}

impl<'o> Session<'o> {
    fn new(r: Reference, opts: &'o Options) -> Session<'o> {
        let proxy = if is_loopback(r.api_host()) {
            None
        } else {
            ureq::Proxy::try_from_env()
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("dsig/", env!("CARGO_PKG_VERSION")))
            .accept_encoding(ureq::config::AutoHeaderValue::None)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_recv_response(Some(RESPONSE_TIMEOUT))
            .proxy(proxy)
            .build();
        let start = Instant::now();
        Session {
            r,
            opts,
            agent: config.into(),
            deadline: start + opts.deadline,
            requests: 0,
            auth: Auth::None,
            creds: None,
            temp: BTreeMap::new(),
            data_held: 0,
        }
    }

    fn cleanup(&mut self) {
        for p in std::mem::take(&mut self.temp).into_values() {
            let _ = fs::remove_file(p);
        }
    }

    fn remaining(&self) -> Result<Duration, String> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(format!(
                "{}: the pull took over its deadline of {} s",
                self.r.normalized(),
                self.opts.deadline.as_secs()
            ))
        } else {
            Ok(left)
        }
    }

    fn run(&mut self, wanted: &dyn Fn(&Value) -> Vec<String>) -> Result<Pulled, String> {
        let (manifest, digest) = self.image_manifest()?;
        let config_desc = manifest
            .get("config")
            .ok_or_else(|| self.msg("the image manifest has no config"))?;
        let (config_digest, config_size) = self.descriptor(config_desc)?;
        let config_bytes = self.blob_small(&config_digest, config_size, MAX_CONFIG, "config")?;
        let config_doc: Value = serde_json::from_slice(&config_bytes)
            .map_err(|_| self.msg("the image config is not valid JSON"))?;
        let config = config_doc.get("config").cloned().unwrap_or(Value::Null);
        let config = if config.is_object() {
            config
        } else {
            Value::Null
        };
        let layers = self.layers(&manifest)?;
        let mut paths = wanted(&config);
        paths.truncate(MAX_WANTED);
        let files = if paths.is_empty() {
            Vec::new()
        } else {
            self.read_files(&layers, &paths)?
        };
        Ok(Pulled {
            reference: self.r.normalized(),
            digest,
            config,
            files,
        })
    }

    fn msg(&self, what: &str) -> String {
        format!("{}: {what}", self.r.normalized())
    }

    /// The image manifest of the platform (through an index if there is
    /// one) and its digest.
    fn image_manifest(&mut self) -> Result<(Value, String), String> {
        let top_ref = self
            .r
            .digest
            .clone()
            .or_else(|| self.r.tag.clone())
            .unwrap_or_else(|| "latest".to_string());
        let expect = self.r.digest.clone();
        let (bytes, digest) = self.manifest(&top_ref, expect.as_deref(), None)?;
        let doc = parse_json(&bytes).ok_or_else(|| self.msg("the manifest is not valid JSON"))?;
        match manifest_kind(&doc) {
            Kind::Index => {
                let (d, size) = pick_platform(&doc, self.opts).map_err(|e| self.msg(&e))?;
                let (bytes, digest) = self.manifest(&d, Some(&d), Some(size))?;
                let doc =
                    parse_json(&bytes).ok_or_else(|| self.msg("the manifest is not valid JSON"))?;
                match manifest_kind(&doc) {
                    Kind::Image => Ok((doc, digest)),
                    Kind::Index => Err(self.msg("an index inside an index is not read")),
                    Kind::Other(why) => Err(self.msg(&why)),
                }
            }
            Kind::Image => {
                // A single-platform image: Docker checks its config's
                // platform too, dsig reads it as it is.
                Ok((doc, digest))
            }
            Kind::Other(why) => Err(self.msg(&why)),
        }
    }

    fn descriptor(&self, d: &Value) -> Result<(String, u64), String> {
        let digest = d.get("digest").and_then(Value::as_str).unwrap_or("");
        if !is_digest(digest) {
            return Err(self.msg("a descriptor has no sha256 digest"));
        }
        let size = d.get("size").and_then(Value::as_u64).unwrap_or(u64::MAX);
        Ok((digest.to_string(), size))
    }

    fn layers(&self, manifest: &Value) -> Result<Vec<Layer>, String> {
        let list = match manifest.get("layers") {
            Some(Value::Array(a)) => a,
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(_) => return Err(self.msg("the manifest's layers are not a list")),
        };
        if list.len() > MAX_LAYERS {
            return Err(self.msg(&format!("the image has over {MAX_LAYERS} layers")));
        }
        let mut out = Vec::new();
        for l in list {
            let (digest, size) = self.descriptor(l)?;
            let media_type = l
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let gzip_or_tar = matches!(
                media_type.as_str(),
                "application/vnd.docker.image.rootfs.diff.tar.gzip"
                    | "application/vnd.docker.image.rootfs.diff.tar"
                    | "application/vnd.oci.image.layer.v1.tar"
                    | "application/vnd.oci.image.layer.v1.tar+gzip"
                    | "application/vnd.oci.image.layer.nondistributable.v1.tar"
                    | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
            );
            if !gzip_or_tar {
                return Err(self.msg(&format!(
                    "layer media type {} is not read",
                    printable(&media_type)
                )));
            }
            if size != u64::MAX && size > MAX_LAYER {
                return Err(self.msg(&format!("layer {digest} is over 2 GiB")));
            }
            out.push(Layer { digest, size });
        }
        Ok(out)
    }

    // --- HTTP ------------------------------------------------------------

    fn count_request(&mut self) -> Result<(), String> {
        self.requests += 1;
        if self.requests > MAX_REQUESTS {
            return Err(self.msg(&format!("over {MAX_REQUESTS} requests")));
        }
        Ok(())
    }

    /// One GET, no redirect followed; `auth` is sent only when asked.
    fn send(
        &mut self,
        url: &Url,
        accept: Option<&str>,
        auth: Option<String>,
    ) -> Result<ureq::http::Response<ureq::Body>, String> {
        self.send_with(url, accept, auth, None)
    }

    /// One GET, or a POST of a form when `form` is given.
    fn send_with(
        &mut self,
        url: &Url,
        accept: Option<&str>,
        auth: Option<String>,
        form: Option<String>,
    ) -> Result<ureq::http::Response<ureq::Body>, String> {
        if !url.allowed() {
            return Err(self.msg(&format!(
                "refused plain HTTP to {} (only loopback registries are read over HTTP)",
                url.authority
            )));
        }
        self.count_request()?;
        let left = self.remaining()?;
        let result = if let Some(body) = form {
            let mut req = self
                .agent
                .post(url.text())
                .config()
                .timeout_global(Some(left))
                .build()
                .header("Content-Type", "application/x-www-form-urlencoded");
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            req.send(body)
        } else {
            let mut req = self
                .agent
                .get(url.text())
                .config()
                .timeout_global(Some(left))
                .build();
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            req.call()
        };
        result.map_err(|e| {
            format!(
                "{}: cannot reach {}: {}",
                self.r.normalized(),
                url.authority,
                transport_error(&e)
            )
        })
    }

    /// GET `path` of the registry: auth
    /// challenges answered once, redirects followed (without the
    /// registry's Authorization to another origin). Returns a 200.
    fn get(
        &mut self,
        path: &str,
        accept: Option<&str>,
        what: &str,
    ) -> Result<ureq::http::Response<ureq::Body>, String> {
        let mut answered_challenge = false;
        loop {
            let (mut resp, origin) = self.first_contact(path, accept)?;
            let mut url = origin.clone();
            let mut hops = 0;
            while matches!(resp.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
                hops += 1;
                if hops > MAX_REDIRECTS {
                    return Err(self.msg(&format!("{what}: too many redirects")));
                }
                let loc = header(&resp, "location").unwrap_or_default();
                let next = url
                    .join(&loc)
                    .ok_or_else(|| self.msg(&format!("{what}: bad redirect")))?;
                if !next.allowed() {
                    return Err(self.msg(&format!(
                        "{what}: refused a redirect to plain HTTP on {}",
                        next.authority
                    )));
                }
                let auth = if next.same_origin(&origin) {
                    self.auth.header()
                } else {
                    None
                };
                resp = self.send(&next, accept, auth)?;
                url = next;
            }
            match resp.status().as_u16() {
                200 => return Ok(resp),
                401 if !answered_challenge && url.same_origin(&origin) => {
                    answered_challenge = true;
                    let ch = header(&resp, "www-authenticate");
                    self.authenticate(ch.as_deref())?;
                }
                401 => {
                    return Err(self.msg(&format!(
                        "{what}: the registry refused access (401){}",
                        if self.has_creds() {
                            " with the credentials of config.json"
                        } else {
                            ", and config.json has no credentials for it"
                        }
                    )))
                }
                code => {
                    let hint = match code {
                        404 => " (not found)",
                        429 => " (too many requests: a rate limit)",
                        _ => "",
                    };
                    return Err(self.msg(&format!("{what}: the registry answered {code}{hint}")));
                }
            }
        }
    }

    /// The first request of `path` to the registry (before redirects).
    fn first_contact(
        &mut self,
        path: &str,
        accept: Option<&str>,
    ) -> Result<(ureq::http::Response<ureq::Body>, Url), String> {
        let host = self.r.api_host();
        let url = Url::parse(&format!("{}://{host}{path}", scheme_for(host)))
            .ok_or_else(|| self.msg("bad registry URL"))?;
        let auth = self.auth.header();
        let resp = self.send(&url, accept, auth)?;
        Ok((resp, url))
    }

    fn has_creds(&self) -> bool {
        matches!(self.creds, Some(Some(_)))
    }

    fn credentials(&mut self) -> Option<Creds> {
        if self.creds.is_none() {
            let c = self
                .opts
                .docker_config
                .as_deref()
                .and_then(|p| lookup_creds(p, &self.r, self.deadline));
            self.creds = Some(c);
        }
        self.creds.clone().flatten()
    }

    fn authenticate(&mut self, challenge: Option<&str>) -> Result<(), String> {
        let ch = challenge
            .and_then(parse_challenge)
            .ok_or_else(|| self.msg("the registry answered 401 without a usable challenge"))?;
        match ch.scheme.as_str() {
            "basic" => {
                let c = self.credentials().ok_or_else(|| {
                    self.msg("the registry asks for a login and config.json has none for it")
                })?;
                if c.identity.is_some() && c.user.is_empty() {
                    return Err(self.msg(
                        "the registry asks for a login and config.json has only an identity token for it",
                    ));
                }
                self.auth = Auth::Basic(c.basic());
                Ok(())
            }
            "bearer" => {
                let realm = ch.params.get("realm").map(String::as_str).unwrap_or("");
                let realm = Url::parse(realm)
                    .ok_or_else(|| self.msg("the registry's token realm is not a URL"))?;
                let mut q = format!(
                    "scope={}",
                    query_escape(&format!("repository:{}:pull", self.r.path))
                );
                if let Some(s) = ch.params.get("service") {
                    q = format!("service={}&{q}", query_escape(s));
                }
                let creds = self.credentials();
                let resp = match creds.as_ref().and_then(|c| c.identity.as_deref()) {
                    // An identity token: the OAuth2 refresh-token grant, as
                    // Docker does (POST to the realm, form-encoded).
                    Some(t) => {
                        let form = format!(
                            "grant_type=refresh_token&client_id=dsig&{q}&refresh_token={}",
                            query_escape(t)
                        );
                        self.send_with(&realm, Some("application/json"), None, Some(form))?
                    }
                    None => {
                        let sep = if realm.rest.contains('?') { '&' } else { '?' };
                        let mut url = realm.clone();
                        url.rest = format!("{}{sep}{q}", realm.rest);
                        let auth = creds.map(|c| format!("Basic {}", c.basic()));
                        self.send(&url, Some("application/json"), auth)?
                    }
                };
                let code = resp.status().as_u16();
                if code != 200 {
                    return Err(self.msg(&format!(
                        "the token service {} answered {code}{}",
                        realm.authority,
                        if self.has_creds() {
                            " to the credentials of config.json"
                        } else {
                            ""
                        }
                    )));
                }
                let body = read_body(resp, MAX_TOKEN_BODY)
                    .map_err(|e| self.msg(&format!("token: {e}")))?;
                let doc: Value = serde_json::from_slice(&body)
                    .map_err(|_| self.msg("the token answer is not JSON"))?;
                let token = doc
                    .get("token")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                    .or_else(|| doc.get("access_token").and_then(Value::as_str))
                    .unwrap_or("");
                if token.is_empty()
                    || token.len() > 64 << 10
                    || token.bytes().any(|b| !(0x21..0x7f).contains(&b))
                {
                    return Err(self.msg("the token answer holds no usable token"));
                }
                self.auth = Auth::Bearer(token.to_string());
                Ok(())
            }
            _ => {
                Err(self.msg("the registry asks for an authentication scheme dsig does not speak"))
            }
        }
    }

    // --- Manifests and blobs --------------------------------------------

    fn cache_file(&self, kind: &str, digest: &str) -> Option<PathBuf> {
        let hex = digest.strip_prefix("sha256:")?;
        Some(
            self.opts
                .cache_dir
                .as_ref()?
                .join("registry")
                .join(kind)
                .join(hex),
        )
    }

    /// A manifest and its digest: by digest from the cache when it is
    /// there, else from the registry (checked against `expect`).
    fn manifest(
        &mut self,
        reference: &str,
        expect: Option<&str>,
        size: Option<u64>,
    ) -> Result<(Vec<u8>, String), String> {
        if let Some(d) = expect {
            if let Some(b) = self.cached_blob("manifests", d, MAX_MANIFEST) {
                return Ok((b, d.to_string()));
            }
        }
        let accept = [
            MT_DOCKER_MANIFEST,
            MT_DOCKER_LIST,
            MT_OCI_MANIFEST,
            MT_OCI_INDEX,
        ]
        .join(", ");
        let path = format!("/v2/{}/manifests/{reference}", self.r.path);
        let resp = self.get(&path, Some(&accept), "manifest")?;
        let told = header(&resp, "docker-content-digest");
        let limit = size.unwrap_or(MAX_MANIFEST).min(MAX_MANIFEST);
        let body = read_body(resp, limit).map_err(|e| self.msg(&format!("manifest: {e}")))?;
        let digest = sha256_digest(&body);
        if let Some(d) = expect {
            if d != digest {
                return Err(self.msg(&format!(
                    "manifest {d}: digest mismatch ({digest} received)"
                )));
            }
        }
        if let Some(t) = told.filter(|t| is_digest(t)) {
            if t != digest {
                return Err(self.msg(&format!(
                    "manifest: the registry says {t}, the bytes are {digest}"
                )));
            }
        }
        self.store_blob("manifests", &digest, &body);
        Ok((body, digest))
    }

    fn cached_blob(&self, kind: &str, digest: &str, limit: u64) -> Option<Vec<u8>> {
        let p = self.cache_file(kind, digest)?;
        let b = read_capped(&p, limit)?;
        (sha256_digest(&b) == digest).then_some(b)
    }

    fn store_blob(&self, kind: &str, digest: &str, bytes: &[u8]) {
        if let Some(p) = self.cache_file(kind, digest) {
            let _ = write_atomic(&p, bytes);
        }
    }

    /// A small blob (the config): cache, else the registry, checked.
    fn blob_small(
        &mut self,
        digest: &str,
        size: u64,
        cap: u64,
        what: &str,
    ) -> Result<Vec<u8>, String> {
        if size != u64::MAX && size > cap {
            return Err(self.msg(&format!("{what} is over {} MiB", cap >> 20)));
        }
        if let Some(b) = self.cached_blob("blobs", digest, cap) {
            return Ok(b);
        }
        let path = format!("/v2/{}/blobs/{digest}", self.r.path);
        let resp = self.get(&path, None, what)?;
        let body = read_body(resp, size.min(cap)).map_err(|e| self.msg(&format!("{what}: {e}")))?;
        let got = sha256_digest(&body);
        if got != digest {
            return Err(self.msg(&format!(
                "{what} {digest}: digest mismatch ({got} received)"
            )));
        }
        self.store_blob("blobs", digest, &body);
        Ok(body)
    }

    /// Downloads a layer into a temporary file (once per pull), checking
    /// its size and digest while it streams.
    fn download_layer(&mut self, layer: &Layer) -> Result<PathBuf, String> {
        if let Some(p) = self.temp.get(&layer.digest) {
            return Ok(p.clone());
        }
        let dir = match &self.opts.cache_dir {
            Some(c) => {
                let d = c.join("registry").join("tmp");
                remove_stale(&d);
                d
            }
            None => std::env::temp_dir(),
        };
        let _ = fs::create_dir_all(&dir);
        let path = dir.join(unique_name("layer"));
        let path_copy = path.clone();
        self.temp.insert(layer.digest.clone(), path.clone());
        let blob_path = format!("/v2/{}/blobs/{}", self.r.path, layer.digest);
        let resp = self.get(&blob_path, None, "layer")?;
        let limit = layer.size.min(MAX_LAYER);
        let mut file = fs::File::create(&path_copy)
            .map_err(|e| self.msg(&format!("cannot write a temporary file: {}", e.kind())))?;
        let mut reader = resp.into_body().into_reader().take(limit.saturating_add(1));
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        let mut buf = vec![0u8; 64 << 10];
        let mut total: u64 = 0;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(self.msg(&format!("layer {}: {}", layer.digest, io_text(&e))))
                }
            };
            total += n as u64;
            if total > limit {
                return Err(self.msg(&format!(
                    "layer {} is larger than its descriptor says (or over 2 GiB)",
                    layer.digest
                )));
            }
            ctx.update(&buf[..n]);
            file.write_all(&buf[..n])
                .map_err(|e| self.msg(&format!("cannot write a temporary file: {}", e.kind())))?;
            self.remaining()?;
        }
        let got = format!("sha256:{}", hex(ctx.finish().as_ref()));
        if got != layer.digest {
            return Err(self.msg(&format!(
                "layer {}: digest mismatch ({got} received)",
                layer.digest
            )));
        }
        Ok(path_copy)
    }

    // --- Files ------------------------------------------------------------

    fn read_files(
        &mut self,
        layers: &[Layer],
        paths: &[String],
    ) -> Result<Vec<(String, Entry)>, String> {
        let mut look: BTreeSet<String> = BTreeSet::new();
        for p in paths {
            if let Some(n) = normalize_abs(p) {
                add_with_ancestors(&mut look, &n);
            }
        }
        let mut records: Vec<Record> = layers
            .iter()
            .map(|l| self.cached_record(&l.digest).unwrap_or_default())
            .collect();
        self.data_held = records.iter().map(Record::data_size).sum();
        for _round in 0..MAX_ROUNDS {
            for (i, layer) in layers.iter().enumerate() {
                if look.iter().all(|p| records[i].knows(p)) {
                    continue;
                }
                let mut want = look.clone();
                if records[i].looked.len() + look.len() <= MAX_LOOKED {
                    want.extend(records[i].looked.iter().cloned());
                }
                let rec = self.read_layer(layer, &want)?;
                self.data_held =
                    self.data_held.saturating_sub(records[i].data_size()) + rec.data_size();
                if self.data_held > MAX_DATA {
                    return Err(self.msg("the files read from the layers are over 256 MiB"));
                }
                self.store_record(&layer.digest, &rec);
                records[i] = rec;
            }
            let mut need = BTreeSet::new();
            for p in paths {
                resolve(&records, p, &mut need);
            }
            need.retain(|n| !look.contains(n));
            if need.is_empty() {
                break;
            }
            for n in need {
                add_with_ancestors(&mut look, &n);
            }
        }
        let mut ignored = BTreeSet::new();
        Ok(paths
            .iter()
            .map(|p| (p.clone(), resolve(&records, p, &mut ignored)))
            .collect())
    }

    fn read_layer(&mut self, layer: &Layer, look: &BTreeSet<String>) -> Result<Record, String> {
        let path = self.download_layer(layer)?;
        let file = fs::File::open(&path)
            .map_err(|e| self.msg(&format!("cannot read a temporary file: {}", e.kind())))?;
        let mut file = io::BufReader::new(file);
        let magic = {
            let b = file
                .fill_buf()
                .map_err(|e| self.msg(&format!("cannot read a temporary file: {}", e.kind())))?;
            b.get(..4).map(<[u8]>::to_vec).unwrap_or_else(|| b.to_vec())
        };
        let deadline = self.deadline;
        let what = format!("{}: layer {}", self.r.normalized(), layer.digest);
        if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            return Err(format!("{what}: zstd-compressed layers are not read"));
        }
        let result = if magic.starts_with(&[0x1f, 0x8b]) {
            let gz = flate2::read::MultiGzDecoder::new(file);
            scan_layer(Capped::new(gz, MAX_UNPACKED), look, deadline)
        } else {
            scan_layer(Capped::new(file, MAX_UNPACKED), look, deadline)
        };
        result.map_err(|e| format!("{what}: {e}"))
    }

    fn cached_record(&self, digest: &str) -> Option<Record> {
        let p = self.cache_file("layers", digest)?;
        let b = read_capped(&p, MAX_RECORD as u64)?;
        let r: Record = serde_json::from_slice(&b).ok()?;
        (r.v == RECORD_VERSION && r.digest == digest).then_some(r)
    }

    fn store_record(&self, digest: &str, rec: &Record) {
        let Some(p) = self.cache_file("layers", digest) else {
            return;
        };
        let mut rec = rec.clone();
        rec.v = RECORD_VERSION;
        rec.digest = digest.to_string();
        if let Ok(b) = serde_json::to_vec(&rec) {
            if b.len() <= MAX_RECORD {
                let _ = write_atomic(&p, &b);
            }
        }
    }
}

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A transport error in one line, without the URL's query or headers.
fn transport_error(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => io_text(io),
        ureq::Error::Timeout(_) => "timed out".to_string(),
        ureq::Error::HostNotFound => "host not found".to_string(),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => "TLS failed".to_string(),
        other => printable(&other.to_string()),
    }
}

fn io_text(e: &io::Error) -> String {
    printable(&e.to_string())
}

/// The body, at most `limit` bytes (more is an error).
fn read_body(resp: ureq::http::Response<ureq::Body>, limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    resp.into_body()
        .into_reader()
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| io_text(&e))?;
    if out.len() as u64 > limit {
        return Err(format!("the answer is over {limit} bytes"));
    }
    Ok(out)
}

fn parse_json(b: &[u8]) -> Option<Value> {
    serde_json::from_slice(b).ok()
}

enum Kind {
    Index,
    Image,
    Other(String),
}

fn manifest_kind(doc: &Value) -> Kind {
    let mt = doc.get("mediaType").and_then(Value::as_str).unwrap_or("");
    match mt {
        MT_DOCKER_LIST | MT_OCI_INDEX => Kind::Index,
        MT_DOCKER_MANIFEST | MT_OCI_MANIFEST => Kind::Image,
        "" if doc.get("manifests").is_some_and(Value::is_array) => Kind::Index,
        "" if doc.get("config").is_some_and(Value::is_object) => Kind::Image,
        _ if doc.get("schemaVersion").and_then(Value::as_u64) == Some(1) => {
            Kind::Other("schema 1 manifests are not read".to_string())
        }
        _ => Kind::Other(format!("manifest media type {} is not read", printable(mt))),
    }
}

/// The entry of an index for the platform (os and arch; the variant when
/// one is asked, arm64's missing variant taken as v8), skipping attestation
/// entries. Err names the platforms the index has.
fn pick_platform(index: &Value, opts: &Options) -> Result<(String, u64), String> {
    let list = index
        .get("manifests")
        .and_then(Value::as_array)
        .ok_or("the index has no manifests")?;
    let mut seen = Vec::new();
    let mut fallback = None;
    for m in list {
        let p = m.get("platform");
        let field = |k: &str| {
            p.and_then(|p| p.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let (os, arch, variant) = (field("os"), field("architecture"), field("variant"));
        let attestation = m
            .get("annotations")
            .and_then(|a| a.get("vnd.docker.reference.type"))
            .and_then(Value::as_str)
            == Some("attestation-manifest");
        if attestation || os == "unknown" || arch == "unknown" {
            continue;
        }
        let name = if variant.is_empty() {
            format!("{os}/{arch}")
        } else {
            format!("{os}/{arch}/{variant}")
        };
        if seen.len() < 16 && !seen.contains(&name) {
            seen.push(printable(&name));
        }
        if os != opts.os || arch != opts.arch {
            continue;
        }
        let digest = m.get("digest").and_then(Value::as_str).unwrap_or("");
        if !is_digest(digest) {
            continue;
        }
        let size = m
            .get("size")
            .and_then(Value::as_u64)
            .unwrap_or(MAX_MANIFEST);
        let hit = (digest.to_string(), size);
        match opts.variant.as_deref() {
            None => return Ok(hit),
            Some(v) if v == variant => return Ok(hit),
            Some("v8") if arch == "arm64" && variant.is_empty() => return Ok(hit),
            Some(_) if variant.is_empty() => {
                fallback.get_or_insert(hit);
            }
            Some(_) => {}
        }
    }
    if let Some(hit) = fallback {
        return Ok(hit);
    }
    let want = match &opts.variant {
        Some(v) => format!("{}/{}/{v}", opts.os, opts.arch),
        None => format!("{}/{}", opts.os, opts.arch),
    };
    Err(format!(
        "no {want} image in the index (it has {})",
        if seen.is_empty() {
            "none".to_string()
        } else {
            seen.join(", ")
        }
    ))
}

// ---------------------------------------------------------------------------
// Layers

/// What one layer tells of the paths looked for: kept in the cache under
/// the layer's digest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Record {
    #[serde(default)]
    v: u32,
    #[serde(default)]
    digest: String,
    /// The paths this record looked for: an entry at one of them is in
    /// `entries` if the layer has one.
    looked: BTreeSet<String>,
    /// Entries at looked-for paths, and every symlink of the layer.
    entries: BTreeMap<String, Item>,
    /// Paths the layer deletes (`.wh.NAME`).
    whiteouts: BTreeSet<String>,
    /// Directories the layer makes opaque (`.wh..wh..opq`).
    opaque: BTreeSet<String>,
    /// [`path_hash`] of every path the layer has an entry at, sorted: a
    /// path not in it is known to be absent from the layer without a look
    /// (a collision only costs a read of the layer).
    #[serde(default)]
    present: Vec<u64>,
    /// The layer was read (a default record knows nothing).
    #[serde(default)]
    scanned: bool,
}

impl Record {
    /// Whether the record tells what the layer has at `p`: it looked for
    /// `p`, or the layer has no entry there.
    fn knows(&self, p: &str) -> bool {
        self.scanned
            && (self.looked.contains(p) || self.present.binary_search(&path_hash(p)).is_err())
    }

    fn data_size(&self) -> usize {
        self.entries
            .values()
            .map(|i| i.data.as_ref().map_or(0, Vec::len))
            .sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum ItemKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Item {
    kind: ItemKind,
    /// Symlink target as stored; hardlink target as an absolute path.
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    mode: u32,
    #[serde(default, with = "b64")]
    data: Option<Vec<u8>>,
}

mod b64 {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    #[allow(clippy::ref_option)]
    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_some(&base64::engine::general_purpose::STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(None),
            Some(s) => base64::engine::general_purpose::STANDARD
                .decode(s)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// A reader that fails past `limit` bytes.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Capped<R> {
    fn new(inner: R, limit: u64) -> Self {
        Capped { inner, left: limit }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("over 8 GiB unpacked"));
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// "/a/b" from a tar name ("./a/b/", "a//b", "/a/b"); None for the root
/// and for names that climb with "..".
fn normalize_tar(name: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(name).ok()?;
    let mut out = String::new();
    for c in s.split('/') {
        match c {
            "" | "." => {}
            ".." => return None,
            c => {
                out.push('/');
                out.push_str(c);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// An absolute path with "." and ".." resolved lexically (".." stops at
/// the root); None for a relative path or the root.
fn normalize_abs(p: &str) -> Option<String> {
    if !p.starts_with('/') {
        return None;
    }
    Some(super::context::normalize(p)).filter(|n| n != "/")
}

/// "/a/b/c" → "/a", "/a/b" (the strict ancestors).
fn ancestors(p: &str) -> impl Iterator<Item = &str> {
    p.match_indices('/')
        .filter(|(i, _)| *i > 0)
        .map(move |(i, _)| &p[..i])
}

fn add_with_ancestors(set: &mut BTreeSet<String>, p: &str) {
    for a in ancestors(p) {
        set.insert(a.to_string());
    }
    set.insert(p.to_string());
}

/// Reads one layer's tar: every symlink, every whiteout, and the entries
/// at the paths looked for (with the content of regular files).
fn scan_layer(
    reader: impl Read,
    look: &BTreeSet<String>,
    deadline: Instant,
) -> Result<Record, String> {
    let mut rec = Record {
        looked: look.clone(),
        scanned: true,
        ..Record::default()
    };
    let mut links = 0usize;
    let mut ar = tar::Archive::new(reader);
    // Raw entries: the GNU long names and PAX headers are read here, with a
    // size cap (the tar crate reads them whole into memory).
    let entries = ar
        .entries()
        .map_err(|e| format!("not a tar: {}", io_text(&e)))?
        .raw(true);
    let mut long_name: Option<Vec<u8>> = None;
    let mut long_link: Option<Vec<u8>> = None;
    for (n, entry) in entries.enumerate() {
        if n % 512 == 0 && Instant::now() > deadline {
            return Err("the pull took over its deadline".to_string());
        }
        let mut e = entry.map_err(|e| format!("bad tar: {}", io_text(&e)))?;
        match e.header().entry_type() {
            tar::EntryType::GNULongName => {
                long_name = Some(read_meta(&mut e, MAX_TAR_NAME)?);
                continue;
            }
            tar::EntryType::GNULongLink => {
                long_link = Some(read_meta(&mut e, MAX_TAR_NAME)?);
                continue;
            }
            tar::EntryType::XHeader => {
                let pax = read_meta(&mut e, MAX_TAR_PAX)?;
                for (k, v) in pax_records(&pax) {
                    match k {
                        b"path" => long_name = Some(v.to_vec()),
                        b"linkpath" => long_link = Some(v.to_vec()),
                        _ => {}
                    }
                }
                continue;
            }
            tar::EntryType::XGlobalHeader => continue,
            _ => {}
        }
        let name = long_name
            .take()
            .unwrap_or_else(|| e.header().path_bytes().into_owned());
        let link_name = long_link
            .take()
            .or_else(|| {
                e.header()
                    .link_name_bytes()
                    .map(std::borrow::Cow::into_owned)
            })
            .and_then(|b| String::from_utf8(b).ok());
        let Some(path) = normalize_tar(&name) else {
            continue;
        };
        let (parent, base) = path.rsplit_once('/').unwrap_or(("", &path));
        if let Some(hidden) = base.strip_prefix(".wh.") {
            links += 1;
            if hidden == ".wh..opq" {
                rec.opaque.insert(if parent.is_empty() {
                    "/".to_string()
                } else {
                    parent.to_string()
                });
            } else if !hidden.is_empty() {
                rec.whiteouts.insert(format!("{parent}/{hidden}"));
            }
            if links > MAX_LINKS {
                return Err("too many links and whiteouts".to_string());
            }
            continue;
        }
        rec.present.push(path_hash(&path));
        if rec.present.len() > MAX_ENTRIES {
            return Err("too many entries".to_string());
        }
        let header = e.header();
        let mode = header.mode().unwrap_or(0) & 0o7777;
        let kind = match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => ItemKind::File,
            tar::EntryType::Directory => ItemKind::Dir,
            tar::EntryType::Symlink => ItemKind::Symlink,
            tar::EntryType::Link => ItemKind::Hardlink,
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => continue,
            _ => ItemKind::Other,
        };
        if kind == ItemKind::Symlink {
            links += 1;
            if links > MAX_LINKS {
                return Err("too many links and whiteouts".to_string());
            }
            let Some(target) = link_name else {
                continue;
            };
            rec.entries.insert(
                path,
                Item {
                    kind,
                    link: Some(target),
                    mode,
                    data: None,
                },
            );
            continue;
        }
        if !look.contains(&path) {
            continue;
        }
        let mut item = Item {
            kind,
            link: None,
            mode,
            data: None,
        };
        match kind {
            ItemKind::Hardlink => item.link = link_name.and_then(|t| normalize_tar(t.as_bytes())),
            ItemKind::File => {
                let mut data = Vec::new();
                (&mut e)
                    .take(MAX_FILE as u64)
                    .read_to_end(&mut data)
                    .map_err(|e| format!("bad tar: {}", io_text(&e)))?;
                item.data = Some(data);
            }
            _ => {}
        }
        rec.entries.insert(path, item);
    }
    rec.present.sort_unstable();
    rec.present.dedup();
    Ok(rec)
}

/// FNV-1a of a path: stable across runs (it is kept in the cache).
fn path_hash(p: &str) -> u64 {
    p.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The data of a tar metadata entry (long name, PAX header), at most `cap`
/// bytes.
fn read_meta(e: &mut impl Read, cap: u64) -> Result<Vec<u8>, String> {
    let mut v = Vec::new();
    e.take(cap + 1)
        .read_to_end(&mut v)
        .map_err(|e| format!("bad tar: {}", io_text(&e)))?;
    if v.len() as u64 > cap {
        return Err("a tar name or PAX header is too long".to_string());
    }
    // A GNU long name ends with NUL.
    while v.last() == Some(&0) {
        v.pop();
    }
    Ok(v)
}

/// The `key=value` records of a PAX header ("LEN key=value\n" each);
/// stops at the first malformed one.
fn pax_records(mut d: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    while !d.is_empty() {
        let Some(sp) = d.iter().position(|&b| b == b' ') else {
            break;
        };
        let Some(len) = std::str::from_utf8(&d[..sp])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        if len <= sp + 1 || len > d.len() {
            break;
        }
        let rec = &d[sp + 1..len];
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(eq) = rec.iter().position(|&b| b == b'=') {
            out.push((&rec[..eq], &rec[eq + 1..]));
        }
        d = &d[len..];
    }
    out
}

/// What the merged layers have at exactly `p` (no symlink followed): the
/// layer index and item, and whether every layer consulted had looked for
/// `p` (else the answer assumes the others have nothing there).
fn lookup<'r>(records: &'r [Record], p: &str) -> (Option<(usize, &'r Item)>, bool) {
    let mut complete = true;
    for (i, r) in records.iter().enumerate().rev() {
        if let Some(it) = r.entries.get(p) {
            return (Some((i, it)), complete);
        }
        if !r.knows(p) {
            complete = false;
        }
        let hidden = r.whiteouts.contains(p)
            || ancestors(p).any(|a| {
                r.whiteouts.contains(a)
                    || r.opaque.contains(a)
                    || r.entries.get(a).is_some_and(|x| x.kind != ItemKind::Dir)
            })
            || r.opaque.contains("/");
        if hidden {
            return (None, complete);
        }
    }
    (None, complete)
}

/// Resolves a wanted path through the merged layers; paths it had to
/// guess about (not looked for in some layer) go into `need`.
fn resolve(records: &[Record], wanted: &str, need: &mut BTreeSet<String>) -> Entry {
    let none = Entry::default();
    let Some(start) = normalize_abs(wanted) else {
        return none;
    };
    let mut pending: Vec<String> = start
        .split('/')
        .filter(|c| !c.is_empty())
        .rev()
        .map(str::to_string)
        .collect();
    let mut cur = String::new();
    let mut hops = 0;
    let mut link = None;
    // Whether the last component of `pending` is still the wanted path's own.
    let mut own_last = true;
    while let Some(c) = pending.pop() {
        match c.as_str() {
            "" | "." => continue,
            ".." => {
                if let Some(i) = cur.rfind('/') {
                    cur.truncate(i);
                }
                continue;
            }
            _ => {}
        }
        let cand = format!("{cur}/{c}");
        let (found, complete) = lookup(records, &cand);
        if !complete {
            need.insert(cand.clone());
        }
        let Some((layer, item)) = found else {
            // Nothing there: a directory that no tar names itself (its
            // files do), or nothing at all, and then nothing below it either.
            if !pending.is_empty() {
                cur = cand;
                continue;
            }
            return Entry { link, ..none };
        };
        match item.kind {
            ItemKind::Symlink => {
                let target = item.link.clone().unwrap_or_default();
                if pending.is_empty() && own_last {
                    link = Some(target.clone());
                }
                if pending.is_empty() {
                    own_last = false;
                }
                hops += 1;
                if hops > MAX_HOPS || target.is_empty() {
                    return Entry { link, ..none };
                }
                if target.starts_with('/') {
                    cur.clear();
                }
                pending.extend(
                    target
                        .split('/')
                        .filter(|c| !c.is_empty())
                        .rev()
                        .map(str::to_string),
                );
            }
            ItemKind::Dir => {
                if pending.is_empty() {
                    return Entry { link, ..none };
                }
                cur = cand;
            }
            ItemKind::File | ItemKind::Hardlink if pending.is_empty() => {
                let file = if item.kind == ItemKind::Hardlink {
                    let Some(t) = item.link.as_deref() else {
                        return Entry { link, ..none };
                    };
                    // The target is in the same layer (as tar writes it),
                    // or else in the layers below (as extraction onto them
                    // would link it).
                    let (found, complete) = lookup(&records[..=layer], t);
                    if !complete {
                        need.insert(t.to_string());
                    }
                    match found {
                        Some((_, x)) if x.kind == ItemKind::File => x,
                        _ => return Entry { link, ..none },
                    }
                } else {
                    item
                };
                return match &file.data {
                    Some(d) => Entry {
                        link,
                        data: Some(d.clone()),
                        mode: file.mode,
                    },
                    None => Entry { link, ..none },
                };
            }
            _ => return Entry { link, ..none },
        }
    }
    Entry { link, ..none }
}

// ---------------------------------------------------------------------------
// Small helpers

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sha256_digest(b: &[u8]) -> String {
    format!(
        "sha256:{}",
        hex(ring::digest::digest(&ring::digest::SHA256, b).as_ref())
    )
}

/// A file's bytes if it is at most `limit` long; None otherwise or on error.
fn read_capped(p: &Path, limit: u64) -> Option<Vec<u8>> {
    let f = fs::File::open(p).ok()?;
    let mut out = Vec::new();
    f.take(limit.saturating_add(1)).read_to_end(&mut out).ok()?;
    (out.len() as u64 <= limit).then_some(out)
}

fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        ".{prefix}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Removes the files of `dir` that are older than [`STALE_TEMP`].
fn remove_stale(dir: &Path) {
    let Ok(rd) = fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten().take(1000) {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_TEMP);
        if old && e.file_name().to_string_lossy().starts_with(".layer-") {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Writes `bytes` to `p` through a temporary file and a rename, so that a
/// reader sees the old file or the whole new one.
fn write_atomic(p: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = p.parent().ok_or_else(|| io::Error::other("no parent"))?;
    fs::create_dir_all(dir)?;
    let tmp = dir.join(unique_name("tmp"));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, p)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use std::collections::HashMap;
    use std::net::{TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};

    const TOKEN: &str = "SECRET-TOKEN-4f1a9c";
    const USER: &str = "alice";
    const PASS: &str = "hunter2-pass";
    const REPO: &str = "test/app";

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    /// What the stub registry serves and what it was asked.
    #[derive(Default)]
    struct State {
        /// Path (without query) → content type and body.
        routes: HashMap<String, (String, Vec<u8>)>,
        /// Path → Location of a 307.
        redirects: HashMap<String, String>,
        /// Every request: path with query, Authorization header.
        log: Vec<(String, Option<String>)>,
        /// /v2/ needs the bearer token.
        bearer: bool,
        /// The token endpoint answers 401.
        refuse_token: bool,
        /// /v2/ needs this Basic credential (a `Basic` challenge).
        basic: Option<String>,
        /// Answers come after this long.
        slow: Option<Duration>,
        /// Bodies of POST requests.
        posts: Vec<String>,
    }

    /// A minimal HTTP/1.1 registry on a loopback address: one thread per
    /// connection, `Connection: close` on every answer.
    struct Stub {
        port: u16,
        ip: &'static str,
        state: Arc<Mutex<State>>,
    }

    impl Stub {
        fn start(ip: &'static str) -> Option<Stub> {
            let l = TcpListener::bind((ip, 0)).ok()?;
            let port = l.local_addr().ok()?.port();
            let state = Arc::new(Mutex::new(State::default()));
            let st = Arc::clone(&state);
            std::thread::spawn(move || {
                for c in l.incoming().flatten() {
                    let st = Arc::clone(&st);
                    std::thread::spawn(move || serve(c, &st, ip, port));
                }
            });
            Some(Stub { port, ip, state })
        }

        fn host(&self) -> String {
            format!("{}:{}", self.ip, self.port)
        }

        fn put(&self, path: &str, ctype: &str, body: &[u8]) {
            self.state
                .lock()
                .unwrap()
                .routes
                .insert(path.to_string(), (ctype.to_string(), body.to_vec()));
        }

        fn log(&self) -> Vec<(String, Option<String>)> {
            self.state.lock().unwrap().log.clone()
        }

        fn blob_requests(&self) -> usize {
            self.log()
                .iter()
                // Answered ones (the stub wants the token), not 401s.
                .filter(|(p, a)| p.contains("/blobs/") && a.is_some())
                .count()
        }
    }

    fn serve(mut c: TcpStream, st: &Mutex<State>, ip: &str, port: u16) {
        let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65536 {
            match c.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if !buf.first().is_some_and(u8::is_ascii_uppercase) {
                break; // not HTTP (a TLS hello): hang up
            }
        }
        let head = String::from_utf8_lossy(&buf).to_string();
        let mut lines = head.split("\r\n");
        let first: Vec<&str> = lines.next().unwrap_or("").split(' ').collect();
        if first.len() != 3 || !first[2].starts_with("HTTP/1") {
            let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
            return;
        }
        let target = first[1].to_string();
        let auth = lines
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.trim().to_string());
        let path = target.split('?').next().unwrap_or("").to_string();
        let length: usize = head
            .split("\r\n")
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        let start = buf
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(buf.len(), |i| i + 4);
        let mut body = buf[start..].to_vec();
        while body.len() < length.min(1 << 20) {
            match c.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => body.extend_from_slice(&chunk[..n]),
            }
        }
        let mut s = st.lock().unwrap();
        if first[0] == "POST" {
            s.posts.push(String::from_utf8_lossy(&body).to_string());
        }
        s.log.push((target.clone(), auth.clone()));
        if let Some(d) = s.slow {
            drop(s);
            std::thread::sleep(d);
            s = st.lock().unwrap();
        }
        let (status, extra, ctype, body): (&str, String, String, Vec<u8>) = if path == "/token" {
            if s.refuse_token {
                (
                    "401 Unauthorized",
                    String::new(),
                    "text/plain".into(),
                    b"no".to_vec(),
                )
            } else {
                let b = format!("{{\"token\":\"{TOKEN}\",\"expires_in\":300}}");
                (
                    "200 OK",
                    String::new(),
                    "application/json".into(),
                    b.into_bytes(),
                )
            }
        } else if s.bearer
            && path.starts_with("/v2/")
            && auth.as_deref() != Some(&format!("Bearer {TOKEN}"))
        {
            let ch = format!(
                    "WWW-Authenticate: Bearer realm=\"http://{ip}:{port}/token\",service=\"stub-registry\",scope=\"repository:{REPO}:pull\"\r\n"
                );
            (
                "401 Unauthorized",
                ch,
                "application/json".into(),
                b"{}".to_vec(),
            )
        } else if s.basic.is_some() && path.starts_with("/v2/") && auth != s.basic {
            let ch = "WWW-Authenticate: Basic realm=\"stub\"\r\n".to_string();
            (
                "401 Unauthorized",
                ch,
                "application/json".into(),
                b"{}".to_vec(),
            )
        } else if let Some(loc) = s.redirects.get(&path) {
            (
                "307 Temporary Redirect",
                format!("Location: {loc}\r\n"),
                "text/plain".into(),
                Vec::new(),
            )
        } else if let Some((t, b)) = s.routes.get(&path) {
            ("200 OK", String::new(), t.clone(), b.clone())
        } else {
            (
                "404 Not Found",
                String::new(),
                "text/plain".into(),
                b"not found".to_vec(),
            )
        };
        drop(s);
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
            body.len()
        );
        let _ = c.write_all(head.as_bytes());
        let _ = c.write_all(&body);
    }

    enum Ent {
        File(&'static [u8], u32),
        Dir,
        Sym(&'static str),
        Hard(&'static str),
        /// A file whose name is in a GNU long-name entry.
        Long(&'static [u8]),
        /// A file whose name is in a PAX header.
        Pax(&'static [u8]),
    }

    /// A tar with the names exactly as given ("./a" or "a").
    fn tar_of(entries: &[(&str, Ent)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, e) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(0o644);
            match e {
                Ent::Long(d) => {
                    h.set_size(d.len() as u64);
                    b.append_data(&mut h, name, *d).unwrap();
                    continue;
                }
                Ent::Pax(d) => {
                    b.append_pax_extensions([("path", name.as_bytes())])
                        .unwrap();
                    h.set_size(d.len() as u64);
                    h.set_path("pax-placeholder").unwrap();
                    h.set_cksum();
                    b.append(&h, *d).unwrap();
                    continue;
                }
                _ => {}
            }
            h.as_mut_bytes()[..name.len()].copy_from_slice(name.as_bytes());
            let (kind, mode, data, link): (tar::EntryType, u32, &[u8], &str) = match e {
                Ent::File(d, m) => (tar::EntryType::Regular, *m, d, ""),
                Ent::Dir => (tar::EntryType::Directory, 0o755, b"", ""),
                Ent::Sym(t) => (tar::EntryType::Symlink, 0o777, b"", t),
                Ent::Hard(t) => (tar::EntryType::Link, 0o755, b"", t),
                Ent::Long(_) | Ent::Pax(_) => unreachable!(),
            };
            h.as_mut_bytes()[157..157 + link.len()].copy_from_slice(link.as_bytes());
            h.set_entry_type(kind);
            h.set_mode(mode);
            h.set_size(data.len() as u64);
            h.set_cksum();
            b.append(&h, data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn gzip(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    fn desc(mt: &str, b: &[u8]) -> Value {
        serde_json::json!({"mediaType": mt, "digest": sha256_digest(b), "size": b.len()})
    }

    /// The test image, served under tag "1": an OCI index with amd64,
    /// arm64/v8 and an attestation entry; two layers shared by both.
    struct Image {
        index: String,
        amd64: String,
        arm64: String,
        layers: Vec<String>,
    }

    fn layer1() -> Vec<u8> {
        gzip(&tar_of(&[
            ("./", Ent::Dir),
            ("./bin/", Ent::Dir),
            ("./bin/dash", Ent::File(b"#!dash-binary", 0o755)),
            ("./bin/sh", Ent::Sym("dash")),
            ("./bin/gzip", Ent::File(b"gzip-binary", 0o755)),
            ("./bin/gunzip", Ent::Hard("./bin/gzip")),
            ("./etc/", Ent::Dir),
            ("./etc/gone", Ent::File(b"bye", 0o644)),
            ("./etc/override", Ent::File(b"old", 0o644)),
            ("./etc/issue", Ent::File(b"Debian", 0o644)),
            ("./opt/app/old.txt", Ent::File(b"old", 0o644)),
            ("./usr/lib/libc.so", Ent::File(b"libc", 0o755)),
            ("./lib", Ent::Sym("usr/lib")),
            ("./loop", Ent::Sym("loop")),
        ]))
    }

    fn layer2() -> Vec<u8> {
        tar_of(&[
            ("etc/.wh.gone", Ent::File(b"", 0)),
            ("etc/override", Ent::File(b"new", 0o600)),
            ("opt/app/.wh..wh..opq", Ent::File(b"", 0)),
            ("opt/app/new.txt", Ent::File(b"new", 0o644)),
            ("x.sh", Ent::File(b"#!/bin/sh\nexec app\n", 0o755)),
            ("usr/local/bin/x.sh", Ent::Sym("/x.sh")),
            (LONG, Ent::Long(b"long")),
            ("opt/pax/named.txt", Ent::Pax(b"pax")),
        ])
    }

    #[test]
    fn test_layers_hold_long_name_and_pax_entries() {
        let l2 = layer2();
        let mut ar = tar::Archive::new(&l2[..]);
        let kinds: Vec<tar::EntryType> = ar
            .entries()
            .unwrap()
            .raw(true)
            .map(|e| e.unwrap().header().entry_type())
            .collect();
        assert!(kinds.contains(&tar::EntryType::GNULongName));
        assert!(kinds.contains(&tar::EntryType::XHeader));
    }

    fn serve_image(stub: &Stub, l1: &[u8], l2: &[u8]) -> Image {
        let blob = |d: &str| format!("/v2/{REPO}/blobs/{d}");
        let man = |d: &str| format!("/v2/{REPO}/manifests/{d}");
        let l1d = desc("application/vnd.oci.image.layer.v1.tar+gzip", l1);
        let l2d = desc("application/vnd.oci.image.layer.v1.tar", l2);
        stub.put(&blob(&sha256_digest(l1)), "application/octet-stream", l1);
        stub.put(&blob(&sha256_digest(l2)), "application/octet-stream", l2);
        let mut digests = Vec::new();
        for arch in ["amd64", "arm64"] {
            let cfg = serde_json::to_vec(&serde_json::json!({
                "architecture": arch, "os": "linux",
                "config": {"Entrypoint": ["/usr/local/bin/x.sh"], "Cmd": [arch]},
                "rootfs": {"type": "layers", "diff_ids": []}
            }))
            .unwrap();
            stub.put(&blob(&sha256_digest(&cfg)), "application/json", &cfg);
            let m = serde_json::to_vec(&serde_json::json!({
                "schemaVersion": 2,
                "mediaType": MT_OCI_MANIFEST,
                "config": desc("application/vnd.oci.image.config.v1+json", &cfg),
                "layers": [l1d, l2d],
            }))
            .unwrap();
            stub.put(&man(&sha256_digest(&m)), MT_OCI_MANIFEST, &m);
            digests.push((sha256_digest(&m), m.len()));
        }
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MT_OCI_INDEX,
            "manifests": [
                {"mediaType": MT_OCI_MANIFEST, "digest": digests[0].0, "size": digests[0].1,
                 "platform": {"os": "linux", "architecture": "amd64"}},
                {"mediaType": MT_OCI_MANIFEST, "digest": digests[1].0, "size": digests[1].1,
                 "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
                {"mediaType": MT_OCI_MANIFEST, "digest": format!("sha256:{}", "0".repeat(64)), "size": 10,
                 "platform": {"os": "unknown", "architecture": "unknown"},
                 "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}
            ]
        }))
        .unwrap();
        stub.put(&man("1"), MT_OCI_INDEX, &index);
        stub.put(&man(&sha256_digest(&index)), MT_OCI_INDEX, &index);
        Image {
            index: sha256_digest(&index),
            amd64: digests[0].0.clone(),
            arm64: digests[1].0.clone(),
            layers: vec![sha256_digest(l1), sha256_digest(l2)],
        }
    }

    fn stub_with_image() -> (Stub, Image) {
        let stub = Stub::start("127.0.0.1").expect("bind 127.0.0.1");
        stub.state.lock().unwrap().bearer = true;
        let img = serve_image(&stub, &layer1(), &layer2());
        (stub, img)
    }

    fn opts(arch: &str, variant: Option<&str>) -> Options {
        Options {
            os: "linux".into(),
            arch: arch.into(),
            variant: variant.map(str::to_string),
            cache_dir: None,
            docker_config: None,
            deadline: Duration::from_secs(30),
        }
    }

    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            let d = std::env::temp_dir().join(format!("dsig-registry-test{}", unique_name("d")));
            fs::create_dir_all(&d).unwrap();
            TempDir(d)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn docker_config(dir: &TempDir, host: &str) -> PathBuf {
        let p = dir.0.join("config.json");
        let doc = serde_json::json!({"auths": {
            "other.example.com": {"auth": b64("mallory:nope")},
            host: {"auth": b64(&format!("{USER}:{PASS}"))}
        }});
        fs::write(&p, serde_json::to_vec(&doc).unwrap()).unwrap();
        p
    }

    const LONG: &str = "opt/a-directory-name-that-is-long-enough/to-need-a-gnu-long-name-entry/in-the-tar-header/of-the-layer/file.txt";

    const WANTED: &[&str] = &[
        "/opt/a-directory-name-that-is-long-enough/to-need-a-gnu-long-name-entry/in-the-tar-header/of-the-layer/file.txt",
        "/opt/pax/named.txt",
        "/bin/sh",
        "/etc/gone",
        "/etc/override",
        "/opt/app/old.txt",
        "/opt/app/new.txt",
        "/lib/libc.so",
        "/bin/gunzip",
        "/missing",
        "/bin",
        "/loop",
    ];

    fn wanted(cfg: &Value) -> Vec<String> {
        let mut v: Vec<String> = WANTED.iter().map(|s| (*s).to_string()).collect();
        if let Some(ep) = cfg["Entrypoint"][0].as_str() {
            v.push(ep.to_string());
        }
        v
    }

    fn file<'p>(p: &'p Pulled, path: &str) -> &'p Entry {
        &p.files.iter().find(|(k, _)| k == path).unwrap().1
    }

    #[test]
    fn pulls_the_platform_with_files_links_whiteouts_and_credentials() {
        let (stub, img) = stub_with_image();
        let dir = TempDir::new();
        let mut o = opts("arm64", Some("v8"));
        o.docker_config = Some(docker_config(&dir, &stub.host()));
        let r = format!("{}/{REPO}:1", stub.host());
        let p = pull(&r, &wanted, &o).unwrap();
        assert_eq!(p.reference, r);
        assert_eq!(p.digest, img.arm64);
        assert_ne!(p.digest, img.amd64);
        assert_eq!(p.config["Cmd"], serde_json::json!(["arm64"]));
        let names: Vec<&str> = p.files.iter().map(|(k, _)| k.as_str()).collect();
        let mut expect: Vec<&str> = WANTED.to_vec();
        expect.push("/usr/local/bin/x.sh");
        assert_eq!(names, expect, "one per wanted path, in order");

        let sh = file(&p, "/bin/sh");
        assert_eq!(sh.link.as_deref(), Some("dash"));
        assert_eq!(sh.data.as_deref(), Some(&b"#!dash-binary"[..]));
        assert_eq!(sh.mode, 0o755);
        let x = file(&p, "/usr/local/bin/x.sh");
        assert_eq!(x.link.as_deref(), Some("/x.sh"));
        assert_eq!(x.data.as_deref(), Some(&b"#!/bin/sh\nexec app\n"[..]));
        assert_eq!(*file(&p, "/etc/gone"), Entry::default(), "whiteout");
        assert_eq!(
            *file(&p, "/opt/app/old.txt"),
            Entry::default(),
            "opaque dir"
        );
        assert_eq!(
            file(&p, "/opt/app/new.txt").data.as_deref(),
            Some(&b"new"[..])
        );
        let ov = file(&p, "/etc/override");
        assert_eq!(
            (ov.data.as_deref(), ov.mode),
            (Some(&b"new"[..]), 0o600),
            "later layer wins"
        );
        let libc = file(&p, "/lib/libc.so");
        assert_eq!(libc.link, None, "only a parent is a link");
        assert_eq!(libc.data.as_deref(), Some(&b"libc"[..]));
        assert_eq!(
            file(&p, "/bin/gunzip").data.as_deref(),
            Some(&b"gzip-binary"[..]),
            "hard link"
        );
        assert_eq!(*file(&p, "/missing"), Entry::default());
        assert_eq!(
            *file(&p, "/bin"),
            Entry::default(),
            "a directory has no data"
        );
        assert_eq!(
            file(&p, &format!("/{LONG}")).data.as_deref(),
            Some(&b"long"[..])
        );
        assert_eq!(
            file(&p, "/opt/pax/named.txt").data.as_deref(),
            Some(&b"pax"[..])
        );
        let lp = file(&p, "/loop");
        assert_eq!(
            (lp.link.as_deref(), lp.data.as_ref()),
            (Some("loop"), None),
            "symlink loop"
        );

        let log = stub.log();
        let token_reqs: Vec<_> = log
            .iter()
            .filter(|(p, _)| p.starts_with("/token"))
            .collect();
        assert_eq!(token_reqs.len(), 1, "{log:?}");
        assert!(token_reqs[0]
            .0
            .contains("scope=repository%3Atest%2Fapp%3Apull"));
        assert!(token_reqs[0].0.contains("service=stub-registry"));
        let basic = format!("Basic {}", b64(&format!("{USER}:{PASS}")));
        assert_eq!(
            token_reqs[0].1.as_deref(),
            Some(basic.as_str()),
            "creds from config.json"
        );
        for (path, auth) in &log {
            if path.starts_with("/v2/") && auth.is_some() {
                assert_eq!(auth.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
            }
        }
        assert!(
            !log.iter().any(|(p, _)| p.contains(&"0".repeat(64))),
            "attestation not read"
        );
    }

    #[test]
    fn picks_amd64_anonymously_and_names_the_platforms_it_lacks() {
        let (stub, img) = stub_with_image();
        let r = format!("{}/{REPO}:1", stub.host());
        let p = pull(&r, &|_| vec![], &opts("amd64", None)).unwrap();
        assert_eq!(p.digest, img.amd64);
        assert_eq!(p.config["Cmd"], serde_json::json!(["amd64"]));
        assert!(p.files.is_empty());
        assert_eq!(stub.blob_requests(), 1, "the config only, no layer");
        let log = stub.log();
        let tok = log.iter().find(|(p, _)| p.starts_with("/token")).unwrap();
        assert_eq!(tok.1, None, "no credentials: anonymous token");

        let e = pull(&r, &|_| vec![], &opts("s390x", None)).unwrap_err();
        assert!(e.contains("no linux/s390x image"), "{e}");
        assert!(
            e.contains("linux/amd64") && e.contains("linux/arm64/v8"),
            "{e}"
        );
        assert!(!e.contains("unknown"), "{e}");
        let e = pull(&r, &|_| vec![], &opts("arm64", Some("v9"))).unwrap_err();
        assert!(e.contains("linux/arm64/v9"), "{e}");
    }

    #[test]
    fn digest_mismatch_is_an_error() {
        let (stub, img) = stub_with_image();
        let r = format!("{}/{REPO}:1", stub.host());
        // A layer whose bytes are not its digest.
        let mut bad = layer1();
        let last = bad.len() - 9;
        bad[last] ^= 1;
        stub.put(
            &format!("/v2/{REPO}/blobs/{}", img.layers[0]),
            "application/octet-stream",
            &bad,
        );
        let e = pull(&r, &wanted, &opts("amd64", None)).unwrap_err();
        assert!(
            e.contains("digest mismatch") && e.contains(&img.layers[0]),
            "{e}"
        );
        // A platform manifest that is not its digest.
        stub.put(
            &format!("/v2/{REPO}/manifests/{}", img.amd64),
            MT_OCI_MANIFEST,
            b"{}",
        );
        let e = pull(&r, &wanted, &opts("amd64", None)).unwrap_err();
        assert!(
            e.contains("digest mismatch") && e.contains(&img.amd64),
            "{e}"
        );
        // A reference by digest gets what it names, or an error.
        let e = pull(
            &format!("{}/{REPO}@{}", stub.host(), img.amd64),
            &wanted,
            &opts("amd64", None),
        )
        .unwrap_err();
        assert!(e.contains("digest mismatch"), "{e}");
    }

    #[test]
    fn oversize_answers_are_errors() {
        let (stub, _) = stub_with_image();
        let big = vec![b' '; (4 << 20) + 1];
        stub.put(&format!("/v2/{REPO}/manifests/big"), MT_OCI_MANIFEST, &big);
        let e = pull(
            &format!("{}/{REPO}:big", stub.host()),
            &wanted,
            &opts("amd64", None),
        )
        .unwrap_err();
        assert!(e.contains("over 4194304 bytes"), "{e}");
        // A config larger than 8 MiB (its descriptor says so).
        let m = serde_json::json!({
            "schemaVersion": 2, "mediaType": MT_OCI_MANIFEST,
            "config": {"mediaType": "x", "digest": format!("sha256:{}", "1".repeat(64)), "size": 9u64 << 20},
            "layers": []
        });
        stub.put(
            &format!("/v2/{REPO}/manifests/bigcfg"),
            MT_OCI_MANIFEST,
            &serde_json::to_vec(&m).unwrap(),
        );
        let e = pull(
            &format!("{}/{REPO}:bigcfg", stub.host()),
            &wanted,
            &opts("amd64", None),
        )
        .unwrap_err();
        assert!(e.contains("config is over 8 MiB"), "{e}");
        // A layer larger than its descriptor says.
        let layer = layer2();
        let mut d = desc("application/vnd.oci.image.layer.v1.tar", &layer);
        d["size"] = serde_json::json!(100);
        let cfg = br#"{"config":{}}"#;
        stub.put(
            &format!("/v2/{REPO}/blobs/{}", sha256_digest(cfg)),
            "application/json",
            cfg,
        );
        stub.put(
            &format!("/v2/{REPO}/blobs/{}", sha256_digest(&layer)),
            "x",
            &layer,
        );
        let m = serde_json::json!({
            "schemaVersion": 2, "mediaType": MT_OCI_MANIFEST,
            "config": desc("application/vnd.oci.image.config.v1+json", cfg),
            "layers": [d]
        });
        stub.put(
            &format!("/v2/{REPO}/manifests/biglayer"),
            MT_OCI_MANIFEST,
            &serde_json::to_vec(&m).unwrap(),
        );
        let e = pull(
            &format!("{}/{REPO}:biglayer", stub.host()),
            &wanted,
            &opts("amd64", None),
        )
        .unwrap_err();
        assert!(e.contains("larger than its descriptor"), "{e}");
    }

    #[test]
    fn hostile_or_unread_content_is_an_error_not_a_panic() {
        let (stub, _) = stub_with_image();
        let put_image = |tag: &str, layer: &[u8], mt: &str| {
            let cfg = br#"{"config":{"Cmd":["x"]}}"#;
            stub.put(
                &format!("/v2/{REPO}/blobs/{}", sha256_digest(cfg)),
                "application/json",
                cfg,
            );
            stub.put(
                &format!("/v2/{REPO}/blobs/{}", sha256_digest(layer)),
                "x",
                layer,
            );
            let m = serde_json::json!({
                "schemaVersion": 2, "mediaType": MT_DOCKER_MANIFEST,
                "config": desc("application/vnd.docker.container.image.v1+json", cfg),
                "layers": [desc(mt, layer)]
            });
            stub.put(
                &format!("/v2/{REPO}/manifests/{tag}"),
                MT_DOCKER_MANIFEST,
                &serde_json::to_vec(&m).unwrap(),
            );
        };
        let gz = "application/vnd.docker.image.rootfs.diff.tar.gzip";
        let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
            (
                "garbage",
                b"\x1f\x8b\x08\x00garbage-that-is-not-deflate".to_vec(),
                gz,
                "layer",
            ),
            ("cut", layer1()[..40].to_vec(), gz, "layer"),
            ("nottar", vec![7u8; 1500], gz, "layer"),
            (
                "zstd",
                vec![1, 2, 3],
                "application/vnd.oci.image.layer.v1.tar+zstd",
                "layer media type application/vnd.oci.image.layer.v1.tar+zstd is not read",
            ),
        ];
        for (tag, layer, mt, want) in &cases {
            put_image(tag, layer, mt);
            let e = pull(
                &format!("{}/{REPO}:{tag}", stub.host()),
                &wanted,
                &opts("amd64", None),
            )
            .unwrap_err();
            assert!(e.contains(want), "{tag}: {e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
        for (tag, body) in [
            ("json", &b"{\"mediaType\": [1,"[..]),
            ("deep", &"[".repeat(100_000).into_bytes()[..]),
        ] {
            stub.put(
                &format!("/v2/{REPO}/manifests/{tag}"),
                MT_OCI_MANIFEST,
                body,
            );
            let e = pull(
                &format!("{}/{REPO}:{tag}", stub.host()),
                &wanted,
                &opts("amd64", None),
            )
            .unwrap_err();
            assert!(e.contains("not valid JSON"), "{e}");
        }
    }

    #[test]
    fn cache_serves_a_digest_reference_without_network() {
        let (stub, img) = stub_with_image();
        let dir = TempDir::new();
        let mut o = opts("arm64", Some("v8"));
        o.cache_dir = Some(dir.0.join("cache"));
        let r = format!("{}/{REPO}@{}", stub.host(), img.index);
        let first = pull(&r, &wanted, &o).unwrap();
        assert_eq!(stub.blob_requests(), 3, "config and two layers, each once");
        let n = stub.log().len();
        let second = pull(&r, &wanted, &o).unwrap();
        assert_eq!(first, second);
        assert_eq!(
            stub.log().len(),
            n,
            "no request at all: {:?}",
            &stub.log()[n..]
        );
        // No temporary layer is left behind.
        let tmp = dir.0.join("cache/registry/tmp");
        assert_eq!(fs::read_dir(&tmp).map(Iterator::count).unwrap_or(0), 0);
        // Nothing secret in the cache.
        for e in walk(&dir.0) {
            let b = fs::read(&e).unwrap();
            assert!(
                !String::from_utf8_lossy(&b).contains(TOKEN),
                "{}",
                e.display()
            );
        }
        // A path that no layer has: known from the records, no request.
        let n = stub.log().len();
        let none = pull(&r, &|_| vec!["/etc/hostname".to_string()], &o).unwrap();
        assert_eq!(none.files[0].1, Entry::default());
        assert_eq!(stub.log().len(), n);
        // A path that the records did not look for and a layer has: that
        // layer alone is read again.
        let more = pull(&r, &|_| vec!["/etc/issue".to_string()], &o).unwrap();
        assert_eq!(more.files[0].1.data.as_deref(), Some(&b"Debian"[..]));
        let layer_gets = |digest: &str| {
            stub.log()
                .iter()
                .filter(|(p, a)| p.ends_with(digest) && a.is_some())
                .count()
        };
        assert_eq!(layer_gets(&img.layers[0]), 2, "the first layer again");
        assert_eq!(layer_gets(&img.layers[1]), 1, "not the second");
        // ... and then it is in the record.
        let n = stub.log().len();
        pull(&r, &|_| vec!["/etc/issue".to_string()], &o).unwrap();
        assert_eq!(stub.log().len(), n);
        // A corrupt cache file is ignored.
        for e in walk(&dir.0) {
            fs::write(&e, b"{garbage").unwrap();
        }
        let again = pull(&r, &wanted, &o).unwrap();
        assert_eq!(again, first);
        // A tag is always asked to the registry.
        let n = stub.log().len();
        pull(&format!("{}/{REPO}:1", stub.host()), &wanted, &o).unwrap();
        assert!(stub.log()[n..]
            .iter()
            .any(|(p, _)| p.ends_with("/manifests/1")));
        assert!(
            !stub.log()[n..].iter().any(|(p, _)| p.contains("/blobs/")),
            "all else cached"
        );
    }

    fn walk(d: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let Ok(rd) = fs::read_dir(d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    out.extend(walk(&p));
                } else {
                    out.push(p);
                }
            }
        }
        out
    }

    #[test]
    fn errors_hold_no_secret() {
        let (stub, _) = stub_with_image();
        let dir = TempDir::new();
        let mut o = opts("amd64", None);
        o.docker_config = Some(docker_config(&dir, &stub.host()));
        let secrets = [
            PASS.to_string(),
            TOKEN.to_string(),
            b64(&format!("{USER}:{PASS}")),
        ];
        let e1 = pull(&format!("{}/{REPO}:nope", stub.host()), &wanted, &o).unwrap_err();
        assert!(e1.contains("404"), "{e1}");
        stub.state.lock().unwrap().refuse_token = true;
        let e2 = pull(&format!("{}/{REPO}:1", stub.host()), &wanted, &o).unwrap_err();
        assert!(e2.contains("401") && e2.contains("credentials"), "{e2}");
        for e in [e1, e2] {
            for s in &secrets {
                assert!(!e.contains(s.as_str()), "{e}");
            }
        }
    }

    #[test]
    fn redirects_drop_authorization_to_another_host() {
        let (stub, img) = stub_with_image();
        let Some(storage) = Stub::start("127.0.0.2") else {
            assert!(std::env::var_os("CI").is_none(), "cannot bind 127.0.0.2");
            eprintln!("skipped: cannot bind 127.0.0.2");
            return;
        };
        let l1 = layer1();
        storage.put("/storage/l1", "application/octet-stream", &l1);
        stub.state.lock().unwrap().redirects.insert(
            format!("/v2/{REPO}/blobs/{}", img.layers[0]),
            format!("http://{}/storage/l1", storage.host()),
        );
        let p = pull(
            &format!("{}/{REPO}:1", stub.host()),
            &wanted,
            &opts("amd64", None),
        )
        .unwrap();
        assert_eq!(
            file(&p, "/bin/sh").data.as_deref(),
            Some(&b"#!dash-binary"[..])
        );
        let log = storage.log();
        assert!(!log.is_empty());
        assert!(log.iter().all(|(_, a)| a.is_none()), "{log:?}");
        // A redirect to plain HTTP off loopback is refused.
        stub.state.lock().unwrap().redirects.insert(
            format!("/v2/{REPO}/blobs/{}", img.layers[0]),
            "http://storage.example.com/l1".to_string(),
        );
        let e = pull(
            &format!("{}/{REPO}:1", stub.host()),
            &wanted,
            &opts("amd64", None),
        )
        .unwrap_err();
        assert!(e.contains("refused a redirect to plain HTTP"), "{e}");
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert_eq!(scheme_for("registry-1.docker.io"), "https");
        assert_eq!(scheme_for("ghcr.io"), "https");
        assert_eq!(scheme_for("10.0.0.5:5000"), "https");
        assert_eq!(scheme_for("127.0.0.1.example.com:5000"), "https");
        assert_eq!(scheme_for("localhostx:5000"), "https");
        assert_eq!(scheme_for("127.0.0.1:5000"), "http");
        assert_eq!(scheme_for("127.3.4.5"), "http");
        assert_eq!(scheme_for("localhost:5000"), "http");
        assert_eq!(scheme_for("[::1]:5000"), "http");
        let allowed = |u: &str| Url::parse(u).is_some_and(|u| u.allowed());
        assert!(allowed("https://registry.example.com/v2/"));
        assert!(allowed("http://127.0.0.1:5000/token"));
        assert!(allowed("http://[::1]:5000/v2/"));
        assert!(!allowed("http://registry.example.com/v2/"));
        assert!(!allowed("http://127.0.0.1.evil.example/v2/"));
        assert!(!allowed("http://user@127.0.0.1/v2/"));
        assert!(!allowed("ftp://127.0.0.1/"));
        let base = Url::parse("http://127.0.0.1:5000/v2/x").unwrap();
        assert_eq!(
            base.join("/v2/y").unwrap().text(),
            "http://127.0.0.1:5000/v2/y"
        );
        assert_eq!(
            base.join("//example.com/a").unwrap().text(),
            "http://example.com/a"
        );
        assert!(!base.join("//example.com/a").unwrap().allowed());
    }

    #[test]
    fn references_are_normalized_as_docker_does() {
        let n = |s: &str| Reference::parse(s).map(|r| (r.normalized(), r.api_host().to_string()));
        let hub = |s: &str| Ok((s.to_string(), "registry-1.docker.io".to_string()));
        assert_eq!(n("redis"), hub("docker.io/library/redis:latest"));
        assert_eq!(n("redis:7"), hub("docker.io/library/redis:7"));
        assert_eq!(n("bitnami/redis:7.2"), hub("docker.io/bitnami/redis:7.2"));
        assert_eq!(n("docker.io/redis"), hub("docker.io/library/redis:latest"));
        assert_eq!(
            n("index.docker.io/library/redis:7"),
            hub("docker.io/library/redis:7")
        );
        let d = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(
            n(&format!("redis:7@{d}")),
            hub(&format!("docker.io/library/redis:7@{d}"))
        );
        assert_eq!(
            n(&format!("ghcr.io/o/r@{d}")),
            Ok((format!("ghcr.io/o/r@{d}"), "ghcr.io".to_string()))
        );
        assert_eq!(
            n("127.0.0.1:5000/x/y:1"),
            Ok((
                "127.0.0.1:5000/x/y:1".to_string(),
                "127.0.0.1:5000".to_string()
            ))
        );
        assert_eq!(
            n("localhost/app"),
            Ok(("localhost/app:latest".to_string(), "localhost".to_string()))
        );
        assert_eq!(
            n("localhost:5000/app:v1"),
            Ok((
                "localhost:5000/app:v1".to_string(),
                "localhost:5000".to_string()
            ))
        );
        for bad in [
            "",
            "Redis",
            "redis:",
            "redis@sha256:abc",
            "redis@md5:00",
            "a//b",
            "x/-y",
            "redis:t ag",
            "redis\n:1",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad:?}");
        }
        let r = Reference::parse("redis").unwrap();
        assert_eq!(r.config_key(), "https://index.docker.io/v1/");
    }

    #[test]
    fn challenges_and_config_entries() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.params["realm"], "https://auth.docker.io/token");
        assert_eq!(c.params["service"], "registry.docker.io");
        assert_eq!(c.params["scope"], "repository:library/redis:pull");
        let c = parse_challenge(r#"Basic realm="x \"y\"", charset=UTF-8"#).unwrap();
        assert_eq!(
            (c.scheme.as_str(), c.params["realm"].as_str()),
            ("basic", "x \"y\"")
        );
        assert_eq!(c.params["charset"], "UTF-8");
        assert!(parse_challenge(r#"Bearer realm="unterminated"#).is_none());

        let e = serde_json::json!({"username": "u", "password": "p:q"});
        let c = creds_of_entry(&e).unwrap();
        assert_eq!((c.user.as_str(), c.pass.as_str()), ("u", "p:q"));
        let e = serde_json::json!({"auth": b64("u:p:q")});
        let c = creds_of_entry(&e).unwrap();
        assert_eq!((c.user.as_str(), c.pass.as_str()), ("u", "p:q"));
        assert!(creds_of_entry(&serde_json::json!({"auth": "!!"})).is_none());
        assert!(creds_of_entry(&serde_json::json!({})).is_none());
        assert_eq!(key_host("https://index.docker.io/v1/"), "index.docker.io");
        assert_eq!(key_host("127.0.0.1:5000"), "127.0.0.1:5000");

        // The Docker Hub key, and a credential helper that is not there.
        let dir = TempDir::new();
        let p = dir.0.join("config.json");
        fs::write(
            &p,
            format!(
                r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{}"}}}}}}"#,
                b64("hub:pw")
            ),
        )
        .unwrap();
        let later = Instant::now() + Duration::from_secs(5);
        let hub = Reference::parse("redis").unwrap();
        assert_eq!(
            lookup_creds(&p, &hub, later).map(|c| c.user),
            Some("hub".to_string())
        );
        let other = Reference::parse("ghcr.io/a/b").unwrap();
        assert!(lookup_creds(&p, &other, later).is_none());
        fs::write(&p, r#"{"credHelpers":{"ghcr.io":"dsig-test-none"}}"#).unwrap();
        assert!(lookup_creds(&p, &other, later).is_none());
        fs::write(&p, r#"{"credsStore":"../../bin/sh"}"#).unwrap();
        assert!(
            lookup_creds(&p, &other, later).is_none(),
            "helper names are checked"
        );
    }

    #[test]
    fn resolve_follows_links_across_layers() {
        let mut lower = Record {
            scanned: true,
            ..Record::default()
        };
        let mut upper = lower.clone();
        // The lower layer has a /usr/bin/bash it did not look for.
        lower.present.push(path_hash("/usr/bin/bash"));
        let item = |kind, link: Option<&str>, data: Option<&[u8]>| Item {
            kind,
            link: link.map(str::to_string),
            mode: 0o755,
            data: data.map(<[u8]>::to_vec),
        };
        for p in [
            "/usr",
            "/usr/bin",
            "/usr/bin/dash",
            "/usr/bin/sh",
            "/bin",
            "/bin/sh",
        ] {
            lower.looked.insert(p.to_string());
            upper.looked.insert(p.to_string());
        }
        lower
            .entries
            .insert("/usr".into(), item(ItemKind::Dir, None, None));
        lower
            .entries
            .insert("/usr/bin".into(), item(ItemKind::Dir, None, None));
        lower.entries.insert(
            "/usr/bin/dash".into(),
            item(ItemKind::File, None, Some(b"dash")),
        );
        lower.entries.insert(
            "/usr/bin/sh".into(),
            item(ItemKind::Symlink, Some("dash"), None),
        );
        upper.entries.insert(
            "/bin".into(),
            item(ItemKind::Symlink, Some("usr/bin"), None),
        );
        for r in [&mut lower, &mut upper] {
            r.looked.insert("/usr/bin/sh2".into());
        }
        upper.entries.insert(
            "/usr/bin/sh2".into(),
            item(ItemKind::Hardlink, Some("/usr/bin/dash"), None),
        );
        let records = [lower, upper];
        let mut need = BTreeSet::new();
        let e = resolve(&records, "/usr/bin/sh2", &mut need);
        assert_eq!(
            e.data.as_deref(),
            Some(&b"dash"[..]),
            "hard link to a lower layer"
        );
        let e = resolve(&records, "/bin/sh", &mut need);
        assert_eq!(e.link.as_deref(), Some("dash"));
        assert_eq!(e.data.as_deref(), Some(&b"dash"[..]));
        assert!(need.is_empty(), "{need:?}");
        let e = resolve(&records, "/bin/../usr/./bin/sh", &mut need);
        assert_eq!(e.data.as_deref(), Some(&b"dash"[..]));
        // A path not looked for is asked for.
        let e = resolve(&records, "/usr/bin/bash", &mut need);
        assert_eq!(e, Entry::default());
        assert!(need.contains("/usr/bin/bash"));
        assert_eq!(resolve(&records, "relative", &mut need), Entry::default());
    }

    #[test]
    fn basic_challenge_uses_config_json() {
        let stub = Stub::start("127.0.0.1").expect("bind 127.0.0.1");
        let img = serve_image(&stub, &layer1(), &layer2());
        let basic = format!("Basic {}", b64(&format!("{USER}:{PASS}")));
        stub.state.lock().unwrap().basic = Some(basic.clone());
        let r = format!("{}/{REPO}:1", stub.host());
        let e = pull(&r, &wanted, &opts("amd64", None)).unwrap_err();
        assert!(e.contains("asks for a login"), "{e}");
        let dir = TempDir::new();
        let mut o = opts("amd64", None);
        o.docker_config = Some(docker_config(&dir, &stub.host()));
        let p = pull(&r, &wanted, &o).unwrap();
        assert_eq!(p.digest, img.amd64);
        assert!(stub.log().iter().all(|(p, _)| !p.starts_with("/token")));
        assert!(stub
            .log()
            .iter()
            .any(|(_, a)| a.as_deref() == Some(basic.as_str())));
    }

    #[test]
    fn the_deadline_and_redirect_loops_bound_a_pull() {
        let (stub, img) = stub_with_image();
        let path = format!("/v2/{REPO}/blobs/{}", img.layers[0]);
        let here = format!("http://{}{path}", stub.host());
        stub.state.lock().unwrap().redirects.insert(path, here);
        let r = format!("{}/{REPO}:1", stub.host());
        let e = pull(&r, &wanted, &opts("amd64", None)).unwrap_err();
        assert!(e.contains("too many redirects"), "{e}");

        stub.state.lock().unwrap().slow = Some(Duration::from_secs(3));
        let mut o = opts("amd64", None);
        o.deadline = Duration::from_millis(700);
        let t = Instant::now();
        let e = pull(&r, &wanted, &o).unwrap_err();
        assert!(
            t.elapsed() < Duration::from_millis(2500),
            "{:?}",
            t.elapsed()
        );
        assert!(e.contains("timed out") || e.contains("deadline"), "{e}");
    }

    #[test]
    fn credential_helpers_are_run_bounded() {
        let dir = TempDir::new();
        let script = |name: &str, body: &str| {
            let p = dir.0.join(name);
            fs::write(&p, format!("{body}\n")).unwrap();
            // Run by sh, not exec'd: a file just written can be "busy"
            // while another test thread forks.
            let mut c = Command::new("/bin/sh");
            c.arg(p).arg("get");
            c
        };
        let stdin_copy = dir.0.join("stdin");
        let ok = script(
            "ok",
            &format!(
                r#"cat > '{}'; echo '{{"ServerURL":"x","Username":"hu","Secret":"hs"}}'"#,
                stdin_copy.display()
            ),
        );
        let later = Instant::now() + Duration::from_secs(20);
        let c = run_credential_program(ok, "ghcr.io", later).expect("creds");
        assert_eq!((c.user.as_str(), c.pass.as_str()), ("hu", "hs"));
        assert_eq!(fs::read_to_string(&stdin_copy).unwrap(), "ghcr.io");
        let token = script("token", r#"echo '{"Username":"<token>","Secret":"t"}'"#);
        let c = run_credential_program(token, "x", later).expect("identity token");
        assert_eq!(c.identity.as_deref(), Some("t"));
        let bad = script("bad", "echo not json; exit 1");
        assert!(run_credential_program(bad, "x", later).is_none());
        let hang = script("hang", "exec sleep 30");
        let t = Instant::now();
        let soon = Instant::now() + Duration::from_millis(300);
        assert!(run_credential_program(hang, "x", soon).is_none());
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }

    /// Damaged tars (every byte of a header changed in turn, cut at every
    /// block) give an error or a record, never a panic.
    #[test]
    fn damaged_tars_do_not_panic() {
        let mut entries = vec![
            ("./bin/sh", Ent::Sym("dash")),
            ("./bin/dash", Ent::File(b"#!dash-binary", 0o755)),
            ("./bin/gunzip", Ent::Hard("./bin/dash")),
            ("etc/.wh.gone", Ent::File(b"", 0)),
        ];
        entries.push((LONG, Ent::Long(b"long")));
        entries.push(("opt/pax/named.txt", Ent::Pax(b"pax")));
        let tar = tar_of(&entries);
        let look: BTreeSet<String> = ["/bin", "/bin/dash", "/bin/gunzip", "/opt/pax/named.txt"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        let later = Instant::now() + Duration::from_secs(60);
        let full = scan_layer(&tar[..], &look, later).unwrap();
        assert_eq!(
            full.entries["/bin/dash"].data.as_deref(),
            Some(&b"#!dash-binary"[..])
        );
        assert!(full.whiteouts.contains("/etc/gone"));
        let mut ok = 0;
        for i in 0..tar.len().min(8192) {
            for x in [0xffu8, 0x30, 0x00] {
                let mut t = tar.clone();
                t[i] = x;
                ok += usize::from(scan_layer(&t[..], &look, later).is_ok());
            }
        }
        for cut in (0..tar.len()).step_by(256) {
            let _ = scan_layer(&tar[..cut], &look, later);
        }
        assert!(ok > 0);
        for junk in [
            &b""[..],
            b"5 a=b\n",
            b"99999999999999999999 x",
            b"3 \n",
            b"10 path\n",
        ] {
            let _ = pax_records(junk);
        }
        assert_eq!(
            pax_records(b"12 path=a/b\n"),
            vec![(&b"path"[..], &b"a/b"[..])]
        );
    }

    #[test]
    fn identity_tokens_use_the_refresh_token_grant() {
        let (stub, img) = stub_with_image();
        let dir = TempDir::new();
        let cfg = dir.0.join("config.json");
        let doc = serde_json::json!({"auths": {stub.host(): {"identitytoken": "IDT-secret-77"}}});
        fs::write(&cfg, serde_json::to_vec(&doc).unwrap()).unwrap();
        let mut o = opts("amd64", None);
        o.docker_config = Some(cfg);
        let r = format!("{}/{REPO}:1", stub.host());
        let p = pull(&r, &|_| vec![], &o).unwrap();
        assert_eq!(p.digest, img.amd64);
        let posts = stub.state.lock().unwrap().posts.clone();
        assert_eq!(posts.len(), 1, "{posts:?}");
        for part in [
            "grant_type=refresh_token",
            "refresh_token=IDT-secret-77",
            "service=stub-registry",
            "scope=repository%3Atest%2Fapp%3Apull",
        ] {
            assert!(
                posts[0].split('&').any(|kv| kv == part),
                "{part}: {}",
                posts[0]
            );
        }
        stub.state.lock().unwrap().refuse_token = true;
        let e = pull(&r, &|_| vec![], &o).unwrap_err();
        assert!(e.contains("401") && !e.contains("IDT-secret"), "{e}");
    }
}
