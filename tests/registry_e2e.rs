//! `--images registry` end to end (issue 17): a real OCI registry on
//! 127.0.0.1, Debian's `docker-registry` (Distribution 2.8), started by the
//! test with a config in a temporary directory and stopped by a Drop guard.
//!
//! The base images are `FROM scratch` with static binaries of the host
//! (busybox-static, tini-static) or the host's dash and its libraries, built
//! from testdata/registry/ and pushed with `docker push` (Docker treats
//! 127.0.0.0/8 as an insecure registry, so plain HTTP works). Nothing is
//! pulled from any other registry.
//!
//! - `tini-base`: `ENTRYPOINT ["/tini", "--"]`. A child `FROM` it with
//!   `CMD ["sleep", "100"]` has tini as PID 1: no SIG020 once dsig has read
//!   the base's config.
//! - `multi` (an OCI image index, also named by its digest) and `multi-list`
//!   (a Docker manifest list), made over the registry's HTTP API: the host's
//!   platform is the `tini-base` manifest, the other platform (listed first)
//!   a manifest of the same layers whose config has no ENTRYPOINT. dsig must
//!   take the host's entry: no SIG020, as for `tini-base`.
//! - `dash-base`: /bin/sh is dash, so a shell-form CMD is certainly not PID 1
//!   (`error[SIG001]` ... "is dash").
//! - `script-base`: `ENTRYPOINT ["/entrypoint.sh"]`, a script that runs the
//!   CMD (`/bin/app --serve`) without `exec`: a finding in that script, at
//!   `docker-image://HOST/script-base...@sha256:.../entrypoint.sh:LINE:COL`;
//!   `script-base-ok` ends with `exec "$@"`: nothing. Neither is SIG017
//!   (script-not-analysable).
//!
//! Each child is linted with `--images off`, `docker` and `registry` (each
//! mode with its own DSIG_CACHE_DIR; the `registry` runs with DOCKER_HOST
//! pointing nowhere, so what they know comes from the registry). A second
//! `registry` run with the same cache gives the same output; with the
//! registry stopped, a `registry` run warns that the base image could not be
//! read and reports what `off` does, with the same exit code.
//!
//! Skipped with a reason when no Docker daemon answers or docker-registry,
//! busybox-static, tini-static or dash is missing; with CI set that is a
//! failure. `cargo test --test registry_e2e -- --nocapture` prints the
//! table; it is also written to target/registry-e2e-table.txt.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::host::{docker, docker_daemon, lock, skip, which, DockerLeftovers};

const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

// ---------------------------------------------------------------- SHA-256

