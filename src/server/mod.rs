//! `dsig server`: the language server (issue 18), over stdin and stdout.
//!
//! Diagnostics for Dockerfiles (and compose files and manifests the
//! client opens) and for the scripts their CMD and ENTRYPOINT run, on
//! open, change and save; a code action per fix (safe ones preferred,
//! unsafe ones marked) and a `source.fixAll.dsig` action; a rule's
//! documentation on hover; settings from the nearest dsig.toml, as `dsig
//! lint` reads them.
//!
//! The protocol's messages and types are lsp-server's and lsp-types'; the
//! framing of stdin is dsig's own ([`transport`]): bounded in header and
//! body size, and a body that is not JSON-RPC is answered with an error,
//! not the end of the session. Stdout carries only LSP frames; logs go to
//! stderr.
//!
//! [`Server`] is the state machine: messages in, messages out, no I/O but
//! reading the files a lint reads. Messages that arrive together are
//! handled together and the affected roots linted once after them (a
//! burst of keystrokes is one lint), or before a request that needs
//! fresh findings.

pub mod lint;
pub mod position;
pub mod transport;
pub mod uri;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, DocumentChanges, Hover, HoverContents,
    HoverParams, HoverProviderCapability, InitializeParams, InitializeResult, MarkupContent,
    MarkupKind, OneOf, OptionalVersionedTextDocumentIdentifier, PositionEncodingKind,
    PublishDiagnosticsParams, Range, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentEdit,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, TextEdit, Uri, WorkspaceEdit,
};

use lint::Finding;
use position::{Encoding, LineMap};

/// Serve LSP on stdin/stdout until the client says exit.
///
/// # Errors
/// When stdin or stdout fails, the input is not LSP framing, or the client
/// exits (or goes away) without asking to shut down first.
pub fn run() -> Result<(), String> {
    transport::serve_stdio()
}

/// What a document is linted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A Dockerfile (by name or language id): a root.
    Dockerfile,
    /// A compose file or Kubernetes manifest: a root.
    Yaml,
    /// A shell script: linted through the Dockerfiles that run it.
    Script,
    /// dsig.toml or .dsig.toml: a change re-lints everything.
    Config,
    /// Anything else (an app's source that a rule reads): not linted, but
    /// the roots that read it are linted again when it changes.
    Other,
}

#[derive(Debug)]
struct Doc {
    path: Option<PathBuf>,
    text: String,
    version: i32,
    kind: Kind,
}

/// A document that is linted as a whole: an open Dockerfile or YAML file,
/// or a Dockerfile near an open script (to learn whether it runs it).
#[derive(Debug, Default)]
struct Root {
    path: Option<PathBuf>,
    /// The open scripts it was found for (a Dockerfile that is not open).
    found_for: HashSet<String>,
    linted: lint::Linted,
    stale: bool,
}

/// The server's state between messages.
pub struct Server {
    initialized: bool,
    shutdown: bool,
    /// Set by `exit`: whether `shutdown` came first.
    exit: Option<bool>,
    encoding: Encoding,
    /// The client applies `documentChanges` in workspace edits.
    document_changes: bool,
    workspace: Vec<PathBuf>,
    docs: HashMap<String, Doc>,
    roots: HashMap<String, Root>,
    /// Scripts opened since the last refresh: Dockerfiles near them are
    /// looked at.
    opened_scripts: Vec<String>,
    /// Paths whose text changed since the last refresh.
    dirty: HashSet<PathBuf>,
    /// Every root is linted again (a config file or a watched file changed).
    all_dirty: bool,
    /// What was last published, per URI.
    published: HashMap<String, Vec<lsp_types::Diagnostic>>,
    out: Vec<Message>,
}

impl Default for Server {
    fn default() -> Self {
        Server::new()
    }
}

/// The kind of the action that applies every safe fix of a Dockerfile.
const FIX_ALL: &str = "source.fixAll.dsig";

/// Dockerfiles looked at in each directory near an opened script, at most.
const MAX_NEARBY: usize = 16;
/// Directories above an opened script searched for Dockerfiles that may run it.
const NEARBY_DEPTH: usize = 4;

impl Server {
    #[must_use]
    pub fn new() -> Server {
        Server {
            initialized: false,
            shutdown: false,
            exit: None,
            encoding: Encoding::Utf16,
            document_changes: false,
            workspace: Vec::new(),
            docs: HashMap::new(),
            roots: HashMap::new(),
            opened_scripts: Vec::new(),
            dirty: HashSet::new(),
            all_dirty: false,
            published: HashMap::new(),
            out: Vec::new(),
        }
    }

