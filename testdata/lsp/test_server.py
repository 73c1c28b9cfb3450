"""End-to-end tests of `dsig server` with a real LSP client (pytest-lsp).

Run by tests/lsp.rs as `python3 -m pytest testdata/lsp -q`, with the dsig
binary in DSIG_BIN. Each test copies its fixtures into a temporary
directory, so code actions can be applied and saved.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import shutil

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
SEED_V2 = REPO / "testdata" / "seed" / "v2"
SERVER = [os.environ.get("DSIG_BIN", "dsig"), "server", "--stdio"]


def make_client(name: str):
    """A client fixture with the capabilities of a real editor."""

    @pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
    async def the_client(lsp_client: LanguageClient, tmp_path: pathlib.Path):
        params = types.InitializeParams(
            capabilities=client_capabilities(name),
            root_uri=tmp_path.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")],
        )
        result = await lsp_client.initialize_session(params)
        lsp_client.init_result = result
        lsp_client.root = tmp_path
        yield
        await lsp_client.shutdown_session()

    return the_client


vscode = make_client("visual-studio-code")
neovim = make_client("neovim")


async def wait_until(client: LanguageClient, pred, what: str, timeout: float = 20.0):
    """Wait for published diagnostics that satisfy `pred`.

    The wait for the next notification is short: pygls may wake the waiter
    before its handler has stored the diagnostics, and then the next check
    must not wait for a notification that is not coming.
    """
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not pred():
        if loop.time() > end:
            pytest.fail(f"timed out waiting for {what}; have {client.diagnostics}")
        try:
            await asyncio.wait_for(
                client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS),
                timeout=0.25,
            )
        except asyncio.TimeoutError:
            pass


def codes(client: LanguageClient, uri: str) -> list[str]:
    return sorted(str(d.code) for d in client.diagnostics.get(uri, []))


def offset_of(text: str, pos: types.Position, utf8: bool) -> int:
    """The character index of an LSP position (UTF-16 or UTF-8 columns)."""
    lines = text.splitlines(keepends=True)
    start = sum(len(line) for line in lines[: pos.line])
    line = lines[pos.line] if pos.line < len(lines) else ""
    units = 0
    for i, ch in enumerate(line):
        if units >= pos.character or ch in "\r\n":
            return start + i
        units += len(ch.encode("utf-8")) if utf8 else len(ch.encode("utf-16-le")) // 2
    return start + len(line)


def apply_edits(text: str, edits, utf8: bool) -> str:
    spans = sorted(
        ((offset_of(text, e.range.start, utf8), offset_of(text, e.range.end, utf8), e.new_text) for e in edits),
        reverse=True,
    )
    for s, e, new in spans:
        text = text[:s] + new + text[e:]
    return text


def edits_by_uri(edit: types.WorkspaceEdit) -> dict[str, list[types.TextEdit]]:
    out: dict[str, list[types.TextEdit]] = {}
    for change in edit.document_changes or []:
        out.setdefault(change.text_document.uri, []).extend(change.edits)
    for uri, edits in (edit.changes or {}).items():
        out.setdefault(uri, []).extend(edits)
    return out


class Docs:
    """The client's open documents."""

    def __init__(self, client: LanguageClient):
        self.client = client
        self.text: dict[str, str] = {}
        self.version: dict[str, int] = {}

    def open(self, path: pathlib.Path, language: str) -> str:
        uri = path.as_uri()
        self.text[uri] = path.read_text()
        self.version[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=language, version=1, text=self.text[uri]
                )
            )
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        self.text[uri] = text
        self.version[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.version[uri]),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def apply(self, action: types.CodeAction, utf8: bool) -> None:
        """Apply a code action's edits (open documents change unsaved)."""
        for uri, edits in edits_by_uri(action.edit).items():
            self.change(uri, apply_edits(self.text[uri], edits, utf8))


async def actions_for(client: LanguageClient, uri: str, diag: types.Diagnostic):
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )


def find(client: LanguageClient, uri: str, code: str) -> types.Diagnostic:
    found = [d for d in client.diagnostics.get(uri, []) if d.code == code]
    assert found, f"no {code} in {uri}: {client.diagnostics.get(uri)}"
    return found[0]


