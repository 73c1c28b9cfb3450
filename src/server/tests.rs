//! The server driven in memory: messages in, messages out.

use super::transport::{self, Incoming};
use super::*;
use serde_json::{json, Value};

fn req(id: i32, method: &str, params: Value) -> Message {
    Message::Request(Request {
        id: id.into(),
        method: method.to_string(),
        params,
    })
}

fn note(method: &str, params: Value) -> Message {
    Message::Notification(Notification {
        method: method.to_string(),
        params,
    })
}

/// The JSON of every message the server sent since the last call.
fn sent(s: &mut Server) -> Vec<Value> {
    s.take_output()
        .into_iter()
        .map(|m| serde_json::to_value(&m).expect("serialises"))
        .collect()
}

fn response(s: &mut Server, id: i32) -> Value {
    sent(s)
        .into_iter()
        .find(|m| m["id"] == json!(id))
        .unwrap_or_else(|| panic!("no response {id}"))
}

fn init(s: &mut Server, capabilities: Value, root: Option<&Path>) -> Value {
    let root = root.map(|r| json!(uri::from_path(r)));
    s.handle(req(
        1,
        "initialize",
        json!({"capabilities": capabilities, "rootUri": root}),
    ));
    s.handle(note("initialized", json!({})));
    response(s, 1)
}

fn open(s: &mut Server, uri: &str, language: &str, text: &str) {
    s.handle(note(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
    ));
}

/// The last published diagnostics per URI.
fn published(msgs: &[Value]) -> HashMap<String, Vec<Value>> {
    let mut out = HashMap::new();
    for m in msgs {
        if m["method"] == "textDocument/publishDiagnostics" {
            let uri = m["params"]["uri"].as_str().unwrap_or_default().to_string();
            let diags = m["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            out.insert(uri, diags);
        }
    }
    out
}

fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dsig-lsp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn seed_v2(name: &str) -> PathBuf {
    let dir = temp(name);
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/seed/v2");
    for f in ["Dockerfile", "startup.sh"] {
        std::fs::copy(seed.join(f), dir.join(f)).expect("copy seed");
    }
    dir
}

#[test]
fn lifecycle_and_errors() {
    let mut s = Server::new();
    s.handle(req(7, "textDocument/hover", json!({})));
    assert_eq!(
        response(&mut s, 7)["error"]["code"],
        json!(ErrorCode::ServerNotInitialized as i32)
    );
    let r = init(&mut s, json!({}), None);
    assert_eq!(r["result"]["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(r["result"]["serverInfo"]["name"], "dsig");
    s.handle(req(2, "initialize", json!({"capabilities": {}})));
    assert_eq!(
        response(&mut s, 2)["error"]["code"],
        json!(ErrorCode::InvalidRequest as i32)
    );
    s.handle(req(3, "textDocument/definition", json!({})));
    assert_eq!(
        response(&mut s, 3)["error"]["code"],
        json!(ErrorCode::MethodNotFound as i32)
    );
    s.handle(req(4, "textDocument/hover", json!({"nonsense": true})));
    assert_eq!(
        response(&mut s, 4)["error"]["code"],
        json!(ErrorCode::InvalidParams as i32)
    );
    // Notifications with bad params are dropped, unknown ones ignored.
    s.handle(note("textDocument/didOpen", json!([1, 2])));
    s.handle(note("$/cancelRequest", json!({"id": 4})));
    s.handle(note("custom/whatever", Value::Null));
    assert!(sent(&mut s).is_empty());
    s.handle(req(5, "shutdown", Value::Null));
    let r = response(&mut s, 5);
    assert_eq!(r["result"], Value::Null);
    assert!(r.get("error").is_none());
    s.handle(req(6, "textDocument/hover", json!({})));
    assert_eq!(
        response(&mut s, 6)["error"]["code"],
        json!(ErrorCode::InvalidRequest as i32)
    );
    assert_eq!(s.exited(), None);
    s.handle(note("exit", Value::Null));
    assert_eq!(s.exited(), Some(true));

    let mut s = Server::new();
    init(&mut s, json!({}), None);
    s.handle(note("exit", Value::Null));
    assert_eq!(s.exited(), Some(false));
}

#[test]
fn utf8_is_negotiated_when_offered() {
    let mut s = Server::new();
    let r = init(
        &mut s,
        json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}}),
        None,
    );
    assert_eq!(r["result"]["capabilities"]["positionEncoding"], "utf-8");
    let uri = "untitled:Untitled-1";
    open(
        &mut s,
        uri,
        "dockerfile",
        "FROM alpine:3.19\n# é\nCMD node é.js\n",
    );
    s.refresh();
    let p = published(&sent(&mut s));
    let d = &p[uri];
    assert!(codes(d).contains(&"SIG001".to_string()), "{d:?}");
    let sig001 = d.iter().find(|d| d["code"] == "SIG001").expect("SIG001");
    // `CMD node é.js` is 14 bytes, 13 UTF-16 units.
    assert_eq!(sig001["range"]["end"], json!({"line": 2, "character": 14}));
}

