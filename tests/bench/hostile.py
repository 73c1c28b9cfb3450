#!/usr/bin/env python3
"""Time and peak memory of dsig on hostile inputs (issue 12, budgets).

Generates each pathological input of tests/security/budgets.rs (and larger
ones) in a temporary directory, runs the dsig binary on it, and prints a
table: wall time, peak RSS (from wait4's rusage of the child), exit status.
The goal is every input under 2 s and 500 MB on the release build. This is a
script that prints figures, not a test; it builds nothing:

    cargo build --release
    python3 tests/bench/hostile.py [--dsig target/release/dsig] [--timeout 120]

Python 3 standard library only. A run that exceeds --timeout is killed and
shown as such; a run killed by a signal (134: abort, stack overflow) shows
the signal. Compare two builds with --dsig OLD and --dsig NEW.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT_DOCKERFILE = (
    "FROM debian:bookworm\n"
    "COPY --chmod=755 start.sh /start.sh\n"
    'ENTRYPOINT ["/start.sh"]\n'
)


def case_chain(arms: int, n: int) -> str:
    s = "#!/bin/sh\n"
    for i in range(1, n):
        s += f'f{i}() {{\n  case "$1" in\n'
        s += "".join(f'    {a}) f{i + 1} "$@";;\n' for a in range(arms))
        s += "  esac\n}\n"
    return s + f'f{n}() {{\n  app "$@"\n}}\nf1 "$@"\n'


def constructs(n: int) -> str:
    s = "#!/bin/sh\ntrap 'f1' TERM\n" + ". ./lib.sh\n" * 300
    for i in range(1, n):
        g = f"f{i + 1}"
        s += (
            f'f{i}() {{\n  if [ "$1" ]; then {g}; else {g}; fi\n  {g} && {g} || {g}\n'
            f"  {g} | {g}\n  ( {g} ) & ( {g} )\n  while {g}; do {g}; done\n"
            f"  x=$({g} $({g}))\n  {{ {g}; f1; }}\n  {g}\n}}\n"
        )
    return s + f"f{n}() {{\n  f1\n  app\n}}\nf1\nwait\n"


def backticks(levels: int) -> str:
    s = "x"
    for _ in range(levels):
        s = "echo `" + s.replace("\\", "\\\\").replace("`", "\\`") + "`"
    return s


def heredocs(levels: int) -> str:
    acc = "y"
    for i in range(levels):
        acc = f"$(cat <<E{i}\n{acc}\nE{i}\n)"
    return acc


def from_chain(n: int) -> str:
    t = "FROM debian:bookworm AS s0\nCOPY a.sh /a.sh\n"
    for i in range(1, n):
        t += f"FROM s{i - 1} AS s{i}\nENV V{i}=x\nCOPY a.sh /a{i}.sh\n"
    return t + 'CMD ["/a.sh"]\n'


def copy_from_chain(n: int) -> str:
    t = "FROM debian:bookworm AS s0\nCOPY a.sh /a.sh\n"
    for i in range(1, n):
        t += f"FROM debian:bookworm AS s{i}\nCOPY --from=s{i - 1} /a.sh /a.sh\n"
    return t + 'CMD ["/a.sh"]\n'


def calls(n: int) -> str:
    s = "#!/bin/sh\n" + "".join(f"f{i}() {{ f{i + 1}; }}\n" for i in range(n))
    return s + f"f{n}() {{ app; }}\nf0\n"


def cases():
    """(name, files, args): files maps a relative name to its text."""
    k = 8000
    script = lambda s: {"Dockerfile": SCRIPT_DOCKERFILE, "start.sh": s}  # noqa: E731
    yield "case arms call the next function (30 arms x 6)", script(case_chain(30, 6)), []
    yield "same, script on stdin", script(case_chain(30, 6)), ["stdin"]
    yield "functions calling functions, every construct", {
        **script(constructs(60)),
        "lib.sh": "helper() { :; }\n",
    }, []
    yield "5000 functions each calling the next", script(calls(5000)), []
    yield "2000 traps calling a chain of 3000 functions", script(
        "#!/bin/sh\n"
        + "".join(f'trap "f0 {i}" TERM\n' for i in range(2000))
        + "".join(f"f{i}() {{ f{i + 1}; echo $p; }}\n" for i in range(3000))
        + 'f3000() { kill -TERM "$p"; wait "$p"; }\napp & p=$!\nwait\n'
    ), []
    yield "5000 functions ending in wait, any of them last", script(
        "#!/bin/sh\n"
        + "".join(f"f{i}() {{\n  a{i} &\n  wait\n}}\n" for i in range(5000))
        + 'case "$1" in\n'
        + "".join(f"  {i}) f{i};;\n" for i in range(5000))
        + "esac\n"
    ), []
    yield "100000 background commands and a wait", script(
        "#!/bin/sh\n" + "".join(f"a{i} &\n" for i in range(100_000)) + "wait\n"
    ), []
    yield "5000 branches calling a function with 250 endings", script(
        '#!/bin/sh\ng() {\n  case "$2" in\n'
        + "".join(f"    {i}) app{i} {'x' * 1000};;\n" for i in range(250))
        + '  esac\n}\ncase "$1" in\n'
        + "".join(f"  {i}) g;;\n" for i in range(5000))
        + "esac\n"
    ), []
    yield "8000 nested $(", script("#!/bin/sh\necho " + "$(" * k + "x" + ")" * k + "\nexec app\n"), []
    yield "100000 nested $(", script(
        "#!/bin/sh\necho " + "$(" * 100_000 + "x" + ")" * 100_000 + "\nexec app\n"
    ), []
    yield "8000 nested subshells", script("#!/bin/sh\n" + "( " * k + "app" + " )" * k + "\n"), []
    yield "8000 nested braces", script("#!/bin/sh\n" + "{ " * k + "app; " + "}; " * k + "\n"), []
    yield "8000 if inside if", script(
        "#!/bin/sh\n" + 'if [ "$1" ]; then\n' * k + "app\n" + "fi\n" * k
    ), []
    yield "2000 case inside case", script(
        "#!/bin/sh\n" + 'case "$1" in a)\n' * 2000 + "app\n" + ";; esac\n" * 2000
    ), []
    yield "3000 loops inside loops", script(
        "#!/bin/sh\n" + "while true; do\n" * 3000 + "app &\nwait\n" + "done\n" * 3000
    ), []
    yield "12 levels of backticks", script("#!/bin/sh\n" + backticks(12) + "\nexec app\n"), []
    yield "1500 heredocs in nested $(", script("#!/bin/sh\nx=" + heredocs(1500) + "\nexec app\n"), []
    yield "CMD [[[... 30000", {
        "Dockerfile": "FROM debian:bookworm\nCMD " + "[" * 30000 + "]" * 30000 + "\n"
    }, []
    yield "CMD ((((app)))) 8000 on alpine", {
        "Dockerfile": "FROM alpine:3.19\nCMD " + "(" * k + "app" + ")" * k + "\n"
    }, []
    yield "dsig.toml a = [[[... 30000", {
        "Dockerfile": 'FROM debian:bookworm\nCMD ["app"]\n',
        "dsig.toml": "a = " + "[" * 30000 + "]" * 30000 + "\n",
    }, []
    yield "dsig.toml with 100000 keys", {
        "Dockerfile": 'FROM debian:bookworm\nCMD ["app"]\n',
        "dsig.toml": "".join(f"k{i} = 1\n" for i in range(100_000)),
    }, []
    # Parse budget (tree-sitter-bash is quadratic on these) and the 256 KiB
    # script limit: each ends as a SIG017 note.
    df = lambda cmd: {"Dockerfile": "FROM debian:bookworm\nCMD " + cmd + "\n"}  # noqa: E731
    yield "CMD app <<E0 <<E1 ... 15000", df("app " + "".join(f"<<E{i} " for i in range(15000))), []
    yield "CMD declare -a x=( x10000", df("declare -a x=(" * 10000), []
    yield 'CMD ["sh", "-c", "x=( x30000"]', df('["sh", "-c", "' + "x=( " * 30000 + '"]'), []
    yield "CMD c|c|... 3 MB", df("c|" * 1_500_000 + "c"), []
    here = "".join(f"<<E{i} " for i in range(20000))
    yield "script: app <<E0 ... 20000 on one line", script("#!/bin/sh\napp " + here + "\n"), []
    yield "same, script on stdin", script("#!/bin/sh\napp " + here + "\n"), ["stdin"]
    for rep, what in (
        ("x=( ", 30000),
        ("local x=( ", 10000),
        ("x=( ", 10000),
        ("$[", 10000),
        ("<<<", 10000),
        ("f() ", 10000),
        ("select ", 10000),
    ):
        yield f"script: {rep.strip()!r} x{what}", script("#!/bin/bash\n" + rep * what), []
    for n in (8000, 32000):
        yield f"script: {n} if blocks", script(
            "#!/bin/sh\n" + "".join(f'if [ "$1" = a{i} ]; then app{i}; fi\n' for i in range(n))
        ), []
    yield "script: 32000 [ ] && app", script(
        "#!/bin/sh\n" + "".join(f'[ "$1" = a{i} ] && app{i}\n' for i in range(32000))
    ), []
    yield "script: c|c|... 3 MB", script("#!/bin/sh\n" + "c|" * 1_500_000 + "c\n"), []
    yield "script: c& x1M (2 MB)", script("#!/bin/sh\n" + "c&" * 1_000_000), []
    yield "script: c\\n x1M (2 MB)", script("#!/bin/sh\n" + "c\n" * 1_000_000), []
    for n in (4000, 100_000):
        yield f"{n} stages, each FROM the previous", {
            "Dockerfile": from_chain(n),
            "a.sh": "#!/bin/sh\napp\n",
        }, []
        yield f"{n} stages, each COPY --from the previous", {
            "Dockerfile": copy_from_chain(n),
            "a.sh": "#!/bin/sh\napp\n",
        }, []


def run(dsig: str, cwd: Path, args: list[str], stdin_file: Path | None, timeout: float):
    """Wall time, peak RSS in MiB, and status text of one run."""
    stdin = open(stdin_file, "rb") if stdin_file else subprocess.DEVNULL
    start = time.monotonic()
    proc = subprocess.Popen(
        [dsig, *args],
        cwd=cwd,
        stdin=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if time.monotonic() - start > timeout and not killed:
            proc.send_signal(signal.SIGKILL)
            killed = True
        time.sleep(0.005)
    wall = time.monotonic() - start
    if stdin_file:
        stdin.close()
    proc.returncode = 0  # reaped above
    if killed:
        what = f"killed after {timeout:.0f} s"
    elif os.WIFSIGNALED(status):
        what = f"signal {os.WTERMSIG(status)} ({signal.Signals(os.WTERMSIG(status)).name})"
    else:
        what = f"exit {os.WEXITSTATUS(status)}"
    return wall, usage.ru_maxrss / 1024, what


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = Path(__file__).resolve().parents[2]
    ap.add_argument("--dsig", default=str(root / "target/release/dsig"))
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--only", help="run only the cases whose name contains this")
    opts = ap.parse_args()
    if not Path(opts.dsig).exists():
        print(f"{opts.dsig}: not found (cargo build --release)", file=sys.stderr)
        return 2
    print(f"dsig: {opts.dsig}")
    print(f"{'input':52} {'size':>9} {'time':>9} {'peak RSS':>10}  status")
    worst_t, worst_m = 0.0, 0.0
    with tempfile.TemporaryDirectory(prefix="dsig-hostile-") as tmp:
        for i, (name, files, flags) in enumerate(cases()):
            if opts.only and opts.only not in name:
                continue
            d = Path(tmp) / f"case{i}"
            d.mkdir()
            size = 0
            for rel, text in files.items():
                (d / rel).write_text(text)
                size += len(text.encode())
            args = ["lint", "--format", "json"]
            stdin_file = None
            if "stdin" in flags:
                args += ["-", "--stdin-filename", "start.sh"]
                stdin_file = d / "start.sh"
            else:
                args += ["Dockerfile"]
            wall, mib, what = run(opts.dsig, d, args, stdin_file, opts.timeout)
            worst_t, worst_m = max(worst_t, wall), max(worst_m, mib)
            print(f"{name:52} {size / 1024:>7.0f}KB {wall:>8.2f}s {mib:>8.0f}MB  {what}", flush=True)
    ok = worst_t < 2 and worst_m < 500
    print(f"worst: {worst_t:.2f} s, {worst_m:.0f} MB: {'within' if ok else 'over'} 2 s / 500 MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
