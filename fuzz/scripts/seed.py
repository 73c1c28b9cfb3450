#!/usr/bin/env python3
"""Build the working fuzz corpora fuzz/corpus/{parse,shell,fix,output} from real data
(../shared/corpus when it is beside the repository, and testdata/) and the
committed seeds and regression inputs (testdata/fuzz/{seeds,regressions}).

Run from the repository root: python3 fuzz/scripts/seed.py
The fix target's inputs join a Dockerfile and its build context files as
`Dockerfile\\0name\\ntext\\0name\\ntext...` (tests/common/invariants.rs,
split_context)."""
import hashlib
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpus"
OUT = ROOT / "fuzz" / "corpus"
MAX = 64 * 1024  # libFuzzer's -max_len is set above this in the README


def put(target, data):
    if not data or len(data) > MAX:
        return
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def files(base, pred=lambda p: True):
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*") if p.is_file() and pred(p))


def join(dockerfile, ctx):
    out = dockerfile
    for name, text in ctx:
        out += b"\0" + name.encode() + b"\n" + text
    return out


def is_dockerfile(p):
    return p.name != "MANIFEST.json" and p.name != "result"


dockerfiles = files(SHARED / "dockerfiles", is_dockerfile)
dockerfiles += files(SHARED / "buildkit-parser-tests", lambda p: p.name == "Dockerfile")
dockerfiles += files(ROOT / "testdata", lambda p: p.name == "Dockerfile" or p.suffix == ".Dockerfile")
scripts = files(SHARED / "scripts", lambda p: p.name != "MANIFEST.json")
scripts += files(ROOT / "testdata", lambda p: p.suffix in (".sh", ".bash"))

for p in dockerfiles:
    data = p.read_bytes()
    put("parse", data)
    put("fix", data)
for p in scripts:
    data = p.read_bytes()
    put("shell", data)
    name = p.name if p.suffix == ".sh" else "entrypoint.sh"
    df = ('FROM alpine:3.20\nCOPY %s /%s\nENTRYPOINT ["/%s"]\nCMD ["app", "--serve"]\n'
          % (name, name, name)).encode()
    put("fix", join(df, [(name, data)]))
# Scenario folders: a Dockerfile with the scripts of its build context.
for d in files(ROOT / "testdata", lambda p: p.name == "Dockerfile"):
    ctx = []
    for f in sorted(d.parent.rglob("*")):
        if f.is_file() and f != d and f.stat().st_size < MAX:
            rel = f.relative_to(d.parent).as_posix()
            if b"\0" not in f.read_bytes():
                ctx.append((rel, f.read_bytes()))
    if ctx:
        put("fix", join(d.read_bytes(), ctx))
# Shell-form commands of the Dockerfiles, as `sh -c` strings.
for p in dockerfiles:
    for line in p.read_bytes().splitlines():
        s = line.strip()
        for kw in (b"CMD ", b"ENTRYPOINT ", b"RUN "):
            if s.upper().startswith(kw) and not s[len(kw):].lstrip().startswith(b"["):
                put("shell", s[len(kw):])
# The committed seeds and regression inputs.
for kind in ("seeds", "regressions"):
    for t in ("parse", "shell", "fix"):
        for p in files(ROOT / "testdata" / "fuzz" / kind / t):
            put(t, p.read_bytes())
# The output target: the fix target's inputs as they are, and again under
# hostile display names, with a script and a config file whose names and
# lines carry workflow commands, line breaks and terminal escapes.
HOSTILE = [b"Dockerfile", b"x\n::warning file=x::pwned/Dockerfile",
           b"::error::pwned%0A.Dockerfile", b"a\x1b[2J##[b]/Dockerfile"]
EVIL = (b"#!/bin/sh\n  ::error::x\necho '##[set-output name=x]' \x1b[2J\r::notice::y\n"
        b"printf '\x1b]0;title\x07'\n\"ap\n::warning file=x::pwned\" --serve\n")
EVIL_DF = (b"FROM alpine:3.20\n# \x1b]0;t\x07 ##[warning]x\nCOPY --chmod=755 start.sh /start.sh\n"
           b"RUN echo \x1b[2J \xe2\x80\xae \xc2\x9b\x7f\nCMD /start.sh\n")
EVIL_CFG = b"\"k\n::warning file=x::pwned\" = 1\ncolour\x1b[2J ##[x] = 2\n"
for name in HOSTILE:
    put("output", name + b"\x01" + join(EVIL_DF, [("start.sh", EVIL), ("dsig.toml", EVIL_CFG)]))
    put("output", name + b"\x01" + b"# escape=##[warning]x\nFROM a\n")
fix_dir = OUT / "fix"
if fix_dir.is_dir():
    for p in sorted(fix_dir.iterdir())[:2000]:
        data = p.read_bytes()
        put("output", data)
        put("output", HOSTILE[len(data) % len(HOSTILE)] + b"\x01" + data)
for t in ("parse", "shell", "fix", "output"):
    print(t, len(list((OUT / t).iterdir())))