/// SHA-256 of `data` (FIPS 180-4), for the digests of what the test uploads.
/// The registry recomputes every digest it is given, so a wrong one fails
/// the upload.
fn sha256(data: &[u8]) -> [u8; 32] {
    #[rustfmt::skip]
    const K: [u32; 64] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
        0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
        0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
        0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
        0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
        0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
        0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
        0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
        0xc671_78f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// `sha256:<hex>` of `data`.
fn digest(data: &[u8]) -> String {
    let mut s = String::from("sha256:");
    for b in sha256(data) {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[test]
fn sha256_known_answers() {
    // FIPS 180-4 examples (one block, two blocks) and the empty message.
    assert_eq!(
        digest(b""),
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        digest(b"abc"),
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        digest(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
}

// ------------------------------------------------------------ HTTP client

/// One answer of the registry.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An HTTP/1.0 request to 127.0.0.1:`port` (the answer ends when the server
/// closes the connection: no chunked encoding, no keep-alive).
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        let _ = write!(req, "{k}: {v}\r\n");
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let headers = lines
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    Ok(Response {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    })
}

// --------------------------------------------------------------- registry

/// `docker-registry serve` on 127.0.0.1 with its storage in `dir`; killed
/// when dropped.
struct Registry {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
}

impl Registry {
    /// Start it on a free port and wait until `GET /v2/` answers 200. The
    /// port is free when picked; should something take it before the
    /// registry binds it, another one is tried.
    fn start(dir: &Path) -> Registry {
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port on 127.0.0.1")
                .port();
            let config = dir.join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\n\
                     log:\n  level: warn\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n\
                     http:\n  addr: 127.0.0.1:{port}\n  secret: dsig-registry-e2e\n",
                    data.display()
                ),
            )
            .unwrap();
            let log = dir.join("registry.log");
            let out = std::fs::File::create(&log).unwrap();
            let child = Command::new(REGISTRY_BIN)
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(out.try_clone().unwrap())
                .stderr(out)
                .spawn()
                .expect("start docker-registry");
            let mut reg = Registry {
                child: Some(child),
                port,
                log,
            };
            let start = Instant::now();
            let exited = loop {
                if http(port, "GET", "/v2/", &[], b"").is_ok_and(|r| r.status == 200) {
                    return reg;
                }
                let exited = reg.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
                if exited.is_some() || start.elapsed() > Duration::from_secs(20) {
                    break exited;
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            let log = reg.log_text();
            assert!(
                exited.is_some() && log.contains("address already in use") && attempt < 3,
                "docker-registry on 127.0.0.1:{port} does not answer GET /v2/ ({}):\n{log}",
                exited.map_or_else(|| "timeout".to_string(), |s| s.to_string()),
            );
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        http(self.port, method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path} on the registry: {e}"))
    }

    /// `request` that must answer `want`.
    fn expect(
        &self,
        want: u16,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let r = self.request(method, path, headers, body);
        assert_eq!(
            r.status,
            want,
            "{method} {path}: {}\n{}",
            r.text(),
            self.log_text()
        );
        r
    }

    /// A blob pushed to `repo` (POST an upload, PUT it with its digest).
    fn upload_blob(&self, repo: &str, data: &[u8]) -> String {
        let d = digest(data);
        let r = self.expect(202, "POST", &format!("/v2/{repo}/blobs/uploads/"), &[], b"");
        let location = r.header("Location").expect("upload Location").to_string();
        let path = location
            .strip_prefix(&format!("http://{}", self.host()))
            .unwrap_or(&location);
        let sep = if path.contains('?') { '&' } else { '?' };
        let r = self.expect(
            201,
            "PUT",
            &format!("{path}{sep}digest={d}"),
            &[("Content-Type", "application/octet-stream")],
            data,
        );
        assert_eq!(r.header("Docker-Content-Digest"), Some(d.as_str()));
        d
    }

    /// A blob of `from` made a blob of `repo` too (a cross-repository mount).
    fn mount_blob(&self, repo: &str, from: &str, blob: &str) {
        self.expect(
            201,
            "POST",
            &format!("/v2/{repo}/blobs/uploads/?mount={blob}&from={from}"),
            &[],
            b"",
        );
    }

    fn blob(&self, repo: &str, blob: &str) -> Vec<u8> {
        let body = self
            .expect(200, "GET", &format!("/v2/{repo}/blobs/{blob}"), &[], b"")
            .body;
        assert_eq!(digest(&body), blob, "blob {repo}@{blob} has another digest");
        body
    }

    /// PUT a manifest (or index) as `repo:reference`; its digest.
    fn put_manifest(&self, repo: &str, reference: &str, media_type: &str, body: &[u8]) -> String {
        let d = digest(body);
        let r = self.expect(
            201,
            "PUT",
            &format!("/v2/{repo}/manifests/{reference}"),
            &[("Content-Type", media_type)],
            body,
        );
        assert_eq!(r.header("Docker-Content-Digest"), Some(d.as_str()));
        d
    }

    /// GET `repo:reference` accepting `media_type`: the body, checked to be
    /// of that type.
    fn manifest(&self, repo: &str, reference: &str, media_type: &str) -> Vec<u8> {
        let r = self.expect(
            200,
            "GET",
            &format!("/v2/{repo}/manifests/{reference}"),
            &[("Accept", media_type)],
            b"",
        );
        assert_eq!(
            r.header("Content-Type"),
            Some(media_type),
            "GET {repo}:{reference}"
        );
        r.body
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---------------------------------------------------------- docker images

/// The test's work directory, and every local image tag and directory it
/// made: removed when dropped, also on a panic (containers: the builds use
/// --force-rm; dsig removes its own `docker create`; none are started).
struct Cleanup {
    work: PathBuf,
    made: DockerLeftovers,
}

fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `docker build` of `dir` as `tag`; every image it makes is recorded.
fn build(cleanup: &Cleanup, dir: &Path, tag: &str) {
    lock(&cleanup.made.tags).push(tag.to_string());
    let out = docker(&[
        "build",
        "--no-cache",
        "--force-rm",
        "-t",
        tag,
        &dir.display().to_string(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    lock(&cleanup.made.ids).extend(stdout.lines().filter_map(|l| {
        let id = l.strip_prefix(" ---> ")?;
        (id.len() >= 12 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_string())
    }));
    assert!(
        out.status.success(),
        "docker build -t {tag} failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `docker push tag`: the manifest digest it printed.
fn push(tag: &str) -> String {
    let out = docker_ok(&["push", tag]);
    out.lines()
        .find_map(|l| {
            let rest = l.split_once("digest: ")?.1;
            Some(rest.split_whitespace().next()?.to_string())
        })
        .unwrap_or_else(|| panic!("docker push {tag} printed no digest:\n{out}"))
}

/// A build context: a copy of testdata/registry/<src> plus `files` (host
/// path, name in the context); the entrypoint scripts made executable.
fn context(cleanup: &Cleanup, src: &str, files: &[(&Path, &str)]) -> PathBuf {
    let dir = cleanup.work.join("ctx").join(src);
    std::fs::create_dir_all(&dir).unwrap();
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/registry")
        .join(src);
    for e in std::fs::read_dir(&from).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    for (host, name) in files {
        std::fs::copy(host, dir.join(name)).unwrap();
    }
    let script = dir.join("entrypoint.sh");
    if script.is_file() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

/// The context of dash-base: root/bin/dash, root/bin/sh -> dash, and the
/// libraries `ldd /bin/dash` names, at their host paths under root/.
fn dash_context(cleanup: &Cleanup, dash: &Path) -> Option<PathBuf> {
    let ldd = Command::new("ldd").arg(dash).output().ok()?;
    if !ldd.status.success() {
        return None;
    }
    let libs: Vec<PathBuf> = String::from_utf8_lossy(&ldd.stdout)
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let p = l.split_once("=>").map_or(l, |(_, p)| p).trim();
            let p = p.split_whitespace().next()?;
            p.starts_with('/').then(|| PathBuf::from(p))
        })
        .collect();
    if libs.is_empty() {
        return None;
    }
    let dir = context(cleanup, "dash-base", &[]);
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::copy(dash, root.join("bin/dash")).unwrap();
    std::os::unix::fs::symlink("dash", root.join("bin/sh")).unwrap();
    for l in libs {
        let to = root.join(l.strip_prefix("/").unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&l, &to).unwrap();
    }
    Some(dir)
}

/// Docker's and OCI's names of the host's platform, and of the other one
/// the multi-platform images list.
fn platforms() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "aarch64" => ("arm64", "amd64"),
        _ => ("amd64", "arm64"),
    }
}

fn platform(arch: &str) -> serde_json::Value {
    if arch == "arm64" {
        serde_json::json!({"architecture": "arm64", "os": "linux", "variant": "v8"})
    } else {
        serde_json::json!({"architecture": arch, "os": "linux"})
    }
}

/// The multi-platform images over the HTTP API, from the pushed
/// `tini-base:tag` (`host_digest`): `multi:tag` (OCI index) and
/// `multi-list:tag` (Docker manifest list). Both list the other platform
/// first: a manifest of the same layers whose config has no ENTRYPOINT.
/// Returns the digest of the OCI index.
fn make_multi(reg: &Registry, tag: &str, host_digest: &str) -> String {
    let (host_arch, other_arch) = platforms();
    let host_manifest = reg.manifest("tini-base", tag, DOCKER_MANIFEST);
    assert_eq!(
        digest(&host_manifest),
        host_digest,
        "GET tini-base:{tag} is not what docker push sent"
    );
    let m: serde_json::Value = serde_json::from_slice(&host_manifest).unwrap();
    let config_digest = m["config"]["digest"].as_str().unwrap().to_string();
    let layers: Vec<(String, u64)> = m["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["digest"].as_str().unwrap().to_string(),
                l["size"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut config: serde_json::Value =
        serde_json::from_slice(&reg.blob("tini-base", &config_digest)).unwrap();
    assert_eq!(
        config["config"]["Entrypoint"],
        serde_json::json!(["/tini", "--"]),
        "tini-base's config in the registry"
    );
    assert_eq!(config["architecture"], host_arch);
    config["architecture"] = other_arch.into();
    if other_arch == "arm64" {
        config["variant"] = "v8".into();
    }
    config["config"]["Entrypoint"] = serde_json::Value::Null;
    config["config"]["Cmd"] = serde_json::json!(["/bin/sh"]);
    let other_config = serde_json::to_vec(&config).unwrap();

    let mut oci_index = String::new();
    for (repo, index_type, manifest_type, config_type, layer_type) in [
        ("multi", OCI_INDEX, OCI_MANIFEST, OCI_CONFIG, OCI_LAYER),
        (
            "multi-list",
            DOCKER_LIST,
            DOCKER_MANIFEST,
            DOCKER_CONFIG,
            DOCKER_LAYER,
        ),
    ] {
        for (l, _) in &layers {
            reg.mount_blob(repo, "tini-base", l);
        }
        reg.mount_blob(repo, "tini-base", &config_digest);
        let host = reg.put_manifest(repo, host_digest, DOCKER_MANIFEST, &host_manifest);
        let other_config_digest = reg.upload_blob(repo, &other_config);
        let other = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": {
                "mediaType": config_type,
                "size": other_config.len(),
                "digest": other_config_digest,
            },
            "layers": layers.iter().map(|(d, s)| serde_json::json!({
                "mediaType": layer_type, "size": s, "digest": d,
            })).collect::<Vec<_>>(),
        }))
        .unwrap();
        let other_digest = reg.put_manifest(repo, &digest(&other), manifest_type, &other);
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": index_type,
            "manifests": [
                {
                    "mediaType": manifest_type,
                    "size": other.len(),
                    "digest": other_digest,
                    "platform": platform(other_arch),
                },
                {
                    "mediaType": DOCKER_MANIFEST,
                    "size": host_manifest.len(),
                    "digest": host,
                    "platform": platform(host_arch),
                },
            ],
        }))
        .unwrap();
        let index_digest = reg.put_manifest(repo, tag, index_type, &index);
        // What the registry gives back: the index by tag and by digest, and
        // each entry by digest.
        assert_eq!(reg.manifest(repo, tag, index_type), index);
        assert_eq!(reg.manifest(repo, &index_digest, index_type), index);
        assert_eq!(reg.manifest(repo, &other_digest, manifest_type), other);
        assert_eq!(
            reg.manifest(repo, host_digest, DOCKER_MANIFEST),
            host_manifest
        );
        if index_type == OCI_INDEX {
            oci_index = index_digest;
        }
    }
    oci_index
}

// -------------------------------------------------------------------- dsig

/// One run of `dsig lint`.
struct Lint {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `dsig lint --isolated --format concise --images IMAGES DOCKERFILE` with
/// DSIG_CACHE_DIR=`cache` (and DOCKER_HOST pointing nowhere unless the
/// images come from Docker), at most 120 s.
fn lint(dockerfile: &Path, images: &str, cache: &Path, out_dir: &Path) -> Lint {
    std::fs::create_dir_all(out_dir).unwrap();
    let (o, e) = (out_dir.join("stdout"), out_dir.join("stderr"));
    let mut cmd = Command::new(common::cli::BIN);
    cmd.args([
        "lint",
        "--isolated",
        "--format",
        "concise",
        "--images",
        images,
    ])
    .arg(dockerfile)
    .env("DSIG_CACHE_DIR", cache)
    .env_remove("NO_COLOR")
    .env_remove("CLICOLOR_FORCE")
    .env_remove("GITHUB_ACTIONS")
    .stdin(Stdio::null())
    .stdout(std::fs::File::create(&o).unwrap())
    .stderr(std::fs::File::create(&e).unwrap());
    if images != "docker" {
        cmd.env("DOCKER_HOST", "unix:///nonexistent/dsig-registry-e2e.sock");
    }
    let mut child = cmd.spawn().expect("run dsig lint");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for dsig") {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = std::fs::read_to_string(&e).unwrap_or_default();
    if status.is_none() {
        stderr.push_str("(killed after 120 s)");
    }
    Lint {
        code: status.and_then(|s| s.code()),
        stdout: std::fs::read_to_string(&o).unwrap_or_default(),
        stderr,
    }
}

/// One finding of the concise format: `path:line:col: severity[CODE] msg`.
struct Finding {
    /// `path:line:col`
    place: String,
    severity: String,
    code: String,
}

fn findings(stdout: &str) -> Vec<Finding> {
    stdout
        .lines()
        .filter_map(|l| {
            let (at, sev) = ["error", "warning", "info"]
                .iter()
                .filter_map(|s| l.find(&format!(": {s}[SIG")).map(|i| (i, *s)))
                .min()?;
            let rest = &l[at + 2 + sev.len() + 1..];
            let code = rest.split(']').next()?.to_string();
            Some(Finding {
                place: l[..at].to_string(),
                severity: sev.to_string(),
                code,
            })
        })
        .collect()
}

/// A table cell: the findings' `severity[CODE]`, those in a file of an
/// image marked with its name and line.
fn summary(l: &Lint) -> String {
    let mut parts: Vec<String> = findings(&l.stdout)
        .iter()
        .map(|f| {
            let mut s = format!("{}[{}]", &f.severity[..1], f.code);
            if f.place.starts_with("docker-image://") {
                let file = f.place.rsplit('/').next().unwrap_or("?");
                let _ = write!(s, "@{file}");
            }
            s
        })
        .collect();
    if parts.is_empty() {
        parts.push("-".to_string());
    }
    format!(
        "{} ({})",
        parts.join(" "),
        l.code.map_or("?".into(), |c| c.to_string())
    )
}

fn has(l: &Lint, sev: &str, code: &str) -> bool {
    findings(&l.stdout)
        .iter()
        .any(|f| f.code == code && (sev.is_empty() || f.severity == sev))
}

/// Whether `place` (`path:line:col`) is line `line` of `/.../file` in the
/// image `repo` of manifest `digest`:
/// `docker-image://REPO[:TAG]@DIGEST/.../FILE:LINE:COL`.
fn in_image(place: &str, repo: &str, digest: &str, file: &str, line: usize) -> bool {
    let Some(rest) = place.strip_prefix(&format!("docker-image://{repo}")) else {
        return false;
    };
    let mut parts = rest.rsplitn(3, ':');
    let (Some(col), Some(l), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    col.parse::<u32>().is_ok()
        && l.parse::<usize>().ok() == Some(line)
        && path.starts_with([':', '@'])
        && path.contains(&format!("@{digest}/"))
        && path.ends_with(&format!("/{file}"))
}

#[test]
fn concise_lines_and_image_places() {
    let out = "docker-image://127.0.0.1:5000/app:1@sha256:ab12/entrypoint.sh:7:1: error[SIG010] `x` runs: a: warning[SIG020] b\n\
               Dockerfile:2:1: info[SIG017] /e.sh is not analysable\n\
               Found 2 findings in 2 files.\n";
    let f = findings(out);
    assert_eq!(f.len(), 2);
    assert_eq!(
        (f[0].severity.as_str(), f[0].code.as_str()),
        ("error", "SIG010")
    );
    assert_eq!(
        (f[1].place.as_str(), f[1].code.as_str()),
        ("Dockerfile:2:1", "SIG017")
    );
    let (repo, d) = ("127.0.0.1:5000/app", "sha256:ab12");
    assert!(in_image(&f[0].place, repo, d, "entrypoint.sh", 7));
    assert!(!in_image(&f[0].place, repo, d, "entrypoint.sh", 1));
    assert!(!in_image(
        &f[0].place,
        repo,
        "sha256:ab1",
        "entrypoint.sh",
        7
    ));
    assert!(!in_image(
        &f[0].place,
        "127.0.0.1:5000/ap",
        d,
        "entrypoint.sh",
        7
    ));
    assert!(!in_image(&f[0].place, repo, d, "start.sh", 7));
    assert!(!in_image(
        "docker-image://127.0.0.1:5000/app:1/entrypoint.sh:7:1",
        repo,
        d,
        "entrypoint.sh",
        7
    ));
}

/// Every file below `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => todo.push(e.path()),
                Ok(_) => out.push(e.path()),
                Err(_) => {}
            }
        }
    }
    out
}

/// The 1-based line of `script` that is `needle` (trimmed).
fn line_of(script: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("testdata/registry/{script}")),
    )
    .unwrap();
    text.lines()
        .position(|l| l.trim() == needle)
        .unwrap_or_else(|| panic!("no line {needle} in {script}"))
        + 1
}

