//! `dsig server` end to end: the pytest-lsp client tests under
//! testdata/lsp (a real LSP client; skipped with a reason when pytest-lsp
//! is not installed, a failure when CI is set), and the raw protocol on
//! the binary's stdin and stdout (hostile input, exit codes).

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::{manifest_dir, temp_dir, BIN};
use serde_json::{json, Value};

#[test]
fn pytest_lsp_client() {
    let probe = Command::new("python3")
        .args(["-c", "import pytest, pytest_lsp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        common::host::skip(
            "python3 with pytest-lsp is not installed (pip install pytest-lsp==1.0.1)",
        );
        return;
    }
    let out = Command::new("python3")
        .args(["-m", "pytest", "testdata/lsp", "-q", "--durations=3"])
        .current_dir(manifest_dir())
        .env("DSIG_BIN", BIN)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run pytest");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "pytest failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("passed"), "{stdout}");
    assert!(!stdout.contains("skipped"), "{stdout}");
}

fn frame(body: &Value) -> Vec<u8> {
    let body = body.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// Run `dsig server ARGS` with `input` on stdin (then closed): its exit
/// code, the frames it wrote (stdout must hold nothing else), stderr.
fn serve(args: &[&str], input: &[u8]) -> (Option<i32>, Vec<Value>, String) {
    let mut child = Command::new(BIN)
        .arg("server")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dsig server");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        // The server may exit before reading everything: not an error here.
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut b);
        b
    });
    let mut stderr = child.stderr.take().expect("stderr");
    let err_reader = std::thread::spawn(move || {
        let mut b = String::new();
        let _ = stderr.read_to_string(&mut b);
        b
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("dsig server did not exit within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = writer.join();
    let out = reader.join().expect("stdout");
    let err = err_reader.join().expect("stderr");
    assert!(!err.contains("panicked"), "panic: {err}");
    (status.code(), parse_frames(&out), err)
}

/// Every byte of `out` is in an LSP frame.
fn parse_frames(mut out: &[u8]) -> Vec<Value> {
    let mut frames = Vec::new();
    while !out.is_empty() {
        let text = String::from_utf8_lossy(out);
        let rest = text
            .strip_prefix("Content-Length: ")
            .unwrap_or_else(|| panic!("not a frame: {text:?}"));
        let (len, _) = rest.split_once("\r\n\r\n").expect("header end");
        let len: usize = len.parse().expect("length");
        let start = "Content-Length: ".len() + len.to_string().len() + 4;
        let body = &out[start..start + len];
        frames.push(serde_json::from_slice(body).expect("JSON body"));
        out = &out[start + len..];
    }
    frames
}

fn response(frames: &[Value], id: &Value) -> Value {
    frames
        .iter()
        .find(|f| f.get("id") == Some(id) && f.get("method").is_none())
        .cloned()
        .unwrap_or_else(|| panic!("no response {id}: {frames:?}"))
}

fn initialize(id: i32, root: &Path) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "processId": null,
        "rootUri": format!("file://{}", root.display()),
        "capabilities": {}
    }})
}

#[test]
fn raw_session_survives_hostile_input_and_exits_zero() {
    let dir = temp_dir("lsp-raw");
    let seed = manifest_dir().join("testdata/seed/v2");
    for f in ["Dockerfile", "startup.sh"] {
        std::fs::copy(seed.join(f), dir.join(f)).expect("copy");
    }
    let df_uri = format!("file://{}/Dockerfile", dir.display());
    let script_uri = format!("file://{}/startup.sh", dir.display());
    let text = std::fs::read_to_string(dir.join("Dockerfile")).expect("read");
    let mut input = Vec::new();
    input.extend(b"Content-Length: 5\r\n\r\n{{{{{");
    input.extend(frame(&initialize(1, &dir)));
    input.extend(frame(
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ));
    input.extend(frame(
        &json!({"jsonrpc": "2.0", "id": 2, "method": "workspace/symbol", "params": {"query": ""}}),
    ));
    input.extend(frame(&json!({"jsonrpc": "2.0", "id": [1], "method": "x"})));
    input.extend(frame(
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": df_uri, "languageId": "dockerfile", "version": 3, "text": text}
        }}),
    ));
    // A request after didOpen: the server lints before answering it.
    input.extend(frame(
        &json!({"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": df_uri}, "position": {"line": 7, "character": 0}
        }}),
    ));
    input.extend(frame(
        &json!({"jsonrpc": "2.0", "id": 4, "method": "shutdown"}),
    ));
    input.extend(frame(&json!({"jsonrpc": "2.0", "method": "exit"})));
    let (code, frames, stderr) = serve(&["--stdio"], &input);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    // The garbage got a parse error (id null), the unknown method
    // MethodNotFound, the bad id InvalidRequest.
    // (an id that is not a number or string is answered with id null).
    let unnamed: Vec<&Value> = frames
        .iter()
        .filter(|f| f.get("id") == Some(&Value::Null))
        .map(|f| &f["error"]["code"])
        .collect();
    assert_eq!(unnamed, [&json!(-32700), &json!(-32600)]);
    assert_eq!(response(&frames, &json!(2))["error"]["code"], -32601);
    let init = response(&frames, &json!(1));
    assert_eq!(init["result"]["capabilities"]["hoverProvider"], true);
    let hover = response(&frames, &json!(3));
    assert!(
        hover["result"]["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.starts_with("# SIG001 ")),
        "{hover}"
    );
    let published: Vec<(&str, Vec<&str>, &Value)> = frames
        .iter()
        .filter(|f| f["method"] == "textDocument/publishDiagnostics")
        .map(|f| {
            let p = &f["params"];
            let codes = p["diagnostics"]
                .as_array()
                .map(|d| d.iter().filter_map(|d| d["code"].as_str()).collect())
                .unwrap_or_default();
            (p["uri"].as_str().unwrap_or_default(), codes, &p["version"])
        })
        .collect();
    assert!(
        published.contains(&(df_uri.as_str(), vec!["SIG001"], &json!(3))),
        "{published:?}"
    );
    assert!(
        published.contains(&(script_uri.as_str(), vec!["SIG010"], &Value::Null)),
        "{published:?}"
    );
    assert_eq!(response(&frames, &json!(4))["result"], Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exit_codes_follow_the_spec() {
    let dir = temp_dir("lsp-exit");
    // exit without shutdown: exit code 1, as the LSP specification says.
    let mut input = frame(&initialize(1, &dir));
    input.extend(frame(&json!({"jsonrpc": "2.0", "method": "exit"})));
    let (code, _, stderr) = serve(&[], &input);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("without `shutdown`"), "{stderr}");
    // The client goes away without exit.
    let (code, frames, _) = serve(&[], &frame(&initialize(1, &dir)));
    assert_eq!(code, Some(1));
    assert_eq!(frames.len(), 1);
    // Framing that cannot be resynchronised: an error, no panic.
    let (code, frames, stderr) = serve(&[], b"Content-Length: 99999999999999999999999\r\n\r\n");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(frames.is_empty());
    // A request before initialize is refused, the session goes on.
    let mut input = frame(&json!({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}));
    input.extend(frame(&initialize(2, &dir)));
    input.extend(frame(
        &json!({"jsonrpc": "2.0", "id": 3, "method": "shutdown"}),
    ));
    input.extend(frame(&json!({"jsonrpc": "2.0", "method": "exit"})));
    let (code, frames, _) = serve(&[], &input);
    assert_eq!(code, Some(0));
    assert_eq!(response(&frames, &json!(1))["error"]["code"], -32002);
    let _ = std::fs::remove_dir_all(&dir);
}