    /// `Some(true)` once the client sent `exit` after `shutdown`,
    /// `Some(false)` when it sent `exit` without it.
    #[must_use]
    pub fn exited(&self) -> Option<bool> {
        self.exit
    }

    /// The messages to send, in order.
    pub fn take_output(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.out)
    }

    /// Handle one message from the client.
    pub fn handle(&mut self, msg: Message) {
        match msg {
            Message::Request(req) => self.request(req),
            Message::Notification(n) => self.notification(n),
            // dsig sends no requests: nothing to match a response to.
            Message::Response(_) => {}
        }
    }

    fn reply_err(&mut self, id: RequestId, code: ErrorCode, message: String) {
        self.out.push(Message::Response(Response::new_err(
            id,
            code as i32,
            message,
        )));
    }

    fn reply<T: serde::Serialize>(&mut self, id: RequestId, result: &T) {
        let response = match serde_json::to_value(result) {
            Ok(v) => Response {
                id,
                response_result: Ok(v),
            },
            Err(e) => Response::new_err(id, ErrorCode::InternalError as i32, e.to_string()),
        };
        self.out.push(Message::Response(response));
    }

    fn request(&mut self, req: Request) {
        if req.method == "initialize" {
            if self.initialized {
                self.reply_err(
                    req.id,
                    ErrorCode::InvalidRequest,
                    "initialized twice".into(),
                );
                return;
            }
            match serde_json::from_value::<InitializeParams>(req.params) {
                Ok(params) => {
                    let result = self.initialize(&params);
                    self.initialized = true;
                    self.reply(req.id, &result);
                }
                Err(e) => self.reply_err(req.id, ErrorCode::InvalidParams, e.to_string()),
            }
            return;
        }
        if !self.initialized {
            self.reply_err(
                req.id,
                ErrorCode::ServerNotInitialized,
                "the first request must be `initialize`".into(),
            );
            return;
        }
        if self.shutdown {
            self.reply_err(
                req.id,
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            );
            return;
        }
        match req.method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                self.reply(req.id, &serde_json::Value::Null);
            }
            "textDocument/codeAction" => {
                match serde_json::from_value::<CodeActionParams>(req.params) {
                    Ok(p) => {
                        self.refresh();
                        let actions = self.code_actions(&p);
                        self.reply(req.id, &actions);
                    }
                    Err(e) => self.reply_err(req.id, ErrorCode::InvalidParams, e.to_string()),
                }
            }
            "textDocument/hover" => match serde_json::from_value::<HoverParams>(req.params) {
                Ok(p) => {
                    self.refresh();
                    let hover = self.hover(&p);
                    self.reply(req.id, &hover);
                }
                Err(e) => self.reply_err(req.id, ErrorCode::InvalidParams, e.to_string()),
            },
            other => {
                let message = format!("dsig server does not handle `{other}`");
                self.reply_err(req.id, ErrorCode::MethodNotFound, message);
            }
        }
    }

    fn initialize(&mut self, params: &InitializeParams) -> InitializeResult {
        let general = params.capabilities.general.as_ref();
        let utf8 = general
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        self.encoding = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        self.document_changes = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.document_changes)
            .unwrap_or(false);
        if let Some(folders) = &params.workspace_folders {
            self.workspace = folders
                .iter()
                .filter_map(|f| uri::to_path(f.uri.as_str()))
                .collect();
        }
        #[allow(deprecated)]
        if self.workspace.is_empty() {
            if let Some(root) = params
                .root_uri
                .as_ref()
                .and_then(|u| uri::to_path(u.as_str()))
            {
                self.workspace.push(root);
            }
        }
        InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::FULL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(true),
                        })),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::new(FIX_ALL),
                        ]),
                        ..CodeActionOptions::default()
                    },
                )),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "dsig".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        }
    }

    fn notification(&mut self, n: Notification) {
        if n.method == "exit" {
            self.exit = Some(self.shutdown);
            return;
        }
        if !self.initialized || self.shutdown {
            return;
        }
        match n.method.as_str() {
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) {
                    let d = p.text_document;
                    self.open(d.uri.as_str(), &d.language_id, d.version, d.text);
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) {
                    // Full sync: the last change is the whole text.
                    if let Some(change) = p.content_changes.into_iter().last() {
                        if change.range.is_none() {
                            let uri = p.text_document.uri.as_str().to_string();
                            self.set_text(&uri, Some(p.text_document.version), change.text);
                        }
                    }
                }
            }
            "textDocument/didSave" => {
                if let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) {
                    let uri = p.text_document.uri.as_str().to_string();
                    match p.text {
                        Some(text) => self.set_text(&uri, None, text),
                        None => self.touch(&uri),
                    }
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) {
                    self.close(p.text_document.uri.as_str());
                }
            }
            // Files changed on disk (a script, dsig.toml, a build file):
            // everything is linted again.
            "workspace/didChangeWatchedFiles" => self.all_dirty = true,
            _ => {}
        }
    }

    fn open(&mut self, uri: &str, language: &str, version: i32, text: String) {
        let path = uri::to_path(uri);
        let name = path
            .as_deref()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = if language.eq_ignore_ascii_case("dockerfile")
            || crate::files::is_dockerfile_name(std::ffi::OsStr::new(&name))
        {
            Kind::Dockerfile
        } else if crate::config::CONFIG_NAMES.contains(&name.as_str()) {
            self.all_dirty = true;
            Kind::Config
        } else if language == "yaml" || crate::files::is_yaml_name(std::ffi::OsStr::new(&name)) {
            Kind::Yaml
        } else if matches!(language, "shellscript" | "sh" | "bash")
            || crate::is_script(&name, &text)
        {
            Kind::Script
        } else {
            Kind::Other
        };
        if let Some(p) = &path {
            self.dirty.insert(p.clone());
        }
        if kind == Kind::Script {
            self.opened_scripts.push(uri.to_string());
        }
        if matches!(kind, Kind::Dockerfile | Kind::Yaml) {
            let root = self.roots.entry(uri.to_string()).or_default();
            root.path.clone_from(&path);
            root.stale = true;
        }
        self.docs.insert(
            uri.to_string(),
            Doc {
                path,
                text,
                version,
                kind,
            },
        );
    }

    fn set_text(&mut self, uri: &str, version: Option<i32>, text: String) {
        let Some(doc) = self.docs.get_mut(uri) else {
            return;
        };
        if let Some(v) = version {
            doc.version = v;
        }
        doc.text = text;
        self.touch(uri);
    }

    /// The document changed (or was saved): the roots that read it are
    /// linted again.
    fn touch(&mut self, uri: &str) {
        let Some(doc) = self.docs.get(uri) else {
            return;
        };
        if doc.kind == Kind::Config {
            // Any root may read it (from disk: saves are what count).
            self.all_dirty = true;
        }
        if let Some(root) = self.roots.get_mut(uri) {
            root.stale = true;
        }
        if let Some(p) = &doc.path {
            self.dirty.insert(p.clone());
        }
    }

    fn close(&mut self, uri: &str) {
        let Some(doc) = self.docs.remove(uri) else {
            return;
        };
        if let Some(p) = doc.path {
            // Roots that read it read the file on disk now.
            self.dirty.insert(p);
        }
        if doc.kind == Kind::Config {
            self.all_dirty = true;
        }
        self.roots.remove(uri);
        for root in self.roots.values_mut() {
            root.found_for.remove(uri);
        }
        // Scripts that it ran may now be run by another (or by none).
        let scripts: Vec<String> = self
            .docs
            .iter()
            .filter(|(_, d)| d.kind == Kind::Script)
            .map(|(u, _)| u.clone())
            .collect();
        self.opened_scripts.extend(scripts);
        self.prune();
        // Publish now: a closed file's own findings are cleared.
        self.refresh_now();
    }

    /// Drop roots that nothing keeps: a Dockerfile that is not open and
    /// was found for no open script.
    fn prune(&mut self) {
        let docs = &self.docs;
        self.roots.retain(|uri, r| {
            docs.get(uri)
                .is_some_and(|d| matches!(d.kind, Kind::Dockerfile | Kind::Yaml))
                || r.found_for.iter().any(|s| docs.contains_key(s))
        });
    }

    /// The URI for a file: the open document's own, else `file://`.
    fn uri_of(docs: &HashMap<String, Doc>, path: &Path) -> String {
        docs.iter()
            .find(|(_, d)| d.path.as_deref() == Some(path))
            .map_or_else(|| uri::from_path(path), |(u, _)| u.clone())
    }

    /// Lint what changed, then publish.
    pub fn refresh(&mut self) {
        if self.dirty.is_empty()
            && !self.all_dirty
            && self.opened_scripts.is_empty()
            && !self.roots.values().any(|r| r.stale)
        {
            return;
        }
        self.refresh_now();
    }

    fn refresh_now(&mut self) {
        // Dockerfiles near newly opened scripts: they may run them.
        for script in std::mem::take(&mut self.opened_scripts) {
            let Some(path) = self.docs.get(&script).and_then(|d| d.path.clone()) else {
                continue;
            };
            for df in nearby_dockerfiles(&path, &self.workspace) {
                let uri = Self::uri_of(&self.docs, &df);
                let root = self.roots.entry(uri).or_insert_with(|| Root {
                    path: Some(df.clone()),
                    stale: true,
                    ..Root::default()
                });
                root.found_for.insert(script.clone());
            }
        }
        let dirty = std::mem::take(&mut self.dirty);
        let all = std::mem::take(&mut self.all_dirty);
        for root in self.roots.values_mut() {
            if all || root.linted.deps.iter().any(|d| dirty.contains(d)) {
                root.stale = true;
            }
            if root.path.as_ref().is_some_and(|p| dirty.contains(p)) {
                root.stale = true;
            }
        }
        self.lint_stale();
        // Dockerfiles found near scripts that run none of them are dropped.
        let docs = &self.docs;
        self.roots.retain(|uri, r| {
            if docs
                .get(uri)
                .is_some_and(|d| matches!(d.kind, Kind::Dockerfile | Kind::Yaml))
            {
                return true;
            }
            r.found_for.retain(|s| {
                docs.get(s)
                    .and_then(|d| d.path.as_ref())
                    .is_some_and(|p| r.linted.deps.contains(p))
            });
            !r.found_for.is_empty()
        });
        // A script that no Dockerfile nearby runs is not linted: a build or
        // CI script is not an entrypoint, and `dsig lint start.sh` is there
        // for one that is.
        self.publish();
    }

    fn lint_stale(&mut self) {
        let overlay = self.overlay();
        let docs = &self.docs;
        let uri_of = |p: &Path| Self::uri_of(docs, p);
        let env = lint::Env {
            overlay: &overlay,
            workspace: &self.workspace,
            encoding: self.encoding,
            uri_of: &uri_of,
        };
        for (uri, root) in &mut self.roots {
            if !root.stale {
                continue;
            }
            root.stale = false;
            let disk;
            let (text, dockerfile) = match docs.get(uri) {
                Some(d) => (d.text.as_str(), d.kind == Kind::Dockerfile),
                None => {
                    // A Dockerfile near an open script, not open itself.
                    let Some(p) = &root.path else { continue };
                    let Ok(t) = crate::files::read_file(p, &p.display().to_string()) else {
                        root.linted = lint::Linted::default();
                        continue;
                    };
                    disk = t;
                    (disk.as_str(), true)
                }
            };
            let target = lint::Target {
                uri,
                path: root.path.as_deref(),
                text,
                dockerfile,
            };
            // A bug in a rule must not take the editor's server down: the
            // panic is on stderr, the document says it was not linted.
            root.linted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                lint::lint(&target, &env)
            }))
            .unwrap_or_else(|_| lint::Linted {
                findings: vec![lint::plain(
                    uri,
                    Range::default(),
                    "not linted: dsig failed on this file (a bug: please report it with the file)"
                        .to_string(),
                )],
                deps: Vec::new(),
            });
        }
    }

    /// The findings published for `uri`, each once. A Dockerfile that is
    /// not open (found near an open script) publishes only for the
    /// scripts it was found for.
    fn findings(&self, uri: &str) -> Vec<&Finding> {
        let mut seen = HashSet::new();
        let mut roots: Vec<(&String, &Root)> = self.roots.iter().collect();
        roots.sort_by(|a, b| a.0.cmp(b.0));
        roots
            .into_iter()
            .filter(|(root_uri, r)| self.docs.contains_key(*root_uri) || r.found_for.contains(uri))
            .flat_map(|(_, r)| &r.linted.findings)
            .filter(|f| f.uri == uri)
            .filter(|f| seen.insert((f.diagnostic.range, f.code, f.diagnostic.message.clone())))
            .collect()
    }

    /// Publish the diagnostics of every URI whose findings changed
    /// (an empty list for one that has none left).
    fn publish(&mut self) {
        let mut uris: HashSet<String> = self
            .roots
            .values()
            .flat_map(|r| r.linted.findings.iter().map(|f| f.uri.clone()))
            .collect();
        uris.extend(self.published.keys().cloned());
        let mut uris: Vec<String> = uris.into_iter().collect();
        uris.sort();
        for uri in uris {
            let now: Vec<lsp_types::Diagnostic> = self
                .findings(&uri)
                .into_iter()
                .map(|f| f.diagnostic.clone())
                .collect();
            let before = self.published.get(&uri);
            if before == Some(&now) || (before.is_none() && now.is_empty()) {
                continue;
            }
            let Ok(parsed) = uri.parse::<Uri>() else {
                continue;
            };
            let version = self.docs.get(&uri).map(|d| d.version);
            let params = PublishDiagnosticsParams {
                uri: parsed,
                diagnostics: now.clone(),
                version,
            };
            self.out.push(Message::Notification(Notification::new(
                "textDocument/publishDiagnostics".to_string(),
                params,
            )));
            if now.is_empty() {
                self.published.remove(&uri);
            } else {
                self.published.insert(uri, now);
            }
        }
    }

    fn code_actions(&self, p: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let uri = p.text_document.uri.as_str();
        // `only: ["source"]` asks for `source.fixAll.dsig` too.
        let wanted = |kind: &CodeActionKind| {
            p.context.only.as_ref().is_none_or(|only| {
                only.iter().any(|k| {
                    kind.as_str() == k.as_str()
                        || kind
                            .as_str()
                            .strip_prefix(k.as_str())
                            .is_some_and(|rest| rest.starts_with('.'))
                })
            })
        };
        let mut actions = Vec::new();
        let findings = self.findings(uri);
        if wanted(&CodeActionKind::QUICKFIX) {
            for f in &findings {
                let Some(fix) = &f.fix else { continue };
                if !overlaps(f.diagnostic.range, p.range) {
                    continue;
                }
                let Some(edit) = self.workspace_edit(&fix.edits) else {
                    continue;
                };
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.title.clone(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![f.diagnostic.clone()]),
                    edit: Some(edit),
                    is_preferred: Some(fix.safe),
                    ..CodeAction::default()
                }));
            }
        }
        // Every safe fix of an open Dockerfile at once, when it has one:
        // only when asked for by kind (editors do on save, or from their
        // source-action menu), not on every cursor move.
        let fix_all = CodeActionKind::new(FIX_ALL);
        let is_root = self
            .docs
            .get(uri)
            .is_some_and(|d| matches!(d.kind, Kind::Dockerfile | Kind::Yaml));
        let root_has_safe_fix = self.roots.get(uri).is_some_and(|r| {
            r.linted
                .findings
                .iter()
                .any(|f| f.fix.as_ref().is_some_and(|x| x.safe))
        });
        if p.context.only.is_some() && wanted(&fix_all) && is_root && root_has_safe_fix {
            if let Some(action) = self.fix_all_action(uri, fix_all) {
                actions.push(CodeActionOrCommand::CodeAction(action));
            }
        }
        actions
    }

    fn fix_all_action(&self, uri: &str, kind: CodeActionKind) -> Option<CodeAction> {
        let doc = self.docs.get(uri)?;
        let overlay = self.overlay();
        let docs = &self.docs;
        let uri_of = |p: &Path| Self::uri_of(docs, p);
        let env = lint::Env {
            overlay: &overlay,
            workspace: &self.workspace,
            encoding: self.encoding,
            uri_of: &uri_of,
        };
        let target = lint::Target {
            uri,
            path: doc.path.as_deref(),
            text: &doc.text,
            dockerfile: doc.kind == Kind::Dockerfile,
        };
        let (edits, n) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            lint::fix_all(&target, &env)
        }))
        .ok()??;
        Some(CodeAction {
            title: format!(
                "Apply {} safe dsig fix{}",
                n,
                if n == 1 { "" } else { "es" }
            ),
            kind: Some(kind),
            edit: Some(self.workspace_edit(&edits)?),
            ..CodeAction::default()
        })
    }

    /// The open documents' texts by path, for the lint's context.
    fn overlay(&self) -> HashMap<PathBuf, String> {
        self.docs
            .values()
            .filter(|d| d.text.len() as u64 <= crate::files::MAX_FILE_SIZE)
            .filter_map(|d| Some((d.path.clone()?, d.text.clone())))
            .collect()
    }

    // `WorkspaceEdit::changes` is keyed by lsp-types' `Uri`, whose hash
    // and equality are its text's (its inner cell is a parse cache).
    #[allow(clippy::mutable_key_type)]
    fn workspace_edit(&self, edits: &[(String, TextEdit)]) -> Option<WorkspaceEdit> {
        let mut by_uri: Vec<(String, Vec<TextEdit>)> = Vec::new();
        for (uri, edit) in edits {
            match by_uri.iter_mut().find(|(u, _)| u == uri) {
                Some((_, edits)) => edits.push(edit.clone()),
                None => by_uri.push((uri.clone(), vec![edit.clone()])),
            }
        }
        if self.document_changes {
            let mut changes = Vec::new();
            for (uri, edits) in by_uri {
                let version = self.docs.get(&uri).map(|d| d.version);
                changes.push(TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier {
                        uri: uri.parse().ok()?,
                        version,
                    },
                    edits: edits.into_iter().map(OneOf::Left).collect(),
                });
            }
            Some(WorkspaceEdit {
                document_changes: Some(DocumentChanges::Edits(changes)),
                ..WorkspaceEdit::default()
            })
        } else {
            let mut changes = HashMap::new();
            for (uri, edits) in by_uri {
                changes.insert(uri.parse().ok()?, edits);
            }
            Some(WorkspaceEdit::new(changes))
        }
    }

    fn hover(&self, p: &HoverParams) -> Option<Hover> {
        let uri = p.text_document_position_params.text_document.uri.as_str();
        let pos = p.text_document_position_params.position;
        let doc = self.docs.get(uri)?;
        let map = LineMap::new(&doc.text);
        let offset = map.offset(&doc.text, pos, self.encoding);
        // A rule code or name under the cursor (`SIG010`,
        // `# dsig ignore=script-missing-exec`).
        if let Some((span, meta)) = rule_at(&doc.text, offset) {
            return Some(Hover {
                contents: markdown(rule_doc(meta)),
                range: Some(map.range(&doc.text, span, self.encoding)),
            });
        }
        // Else the findings there: their rules' docs.
        let mut codes: Vec<&str> = Vec::new();
        let mut range = None;
        for f in self.findings(uri) {
            let r = f.diagnostic.range;
            if r.start <= pos && pos <= r.end {
                if let Some(code) = f.code {
                    if !codes.contains(&code) {
                        codes.push(code);
                        range.get_or_insert(r);
                    }
                }
            }
        }
        let docs: Vec<String> = codes
            .iter()
            .filter_map(|c| crate::rules::find(c))
            .map(rule_doc)
            .collect();
        if docs.is_empty() {
            return None;
        }
        Some(Hover {
            contents: markdown(docs.join("\n\n---\n\n")),
            range,
        })
    }
}