#[test]
#[allow(clippy::too_many_lines)]
fn images_from_a_real_registry() {
    if let Err(why) = docker_daemon() {
        skip(&why);
        return;
    }
    if !Path::new(REGISTRY_BIN).is_file() {
        skip(&format!(
            "{REGISTRY_BIN} is not installed (Debian's docker-registry; bash .ci/install-deps installs it)"
        ));
        return;
    }
    let mut bins = Vec::new();
    for (candidates, pkg) in [
        (&["/bin/busybox", "busybox"][..], "busybox-static"),
        (&["/usr/bin/tini-static", "tini-static"][..], "tini"),
        (&["/bin/dash", "dash"][..], "dash"),
    ] {
        let Some(p) = candidates.iter().find_map(|c| which(c)) else {
            skip(&format!(
                "{pkg} is not installed ({}; bash .ci/install-deps installs it)",
                candidates[0]
            ));
            return;
        };
        bins.push(p);
    }
    let (busybox, tini, dash) = (&bins[0], &bins[1], &bins[2]);
    let total = Instant::now();

    let pid = std::process::id();
    let cleanup = Cleanup {
        work: std::env::temp_dir().join(format!("dsig-registry-e2e-{pid}")),
        made: DockerLeftovers::default(),
    };
    lock(&cleanup.made.dirs).push(cleanup.work.clone());
    let _ = std::fs::remove_dir_all(&cleanup.work);
    std::fs::create_dir_all(&cleanup.work).unwrap();
    // Dropped before `cleanup` (declared after it), so the registry is gone
    // before its storage is removed.
    let mut reg = Registry::start(&cleanup.work.join("registry"));
    let host = reg.host();
    let tag = format!("t{pid}");
    let image = |repo: &str| format!("{host}/{repo}:{tag}");

    // The base images, built and pushed.
    let Some(dash_ctx) = dash_context(&cleanup, dash) else {
        skip("`ldd /bin/dash` names no libraries to copy");
        return;
    };
    let contexts = [
        (
            "tini-base",
            context(
                &cleanup,
                "tini-base",
                &[(busybox, "busybox"), (tini, "tini-static")],
            ),
        ),
        ("dash-base", dash_ctx),
        (
            "script-base",
            context(&cleanup, "script-base", &[(busybox, "busybox")]),
        ),
        (
            "script-base-ok",
            context(&cleanup, "script-base-ok", &[(busybox, "busybox")]),
        ),
    ];
    let mut pushed = Vec::new();
    for (repo, dir) in &contexts {
        build(&cleanup, dir, &image(repo));
        let d = push(&image(repo));
        // The registry has it under that digest.
        let m = reg.manifest(repo, &tag, DOCKER_MANIFEST);
        assert_eq!(digest(&m), d, "{repo}: the registry's manifest");
        pushed.push((*repo, d));
    }
    let built = Instant::now();
    let index_digest = make_multi(&reg, &tag, &pushed[0].1);
    // The OCI index also by digest (`FROM NAME@sha256:...`).
    let by_digest = format!("{host}/multi@{index_digest}");
    // Docker takes the host's entry of both lists (the same image as
    // tini-base); pulled, they are there for `--images docker` too.
    let (host_arch, _) = platforms();
    for name in [image("multi"), image("multi-list"), by_digest.clone()] {
        lock(&cleanup.made.tags).push(name.clone());
        docker_ok(&["pull", "-q", &name]);
        let seen = docker_ok(&[
            "image",
            "inspect",
            "--format",
            "{{.Architecture}} {{json .Config.Entrypoint}}",
            &name,
        ]);
        assert_eq!(
            seen,
            format!("{host_arch} [\"/tini\",\"--\"]"),
            "docker pull {name}"
        );
    }
    let registry_ready = Instant::now();

    // The children, linted in each mode.
    let exec_form = "CMD [\"sleep\", \"100\"]";
    let app_form = "CMD [\"/bin/app\", \"--serve\"]";
    // (row, FROM, CMD)
    let children = [
        ("tini-base", image("tini-base"), exec_form),
        ("multi", image("multi"), exec_form),
        ("multi@digest", by_digest, exec_form),
        ("multi-list", image("multi-list"), exec_form),
        ("dash-base", image("dash-base"), "CMD /bin/app --serve"),
        // An app, not `sleep 100`: dsig takes a sleep under SLEEP_FOREVER
        // for a one-shot, and a one-shot as a child stops by itself.
        ("script-base", image("script-base"), app_form),
        ("script-base-ok", image("script-base-ok"), app_form),
    ];
    struct Row {
        base: &'static str,
        off: Lint,
        docker: Lint,
        registry: Lint,
        again: Lint,
        down: Option<Lint>,
        down_cached: Option<Lint>,
    }
    let caches = cleanup.work.join("cache");
    let mut rows = Vec::new();
    for (base, from, cmd) in children {
        let dir = cleanup.work.join("child").join(base.replace('@', "-"));
        std::fs::create_dir_all(&dir).unwrap();
        let df = dir.join("Dockerfile");
        std::fs::write(&df, format!("FROM {from}\n{cmd}\n")).unwrap();
        let runs = dir.join("runs");
        rows.push(Row {
            base,
            off: lint(&df, "off", &caches.join("off"), &runs.join("off")),
            docker: lint(&df, "docker", &caches.join("docker"), &runs.join("docker")),
            registry: lint(
                &df,
                "registry",
                &caches.join("registry"),
                &runs.join("registry"),
            ),
            again: lint(
                &df,
                "registry",
                &caches.join("registry"),
                &runs.join("again"),
            ),
            down: None,
            down_cached: None,
        });
    }
    let linted = Instant::now();
    // The registry stopped: a fresh cache (nothing to read), and the cache
    // of the runs above (reported, not asserted: the contract says nothing).
    reg.stop();
    for row in &mut rows {
        let dir = cleanup.work.join("child").join(row.base.replace('@', "-"));
        let df = dir.join("Dockerfile");
        row.down = Some(lint(
            &df,
            "registry",
            &caches.join("down"),
            &dir.join("runs/down"),
        ));
        row.down_cached = Some(lint(
            &df,
            "registry",
            &caches.join("registry"),
            &dir.join("runs/down-cached"),
        ));
    }

    // The checks.
    let mut problems = Vec::new();
    let show = |l: &Lint| {
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            l.code, l.stdout, l.stderr
        )
    };
    let script_line = line_of("script-base/entrypoint.sh", "\"$@\"");
    for row in &rows {
        let base = row.base;
        for (mode, l) in [
            ("off", &row.off),
            ("docker", &row.docker),
            ("registry", &row.registry),
        ] {
            if !matches!(l.code, Some(0 | 1)) || l.stderr.contains("panicked") {
                problems.push(format!("{base}, --images {mode}: {}", show(l)));
            }
        }
        for (mode, l) in [("docker", &row.docker), ("registry", &row.registry)] {
            let mut fail = |why: &str| {
                problems.push(format!("{base}, --images {mode}: {why}:\n{}", show(l)));
            };
            match base {
                "tini-base" | "multi" | "multi@digest" | "multi-list" => {
                    if has(l, "", "SIG020") {
                        fail("SIG020 although the base's ENTRYPOINT is tini");
                    }
                }
                "dash-base" => {
                    if !(has(l, "error", "SIG001") && l.stdout.contains("is dash")) {
                        fail("no error[SIG001] saying the base's /bin/sh is dash");
                    }
                }
                _ => {
                    let in_script: Vec<Finding> = findings(&l.stdout)
                        .into_iter()
                        .filter(|f| f.place.starts_with("docker-image://"))
                        .collect();
                    if has(l, "", "SIG017") {
                        fail("SIG017 (script not analysable)");
                    }
                    if base == "script-base" {
                        // At the digest `docker push` printed.
                        let repo = format!("{host}/{base}");
                        let d = &pushed.iter().find(|(r, _)| *r == base).unwrap().1;
                        if !in_script
                            .iter()
                            .any(|f| in_image(&f.place, &repo, d, "entrypoint.sh", script_line))
                        {
                            fail(&format!(
                                "no finding at docker-image://{repo}...@{d}/entrypoint.sh:{script_line}:COL"
                            ));
                        }
                    } else if !in_script.is_empty() {
                        fail("a finding in the image's entrypoint.sh, which ends with exec \"$@\"");
                    }
                }
            }
        }
        // Without the base's config: `sleep` may be PID 1 (SIG020), and
        // /bin/sh may be one that execs the last command (a SIG001 warning).
        match base {
            "tini-base" | "multi" | "multi@digest" | "multi-list"
                if !has(&row.off, "", "SIG020") =>
            {
                problems.push(format!(
                    "{base}, --images off: no SIG020:\n{}",
                    show(&row.off)
                ));
            }
            "dash-base"
                if !has(&row.off, "warning", "SIG001") || has(&row.off, "error", "SIG001") =>
            {
                problems.push(format!(
                    "{base}, --images off: SIG001 is not a warning:\n{}",
                    show(&row.off)
                ));
            }
            _ => {}
        }
        if (row.again.code, &row.again.stdout) != (row.registry.code, &row.registry.stdout) {
            problems.push(format!(
                "{base}: a second --images registry run with the same cache differs:\nfirst: {}\nsecond: {}",
                show(&row.registry),
                show(&row.again)
            ));
        }
        let down = row.down.as_ref().unwrap();
        if !(down
            .stderr
            .contains("warning: --images registry: base image")
            && down.stderr.contains("could not be read"))
            || (down.code, &down.stdout) != (row.off.code, &row.off.stdout)
        {
            problems.push(format!(
                "{base}, --images registry with the registry stopped: want the warning and \
                 --images off's output:\n{}\noff: {}",
                show(down),
                show(&row.off)
            ));
        }
    }

    // The table.
    let mut text = format!(
        "--images on children of images in a registry on {host} (builds+pushes {:.0}s, \
         index+pulls {:.1}s, lint runs {:.1}s; registry {})\n",
        built.duration_since(total).as_secs_f64(),
        registry_ready.duration_since(built).as_secs_f64(),
        linted.duration_since(registry_ready).as_secs_f64(),
        REGISTRY_BIN,
    );
    let header = [
        "image",
        "off",
        "docker",
        "registry",
        "registry again",
        "registry down",
        "down, cached",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.base.to_string(),
                summary(&r.off),
                summary(&r.docker),
                summary(&r.registry),
                summary(&r.again),
                r.down.as_ref().map_or("-".into(), summary),
                r.down_cached.as_ref().map_or("-".into(), summary),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut line = |cols: &[&str]| {
        let mut l = String::new();
        for (c, w) in cols.iter().zip(&widths) {
            let _ = write!(l, "{c:<w$}  ");
        }
        let _ = writeln!(text, "{}", l.trim_end());
    };
    line(&header);
    for c in &cells {
        line(&c.iter().map(String::as_str).collect::<Vec<_>>());
    }
    text.push_str(
        "cells: the findings (e/w/i[CODE], @FILE when in a file of the base image) and the exit code.\n\
         multi: an OCI index (multi@digest: FROM it by digest), multi-list: a Docker manifest list;\n\
         both list the other platform first (its config has no ENTRYPOINT) and the host's second\n\
         (tini-base's manifest).\n",
    );
    let _ = writeln!(
        text,
        "DSIG_CACHE_DIR of the registry runs: {} files, {} bytes",
        files_under(&caches.join("registry")).len(),
        files_under(&caches.join("registry"))
            .iter()
            .filter_map(|f| f.metadata().ok())
            .map(|m| m.len())
            .sum::<u64>()
    );
    for r in &rows {
        for (mode, l) in [("docker", &r.docker), ("registry", &r.registry)] {
            for f in findings(&l.stdout) {
                if f.place.starts_with("docker-image://") {
                    let _ = writeln!(
                        text,
                        "{}, {mode}: {}: {}[{}]",
                        r.base, f.place, f.severity, f.code
                    );
                }
            }
        }
    }
    for r in &rows {
        if let Some(d) = &r.down {
            if let Some(w) = d.stderr.lines().find(|l| l.contains("--images registry")) {
                let _ = writeln!(text, "registry down, {}: {w}", r.base);
            }
        }
    }
    println!("{text}");
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("registry-e2e-table.txt"), &text);
    assert!(
        problems.is_empty(),
        "--images registry/docker disagree with the contract:\n{}",
        problems.join("\n\n")
    );
}
