//! `file://` URIs and paths, both ways (RFC 8089, as editors send them).
//!
//! lsp-types 0.97 carries URIs as checked strings without path
//! conversions; these are the few lines dsig needs, without the `url`
//! crate.

use std::path::{Path, PathBuf};

/// The absolute path a `file:` URI names (`file:///a%20b`, `file://localhost/x`);
/// `None` for another scheme, a remote host, a relative or invalid path.
#[must_use]
pub fn to_path(uri: &str) -> Option<PathBuf> {
    let (scheme, rest) = uri.split_once(':')?;
    if !scheme.eq_ignore_ascii_case("file") {
        return None;
    }
    let rest = rest.strip_prefix("//")?;
    let slash = rest.find('/')?;
    let (host, path) = rest.split_at(slash);
    if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
        return None;
    }
    // A query or fragment is not part of the path.
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let bytes = percent_decode(path)?;
    if bytes.contains(&0) {
        return None;
    }
    let path = bytes_to_path(bytes)?;
    path.is_absolute().then_some(path)
}

/// The `file:` URI of an absolute path: every byte but the unreserved
/// characters, `/` and a few sub-delimiters percent-encoded.
#[must_use]
pub fn from_path(path: &Path) -> String {
    let mut out = String::from("file://");
    for &b in path_bytes(path).iter() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(unix)]
fn bytes_to_path(bytes: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: Vec<u8>) -> Option<PathBuf> {
    // `file:///C:/x`: the drive letter follows the slash.
    let s = String::from_utf8(bytes).ok()?;
    let s = match s.as_bytes() {
        [b'/', d, b':', ..] if d.is_ascii_alphabetic() => s[1..].to_string(),
        _ => s,
    };
    Some(PathBuf::from(s))
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(path.as_os_str().as_bytes())
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = if s.starts_with('/') {
        s
    } else {
        format!("/{s}")
    };
    std::borrow::Cow::Owned(s.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        for p in ["/a/b", "/a b/ü%x#?.sh", "/", "/x/Dockerfile.prod"] {
            let uri = from_path(Path::new(p));
            assert!(uri.starts_with("file:///"), "{uri}");
            assert!(!uri[7..].contains([' ', '#', '?', '%']) || uri.contains("%25"));
            assert_eq!(to_path(&uri).as_deref(), Some(Path::new(p)), "{uri}");
            // What the client sends parses as a URI for lsp-types.
            assert!(uri.parse::<lsp_types::Uri>().is_ok(), "{uri}");
        }
        assert_eq!(
            to_path("file://localhost/etc/x%20y"),
            Some(PathBuf::from("/etc/x y"))
        );
        assert_eq!(to_path("FILE:///a#frag"), Some(PathBuf::from("/a")));
        for bad in [
            "untitled:Untitled-1",
            "file://host/x",
            "file:relative",
            "file:///a%2",
            "file:///a%zz",
            "file:///a%00b",
            "http:///a",
            "",
        ] {
            assert_eq!(to_path(bad), None, "{bad}");
        }
    }
}
