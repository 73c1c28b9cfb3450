#!/usr/bin/env python3
"""Regenerate testdata/conformance/expected.json with BuildKit's own parser.

The official parser is the PyPI package `dockerfile` (3.4.0 wraps BuildKit
v0.12.5's Go parser). For every input file this records either the parser's
error message or its command list, so tests/conformance.rs can compare dsig's
parser against it without Go or Python at test time.

Inputs, keyed by path (always with `/`):

- relative to the corpus root (default ../shared/corpus beside the repository):
  dockerfiles/<owner+repo>/<file> (MANIFEST.json skipped),
  buildkit-parser-tests/testfiles/*/Dockerfile (accepted by BuildKit),
  buildkit-parser-tests/testfiles-negative/*/Dockerfile (rejected);
- relative to the repository: testdata/parser/*.Dockerfile (dsig's own
  parser edge cases).

Usage:
    python3 tests/conformance/generate.py [CORPUS] [--output FILE] [--check]

--check compares instead of writing and exits 1 when the snapshot differs.
Only the standard library and `dockerfile` are used.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import dockerfile

SCRIPT_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCRIPT_DIR.parent.parent
DEFAULT_CORPUS = REPO_ROOT / ".." / "shared" / "corpus"
DEFAULT_OUTPUT = REPO_ROOT / "testdata" / "conformance" / "expected.json"
INVALID_UTF8 = "invalid utf-8"


def corpus_inputs(corpus):
    """(key, path) for every corpus file, in no particular order."""
    out = []
    dockerfiles = corpus / "dockerfiles"
    for root, dirs, files in os.walk(dockerfiles):
        dirs.sort()
        for name in files:
            if name == "MANIFEST.json":
                continue
            path = Path(root) / name
            out.append((path.relative_to(corpus).as_posix(), path))
    for sub in ("testfiles", "testfiles-negative"):
        base = corpus / "buildkit-parser-tests" / sub
        for d in sorted(base.iterdir()):
            path = d / "Dockerfile"
            if path.is_file():
                out.append((path.relative_to(corpus).as_posix(), path))
    return out


def repo_inputs():
    """(key, path) for dsig's own parser fixtures, keyed relative to the repo."""
    base = REPO_ROOT / "testdata" / "parser"
    if not base.is_dir():
        return []
    return [
        (p.relative_to(REPO_ROOT).as_posix(), p)
        for p in sorted(base.glob("*.Dockerfile"))
        if p.is_file()
    ]


def command_view(c):
    return {
        "cmd": c.cmd,
        "sub_cmd": c.sub_cmd,
        "json": bool(c.json),
        "original": c.original,
        "start_line": c.start_line,
        "end_line": c.end_line,
        "flags": list(c.flags),
        "value": list(c.value),
        "heredocs": [
            {"name": h.name, "fd": h.file_descriptor, "content": h.content}
            for h in c.heredocs
        ],
    }


def parse_one(path):
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return {"error": INVALID_UTF8}
    try:
        commands = dockerfile.parse_file(str(path))
    except dockerfile.GoParseError as e:
        return {"error": str(e)}
    return {"commands": [command_view(c) for c in commands]}


def render(result):
    return json.dumps(result, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "corpus",
        nargs="?",
        help="corpus root (default: ../shared/corpus beside the repository)",
    )
    ap.add_argument("--output", help="snapshot to write or check (default: %(default)s)",
                    default=str(DEFAULT_OUTPUT))
    ap.add_argument("--check", action="store_true",
                    help="compare with the existing snapshot instead of writing it")
    args = ap.parse_args(argv)

    if args.corpus is None:
        corpus = DEFAULT_CORPUS
    else:
        corpus = Path(args.corpus)
        if not corpus.is_absolute():
            # A relative corpus path is taken relative to the repository root,
            # so the script gives the same result from any working directory.
            corpus = REPO_ROOT / corpus
    corpus = corpus.resolve()
    if not (corpus / "dockerfiles").is_dir():
        sys.exit(f"error: {corpus} does not look like the shared corpus (no dockerfiles/)")

    inputs = corpus_inputs(corpus) + repo_inputs()
    result = {}
    for key, path in inputs:
        if key in result:
            sys.exit(f"error: duplicate key {key}")
        result[key] = parse_one(path)

    text = render(result)
    output = Path(args.output)
    ok = sum("commands" in v for v in result.values())
    errors = {k: v["error"] for k, v in sorted(result.items()) if "error" in v}
    print(f"dockerfile {_version()}: {len(result)} files, {ok} ok, {len(errors)} error")
    for k, msg in errors.items():
        note = " (not parsed)" if msg == INVALID_UTF8 else ""
        print(f"  error: {k}: {msg}{note}")

    if args.check:
        try:
            current = output.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != text:
            print(f"{output} is out of date: run python3 tests/conformance/generate.py",
                  file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0

    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {output}")
    return 0


def _version():
    try:
        from importlib.metadata import version

        return version("dockerfile")
    except Exception:  # noqa: BLE001 - the version is informational only
        return "?"


if __name__ == "__main__":
    sys.exit(main())