#[test]
fn seed_v2_diagnostics_actions_and_clearing() {
    let dir = seed_v2("seed");
    let mut s = Server::new();
    // No documentChanges: plain `changes`.
    init(&mut s, json!({}), Some(&dir));
    let df = uri::from_path(&dir.join("Dockerfile"));
    let script = uri::from_path(&dir.join("startup.sh"));
    let df_text = std::fs::read_to_string(dir.join("Dockerfile")).expect("read");
    open(&mut s, &df, "dockerfile", &df_text);
    s.refresh();
    let p = published(&sent(&mut s));
    assert_eq!(codes(&p[&df]), ["SIG001"]);
    assert_eq!(codes(&p[&script]), ["SIG010"]);
    assert_eq!(p[&df][0]["source"], "dsig");
    assert_eq!(p[&df][0]["severity"], 2);

    // The script's fix, asked for from the script (not open: the edit is
    // for its file all the same).
    let range = p[&script][0]["range"].clone();
    s.handle(req(
        10,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": script}, "range": range, "context": {"diagnostics": []}}),
    ));
    let r = response(&mut s, 10);
    let actions = r["result"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["isPreferred"], true);
    assert_eq!(actions[0]["kind"], "quickfix");
    let edits = &actions[0]["edit"]["changes"][&script];
    assert_eq!(edits[0]["newText"], "exec ");
    assert_eq!(
        edits[0]["range"],
        json!({"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}})
    );
    // Asking for source actions only: none.
    s.handle(req(
        11,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": script}, "range": range,
               "context": {"diagnostics": [], "only": ["source"]}}),
    ));
    assert_eq!(response(&mut s, 11)["result"], json!([]));

    // The fixed script, opened and unsaved: the Dockerfile is linted with it.
    open(
        &mut s,
        &script,
        "shellscript",
        "#!/bin/bash\nexec /go/src/signal/main\n",
    );
    s.refresh();
    let p = published(&sent(&mut s));
    assert_eq!(p.get(&script).map(Vec::len), Some(0), "{p:?}");
    assert!(
        !p.contains_key(&df),
        "the Dockerfile's findings did not change"
    );

    // Hover on the Dockerfile's finding: SIG001's doc.
    s.handle(req(
        12,
        "textDocument/hover",
        json!({"textDocument": {"uri": df}, "position": {"line": 7, "character": 2}}),
    ));
    let r = response(&mut s, 12);
    let value = r["result"]["contents"]["value"].as_str().expect("markdown");
    assert!(value.starts_with("# SIG001 shell-form-cmd"), "{value}");

    // Closing the Dockerfile clears its diagnostics; the script (open, run
    // by the Dockerfile beside it, which is found again) has none.
    s.handle(note(
        "textDocument/didClose",
        json!({"textDocument": {"uri": df}}),
    ));
    let p = published(&sent(&mut s));
    assert_eq!(p.get(&df).map(Vec::len), Some(0), "{p:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn broken_config_is_reported_not_linted() {
    let dir = seed_v2("config");
    std::fs::write(dir.join("dsig.toml"), "colour = 1\n").expect("write");
    let mut s = Server::new();
    init(&mut s, json!({}), Some(&dir));
    let df = uri::from_path(&dir.join("Dockerfile"));
    open(&mut s, &df, "dockerfile", "FROM alpine\nCMD x\n");
    s.refresh();
    let p = published(&sent(&mut s));
    let d = &p[&df];
    assert_eq!(d.len(), 1, "{d:?}");
    let message = d[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("not linted: ") && message.contains("dsig.toml"),
        "{message}"
    );
    // Fixing the config (saved) lints the file.
    std::fs::write(dir.join("dsig.toml"), "ignore = []\n").expect("write");
    s.handle(note(
        "workspace/didChangeWatchedFiles",
        json!({"changes": []}),
    ));
    s.refresh();
    let p = published(&sent(&mut s));
    assert_eq!(codes(&p[&df]), ["SIG001"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hover_finds_codes_and_names() {
    let text = "# dsig ignore=SIG010,shell-form-cmd\nRUN echo SIG001 shell-form-cmd\n";
    let at = |needle: &str, nth: usize| {
        text.match_indices(needle)
            .nth(nth)
            .map(|(i, _)| i + 1)
            .expect("needle")
    };
    assert_eq!(
        rule_at(text, at("SIG010", 0)).map(|(_, m)| m.code),
        Some("SIG010")
    );
    assert_eq!(
        rule_at(text, at("shell-form-cmd", 0)).map(|(r, m)| (r, m.code)),
        Some((21..35, "SIG001"))
    );
    // A code anywhere; a rule name only in a comment.
    assert_eq!(
        rule_at(text, at("SIG001", 0)).map(|(_, m)| m.code),
        Some("SIG001")
    );
    assert!(rule_at(text, at("shell-form-cmd", 1)).is_none());
    assert!(rule_at(text, 0).is_none());
    assert!(rule_at(text, text.len() + 10).is_none());
    assert!(rule_at("", 0).is_none());
}

/// Frames for the transport tests.
fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn read_all(input: Vec<u8>) -> Vec<Result<Incoming, String>> {
    let mut r = std::io::BufReader::new(std::io::Cursor::new(input));
    let mut out = Vec::new();
    loop {
        match transport::read_frame(&mut r) {
            Ok(Some(i)) => out.push(Ok(i)),
            Ok(None) => break,
            Err(e) => {
                out.push(Err(e.to_string()));
                break;
            }
        }
    }
    out
}

#[test]
fn framing_is_bounded_and_resyncs() {
    let mut input = frame("{not json");
    input.extend(frame(r#"{"jsonrpc":"2.0","id":99999999999,"method":"x"}"#));
    input.extend(frame(
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
    ));
    // A body over the limit, announced and sent: skipped unread.
    let big = transport::MAX_BODY + 1;
    input.extend(format!("content-length: {big}\n\n").into_bytes());
    input.extend(std::iter::repeat_n(b' ', big));
    input.extend(frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#));
    let got = read_all(input);
    assert_eq!(got.len(), 5, "{got:?}");
    assert!(matches!(
        &got[0],
        Ok(Incoming::Invalid {
            id: None,
            code: ErrorCode::ParseError,
            ..
        })
    ));
    assert!(
        matches!(&got[1], Ok(Incoming::Invalid { id: Some(id), code: ErrorCode::InvalidRequest, .. }) if *id == json!(99_999_999_999_i64))
    );
    assert!(matches!(
        &got[2],
        Ok(Incoming::Message(Message::Notification(_)))
    ));
    assert!(matches!(&got[3], Ok(Incoming::TooLarge(n)) if *n == big));
    assert!(matches!(
        &got[4],
        Ok(Incoming::Message(Message::Request(_)))
    ));

    // Framing that cannot be resynchronised ends the input.
    for bad in [
        b"Content-Type: x\r\n\r\n{}".to_vec(),
        b"Content-Length: -1\r\n\r\n".to_vec(),
        b"no colon\r\n\r\n".to_vec(),
        [b"X: ".as_slice(), &[b'a'; transport::MAX_HEADER_LINE + 10]].concat(),
        b"Content-Length: 10\r\n\r\n{}".to_vec(),
        b"Content-Length: 99999999999999999999\r\n\r\n".to_vec(),
        b"Content-Length: 2\r\n".to_vec(),
        "X: y\r\n".repeat(transport::MAX_HEADERS + 1).into_bytes(),
    ] {
        let got = read_all(bad.clone());
        assert!(
            matches!(got.last(), Some(Err(_))),
            "{:?}: {got:?}",
            String::from_utf8_lossy(&bad[..bad.len().min(40)])
        );
    }
    assert!(read_all(Vec::new()).is_empty());
}

#[test]
fn serve_answers_garbage_and_exits_cleanly() {
    let (tx, rx) = std::sync::mpsc::sync_channel(16);
    for body in [
        "[1,2",
        r#"{"jsonrpc":"2.0","id":"a","method":7}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"nope"}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#,
        r#"{"jsonrpc":"2.0","method":"exit"}"#,
    ] {
        tx.send(Ok(transport::parse_body(body.as_bytes())))
            .expect("send");
    }
    let mut out = Vec::new();
    assert_eq!(transport::serve(&rx, &mut out), Ok(()));
    let text = String::from_utf8(out).expect("utf-8");
    let bodies: Vec<Value> = text
        .split("Content-Length: ")
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (_, body) = s.split_once("\r\n\r\n").expect("frame");
            serde_json::from_str(body).expect("json")
        })
        .collect();
    let errors: Vec<(Value, Value)> = bodies
        .iter()
        .map(|b| (b["id"].clone(), b["error"]["code"].clone()))
        .collect();
    assert_eq!(
        errors,
        [
            (Value::Null, json!(-32700)),
            (json!("a"), json!(-32600)),
            (json!(1), Value::Null),
            (json!(2), json!(-32601)),
            (json!(3), Value::Null),
        ]
    );

    // The client going away without shutdown is an error.
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Incoming>>(1);
    drop(tx);
    assert!(transport::serve(&rx, &mut Vec::new()).is_err());
}

#[test]
fn unrelated_scripts_and_yaml_get_nothing() {
    let dir = seed_v2("unrelated");
    std::fs::write(dir.join("build.sh"), "#!/bin/sh\nmake\n").expect("write");
    let mut s = Server::new();
    init(&mut s, json!({}), Some(&dir));
    // No Dockerfile runs build.sh: it is not linted as an entrypoint.
    let build = uri::from_path(&dir.join("build.sh"));
    open(&mut s, &build, "shellscript", "#!/bin/sh\nmake\n");
    // A YAML file that is neither a compose file nor a manifest.
    let yaml = uri::from_path(&dir.join("settings.yaml"));
    open(&mut s, &yaml, "yaml", "a: 1\nb: [x\n");
    s.refresh();
    let p = published(&sent(&mut s));
    assert!(p.is_empty(), "{p:?}");
    // The script the Dockerfile beside it runs is.
    let script = uri::from_path(&dir.join("startup.sh"));
    open(
        &mut s,
        &script,
        "shellscript",
        "#!/bin/bash\n/go/src/signal/main\n",
    );
    s.refresh();
    let p = published(&sent(&mut s));
    assert_eq!(p.keys().collect::<Vec<_>>(), [&script], "{p:?}");
    assert_eq!(codes(&p[&script]), ["SIG010"]);
    // Closing it clears it (the Dockerfile was found for it alone).
    s.handle(note(
        "textDocument/didClose",
        json!({"textDocument": {"uri": script}}),
    ));
    let p = published(&sent(&mut s));
    assert_eq!(p.get(&script).map(Vec::len), Some(0), "{p:?}");
    assert_eq!(s.roots.keys().collect::<Vec<_>>(), [&yaml]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fix_all_applies_every_safe_fix_of_the_dockerfile_and_its_script() {
    let dir = seed_v2("fixall");
    let mut s = Server::new();
    init(
        &mut s,
        json!({"workspace": {"workspaceEdit": {"documentChanges": true}}}),
        Some(&dir),
    );
    let df = uri::from_path(&dir.join("Dockerfile"));
    let script = uri::from_path(&dir.join("startup.sh"));
    let df_text = std::fs::read_to_string(dir.join("Dockerfile")).expect("read");
    open(&mut s, &df, "dockerfile", &df_text);
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}});
    s.handle(req(
        20,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": df}, "range": whole,
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    ));
    let r = response(&mut s, 20);
    let actions = r["result"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.dsig");
    assert_eq!(actions[0]["title"], "Apply 2 safe dsig fixes");
    let changes = actions[0]["edit"]["documentChanges"]
        .as_array()
        .expect("documentChanges");
    let by_uri: HashMap<&str, (&Value, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["textDocument"]["uri"].as_str().unwrap_or_default(),
                (
                    &c["textDocument"]["version"],
                    c["edits"][0]["newText"].as_str().unwrap_or_default(),
                ),
            )
        })
        .collect();
    // The open Dockerfile's version; the script is not open.
    let (version, text) = by_uri[df.as_str()];
    assert_eq!(version, &json!(1));
    assert!(
        text.contains("CMD [\"/bin/bash\", \"/root/startup.sh\"]"),
        "{text}"
    );
    let (version, text) = by_uri[script.as_str()];
    assert_eq!(version, &Value::Null);
    assert_eq!(text, "#!/bin/bash\nexec /go/src/signal/main\n");
    // Quick fixes only: no fix-all; a clean file: none.
    s.handle(req(
        21,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": df}, "range": whole,
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    ));
    assert_eq!(response(&mut s, 21)["result"], json!([]));
    s.handle(note(
        "textDocument/didChange",
        json!({"textDocument": {"uri": df, "version": 2},
               "contentChanges": [{"text": "FROM alpine:3.19\nCMD [\"app\"]\n"}]}),
    ));
    s.handle(req(
        22,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": df}, "range": whole,
               "context": {"diagnostics": [], "only": ["source"]}}),
    ));
    assert_eq!(response(&mut s, 22)["result"], json!([]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compose_file_findings_and_fixes() {
    let dir = temp("compose");
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM alpine:3.19\nCOPY start.sh /start.sh\nCMD [\"/start.sh\"]\n",
    )
    .expect("write");
    std::fs::write(dir.join("start.sh"), "#!/bin/sh\nnode app.js\n").expect("write");
    let compose = "services:\n  web:\n    build: .\n    command: sh -c \"node app.js\"\n";
    let mut s = Server::new();
    init(&mut s, json!({}), Some(&dir));
    let uri = uri::from_path(&dir.join("compose.yaml"));
    open(&mut s, &uri, "yaml", compose);
    s.refresh();
    let p = published(&sent(&mut s));
    let d = &p[&uri];
    assert!(codes(d).contains(&"SIG005".to_string()), "{d:?}");
    let sig005 = d.iter().find(|d| d["code"] == "SIG005").expect("SIG005");
    assert_eq!(
        sig005["range"]["start"],
        json!({"line": 3, "character": 13})
    );
    s.handle(req(
        30,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": sig005["range"], "context": {"diagnostics": []}}),
    ));
    let r = response(&mut s, 30);
    let actions = r["result"].as_array().expect("actions");
    assert!(
        actions
            .iter()
            .any(|a| a["diagnostics"][0]["code"] == "SIG005"
                && a["edit"]["changes"][&uri].is_array()),
        "{actions:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

mod hostile {
    use super::*;
    use proptest::prelude::*;

    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(64),
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (0u32..5, 0u32..200).prop_map(|(l, c)| json!({"line": l, "character": c})),
            "[a-zA-Z:/é𝄞 \\n\\r#=]{0,24}".prop_map(Value::from),
            Just(json!("file:///tmp/dsig-lsp-hostile/Dockerfile")),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::vec(
                    (
                        prop::sample::select(vec![
                            "uri",
                            "text",
                            "textDocument",
                            "position",
                            "range",
                            "start",
                            "end",
                            "context",
                            "only",
                            "contentChanges",
                            "version",
                            "languageId",
                        ]),
                        inner
                    ),
                    0..4
                )
                .prop_map(|kv| Value::Object(
                    kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                )),
            ]
        })
    }

    fn any_message() -> impl Strategy<Value = Message> {
        let methods = prop::sample::select(vec![
            "textDocument/didOpen",
            "textDocument/didChange",
            "textDocument/didSave",
            "textDocument/didClose",
            "textDocument/codeAction",
            "textDocument/hover",
            "workspace/didChangeWatchedFiles",
            "initialize",
            "bogus",
        ]);
        (methods, any_json(), any::<bool>(), 0i32..1000).prop_map(|(m, params, is_req, id)| {
            if is_req {
                req(id, m, params)
            } else {
                note(m, params)
            }
        })
    }

    proptest! {
        #![proptest_config(config())]

        /// Any sequence of messages: no panic, and every request after
        /// initialize is answered exactly once.
        #[test]
        fn messages_never_panic(msgs in prop::collection::vec(any_message(), 0..12)) {
            let mut s = Server::new();
            init(&mut s, json!({"general": {"positionEncodings": ["utf-8"]}}), None);
            let text = "FROM alpine:3.19\n# é𝄞\nCMD node é.js\n";
            open(&mut s, "file:///tmp/dsig-lsp-hostile/Dockerfile", "dockerfile", text);
            let mut requests = 0;
            for m in msgs {
                if matches!(m, Message::Request(_)) {
                    requests += 1;
                }
                s.handle(m);
                s.refresh();
            }
            let answered = s
                .take_output()
                .into_iter()
                .filter(|m| matches!(m, Message::Response(_)))
                .count();
            prop_assert_eq!(answered, requests);
        }

        /// Any text (Dockerfile words, CR, LF, é, 𝄞) and any position:
        /// hover and code actions answer, every published range lies in
        /// the text, and every quick fix applies to it.
        #[test]
        fn any_text_any_position(
            words in prop::collection::vec(prop::sample::select(vec![
                "FROM alpine:3.19", "CMD", "ENTRYPOINT", "node", "é", "𝄞", "\n",
                "\r\n", "\r", " ", "[\"a\"]", "# dsig ignore=SIG001", "\\\n", "sh -c", "&&",
            ]), 0..40),
            utf8 in any::<bool>(),
            line in 0u32..12,
            character in 0u32..40,
        ) {
            let text: String = words.concat();
            let mut s = Server::new();
            let encodings = if utf8 { json!(["utf-8"]) } else { json!(["utf-16"]) };
            init(&mut s, json!({"general": {"positionEncodings": encodings}}), None);
            let uri = "untitled:Dockerfile";
            open(&mut s, uri, "dockerfile", &text);
            s.refresh();
            let enc = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
            let map = LineMap::new(&text);
            let end = map.position(&text, text.len(), enc);
            let pos = json!({"line": line, "character": character});
            s.handle(req(2, "textDocument/hover", json!({"textDocument": {"uri": uri}, "position": pos})));
            s.handle(req(3, "textDocument/codeAction", json!({"textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": end},
                "context": {"diagnostics": []}})));
            let out = sent(&mut s);
            for id in [2, 3] {
                prop_assert!(out.iter().any(|m| m["id"] == json!(id) && m.get("error").is_none()));
            }
            let in_text = |p: &Value| -> bool {
                let p: lsp_types::Position = serde_json::from_value(p.clone()).expect("position");
                p <= end && map.position(&text, map.offset(&text, p, enc), enc) == p
            };
            for d in published(&out).values().flatten() {
                prop_assert!(in_text(&d["range"]["start"]) && in_text(&d["range"]["end"]), "{d}");
            }
            let actions = out.iter().find(|m| m["id"] == json!(3)).expect("response");
            for a in actions["result"].as_array().into_iter().flatten() {
                for e in a["edit"]["changes"][uri].as_array().into_iter().flatten() {
                    prop_assert!(in_text(&e["range"]["start"]) && in_text(&e["range"]["end"]), "{e}");
                }
            }
        }

        /// Any bytes as a body, and any bytes as a stream: no panic.
        #[test]
        fn bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = transport::parse_body(&body);
            let mut r = std::io::BufReader::new(std::io::Cursor::new(body));
            for _ in 0..4 {
                if !matches!(transport::read_frame(&mut r), Ok(Some(_))) {
                    break;
                }
            }
        }
    }
}