@pytest.mark.asyncio
async def test_seed_v2_findings_fixed_by_code_actions(vscode: LanguageClient):
    """The issue's proof: seed v2 gives SIG001 and SIG010; each code action
    removes its finding. SIG010 is in the script, which the Dockerfile runs:
    the fixed, unsaved script re-lints the Dockerfile."""
    client = vscode
    root = client.root
    shutil.copytree(SEED_V2, root, dirs_exist_ok=True)
    docs = Docs(client)
    df = docs.open(root / "Dockerfile", "dockerfile")
    script = (root / "startup.sh").as_uri()
    await wait_until(
        client,
        lambda: "SIG001" in codes(client, df) and "SIG010" in codes(client, script),
        "SIG001 in the Dockerfile and SIG010 in startup.sh",
    )
    assert client.init_result.capabilities.position_encoding in (None, types.PositionEncodingKind.Utf16)

    # SIG001: a safe fix, the preferred quick fix.
    sig001 = find(client, df, "SIG001")
    assert sig001.source == "dsig"
    actions = await actions_for(client, df, sig001)
    assert len(actions) == 1, actions
    action = actions[0]
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.is_preferred is True
    assert not action.title.startswith("(unsafe)")
    assert action.diagnostics and action.diagnostics[0].code == "SIG001"
    # VS Code applies documentChanges: versioned.
    assert action.edit.document_changes
    assert action.edit.document_changes[0].text_document.version == docs.version[df]
    await docs.apply(action, utf8=False)
    assert 'CMD ["/bin/bash", "/root/startup.sh"]' in docs.text[df]
    await wait_until(client, lambda: "SIG001" not in codes(client, df), "SIG001 gone")
    assert "SIG010" in codes(client, script)

    # SIG010, in the script: open it, apply the fix without saving.
    docs.open(root / "startup.sh", "shellscript")
    sig010 = find(client, script, "SIG010")
    actions = await actions_for(client, script, sig010)
    assert len(actions) == 1, actions
    assert actions[0].is_preferred is True
    await docs.apply(actions[0], utf8=False)
    assert "exec /go/src/signal/main" in docs.text[script]
    await wait_until(client, lambda: "SIG010" not in codes(client, script), "SIG010 gone")
    assert codes(client, df) == [] and codes(client, script) == []
    # Nothing was written: the fixes are in the editor's buffers.
    assert (root / "startup.sh").read_text() == (SEED_V2 / "startup.sh").read_text()


@pytest.mark.asyncio
async def test_script_change_relints_dockerfile(vscode: LanguageClient):
    """Breaking the script again brings SIG010 back; closing the Dockerfile
    clears its diagnostics."""
    client = vscode
    root = client.root
    shutil.copytree(SEED_V2, root, dirs_exist_ok=True)
    docs = Docs(client)
    script = docs.open(root / "startup.sh", "shellscript")
    # Only the script is open: the Dockerfile beside it runs it.
    await wait_until(client, lambda: "SIG010" in codes(client, script), "SIG010 from the script alone")
    docs.change(script, "#!/bin/bash\nexec /go/src/signal/main\n")
    await wait_until(client, lambda: codes(client, script) == [], "SIG010 gone")
    docs.change(script, "#!/bin/bash\n/go/src/signal/main\n")
    await wait_until(client, lambda: "SIG010" in codes(client, script), "SIG010 back")
    df = docs.open(root / "Dockerfile", "dockerfile")
    await wait_until(client, lambda: "SIG001" in codes(client, df), "SIG001")
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=df))
    )
    await wait_until(client, lambda: codes(client, df) == [], "the closed Dockerfile cleared")


@pytest.mark.asyncio
async def test_unsafe_fix_marked_and_utf16(vscode: LanguageClient):
    client = vscode
    root = client.root
    shutil.copy(HERE / "unsafe" / "Unicode.Dockerfile", root / "Dockerfile")
    docs = Docs(client)
    df = docs.open(root / "Dockerfile", "dockerfile")
    await wait_until(client, lambda: "SIG002" in codes(client, df), "SIG002")
    sig002 = find(client, df, "SIG002")
    line = docs.text[df].splitlines()[sig002.range.end.line]
    assert sig002.range.end.character == len(line.encode("utf-16-le")) // 2
    actions = await actions_for(client, df, sig002)
    unsafe = [a for a in actions if a.diagnostics[0].code == "SIG002"]
    assert unsafe and unsafe[0].title.startswith("(unsafe) ")
    assert unsafe[0].is_preferred is False
    await docs.apply(unsafe[0], utf8=False)
    # Exec form; the shell comment after it is not an argument.
    assert docs.text[df].endswith('\nENTRYPOINT ["node", "server.js"]\n'), docs.text[df]
    await wait_until(client, lambda: "SIG002" not in codes(client, df), "SIG002 gone")