fn markdown(value: String) -> HoverContents {
    HoverContents::Markup(MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    })
}

/// A rule's documentation, as `dsig explain` prints it.
fn rule_doc(meta: &crate::diagnostic::RuleMeta) -> String {
    if meta.doc.trim().is_empty() {
        format!("# {} {}\n\n{}.\n", meta.code, meta.slug, meta.summary)
    } else {
        meta.doc.to_string()
    }
}

/// The rule named by the word at `offset` of `text`: a code anywhere, a
/// rule name (slug) in a comment line.
fn rule_at(
    text: &str,
    offset: usize,
) -> Option<(std::ops::Range<usize>, &'static crate::diagnostic::RuleMeta)> {
    let offset = crate::diagnostic::clamp_offset(text, offset);
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| word(c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|&(_, c)| !word(c))
        .map_or(text.len(), |(i, _)| offset + i);
    if start == end || end - start > 64 {
        return None;
    }
    let w = &text[start..end];
    let meta = crate::rules::find(w)?;
    let is_code = meta.code.eq_ignore_ascii_case(w);
    let line_start = crate::diagnostic::line_start(text, start);
    let in_comment = text[line_start..start].trim_start().starts_with('#');
    (is_code || in_comment).then_some((start..end, meta))
}

/// Two ranges share a position (an empty one touching the other counts).
fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// Dockerfiles in the directory of `script` and a few above it (not above
/// a workspace folder or the repository root that holds it): those that
/// may run it.
fn nearby_dockerfiles(script: &Path, workspace: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let stop = workspace
        .iter()
        .filter(|w| script.starts_with(w))
        .max_by_key(|w| w.as_os_str().len())
        .cloned();
    for (depth, dir) in script.ancestors().skip(1).enumerate() {
        if depth >= NEARBY_DEPTH {
            break;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            break;
        };
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .filter(|p| p.file_name().is_some_and(crate::files::is_dockerfile_name))
            .take(MAX_NEARBY)
            .collect();
        found.sort();
        out.extend(found);
        if stop.as_deref() == Some(dir) || dir.join(".git").exists() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests;