@pytest.mark.asyncio
async def test_utf8_positions_negotiated(neovim: LanguageClient):
    client = neovim
    offered = client.capabilities.general and client.capabilities.general.position_encodings or []
    want = types.PositionEncodingKind.Utf8 if types.PositionEncodingKind.Utf8 in offered else types.PositionEncodingKind.Utf16
    assert client.init_result.capabilities.position_encoding == want
    utf8 = want == types.PositionEncodingKind.Utf8
    root = client.root
    shutil.copy(HERE / "unsafe" / "Unicode.Dockerfile", root / "Dockerfile")
    docs = Docs(client)
    df = docs.open(root / "Dockerfile", "dockerfile")
    await wait_until(client, lambda: "SIG002" in codes(client, df), "SIG002")
    sig002 = find(client, df, "SIG002")
    line = docs.text[df].splitlines()[sig002.range.end.line]
    expected = len(line.encode("utf-8")) if utf8 else len(line.encode("utf-16-le")) // 2
    assert sig002.range.end.character == expected
    actions = await actions_for(client, df, sig002)
    action = next(a for a in actions if a.diagnostics[0].code == "SIG002")
    await docs.apply(action, utf8=utf8)
    assert docs.text[df].endswith('\nENTRYPOINT ["node", "server.js"]\n'), docs.text[df]
    await wait_until(client, lambda: "SIG002" not in codes(client, df), "SIG002 gone")


@pytest.mark.asyncio
async def test_hover_rule_docs(vscode: LanguageClient):
    client = vscode
    root = client.root
    shutil.copy(HERE / "unsafe" / "Unicode.Dockerfile", root / "Dockerfile")
    docs = Docs(client)
    df = docs.open(root / "Dockerfile", "dockerfile")
    await wait_until(client, lambda: "SIG002" in codes(client, df), "SIG002")
    lines = docs.text[df].splitlines()
    # The suppression is unused (no SIG001 there): shown faded.
    assert list(find(client, df, "SIG000").tags) == [types.DiagnosticTag.Unnecessary]
    assert find(client, df, "SIG002").tags is None
    # The code in a suppression comment.
    n = next(i for i, l in enumerate(lines) if "ignore=SIG001" in l)
    col = lines[n].index("SIG001") + 2
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=df),
            position=types.Position(line=n, character=col),
        )
    )
    assert hover is not None
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value.startswith("# SIG001 shell-form-cmd")
    assert hover.range.start.character == lines[n].index("SIG001")
    # A finding's range: its rule's doc.
    sig002 = find(client, df, "SIG002")
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=df),
            position=sig002.range.start,
        )
    )
    assert hover is not None and "# SIG002 shell-form-entrypoint" in hover.contents.value
    # Nothing there: no hover.
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=df),
            position=types.Position(line=1, character=2),
        )
    )
    assert hover is None


@pytest.mark.asyncio
async def test_settings_from_dsig_toml(vscode: LanguageClient):
    client = vscode
    root = client.root
    shutil.copytree(SEED_V2, root, dirs_exist_ok=True)
    shutil.copy(HERE / "config" / "dsig.toml", root / "dsig.toml")
    docs = Docs(client)
    df = docs.open(root / "Dockerfile", "dockerfile")
    await wait_until(client, lambda: "SIG001" in codes(client, df), "SIG001")
    script = (root / "startup.sh").as_uri()
    assert "SIG010" not in codes(client, script)
    # Editing dsig.toml (unsaved does not count: saved does).
    (root / "dsig.toml").write_text('[severity]\nshell-form-cmd = "error"\n')
    toml = docs.open(root / "dsig.toml", "toml")
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=toml))
    )
    await wait_until(client, lambda: "SIG010" in codes(client, script), "SIG010 once dsig.toml no longer ignores it")
    assert find(client, df, "SIG001").severity == types.DiagnosticSeverity.Error


@pytest.mark.asyncio
async def test_fix_all_source_action(neovim: LanguageClient):
    """`source.fixAll` (what editors run on save): every safe fix of the
    Dockerfile and of the script it runs, in one workspace edit."""
    client = neovim
    utf8 = client.init_result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    root = client.root
    shutil.copytree(SEED_V2, root, dirs_exist_ok=True)
    docs = Docs(client)
    df = docs.open(root / "Dockerfile", "dockerfile")
    script = docs.open(root / "startup.sh", "sh")
    await wait_until(
        client,
        lambda: "SIG001" in codes(client, df) and "SIG010" in codes(client, script),
        "SIG001 and SIG010",
    )
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=df),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll]),
        )
    )
    assert len(actions) == 1, actions
    assert actions[0].kind == "source.fixAll.dsig"
    assert sorted(edits_by_uri(actions[0].edit)) == sorted([df, script])
    await docs.apply(actions[0], utf8=utf8)
    await wait_until(
        client,
        lambda: codes(client, df) == [] and codes(client, script) == [],
        "every finding gone",
    )
