#!/usr/bin/env python3
"""Pick the committed seeds of a target: the few small inputs of the working
corpus that cover the most (greedy set cover over libFuzzer's features).

Run from the repository root after fuzzing, with the target built:
    python3 fuzz/scripts/pick_seeds.py <target> [count]
It replaces testdata/fuzz/seeds/<target>/ with at most `count` (default 40)
files of at most 2 KiB from fuzz/corpus/<target>."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
target = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 40
binary = ROOT / "fuzz/target/x86_64-unknown-linux-gnu/release" / target
corpus = ROOT / "fuzz/corpus" / target
seeds = ROOT / "testdata/fuzz/seeds" / target

with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    cand, out, ctl = tmp / "cand", tmp / "out", tmp / "merge.ctl"
    cand.mkdir()
    out.mkdir()
    for p in corpus.iterdir():
        if p.is_file() and p.stat().st_size <= 2048:
            shutil.copy(p, cand)
    subprocess.run(
        [str(binary), "-merge=1", f"-merge_control_file={ctl}", "-max_len=2048",
         "-timeout=10", "-rss_limit_mb=2048", str(out), str(cand)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = ctl.read_text().splitlines()
    n = int(lines[0])
    files = lines[2:2 + n]
    features = {}
    for line in lines[2 + n:]:
        parts = line.split()
        if parts[0] == "FT":
            features[int(parts[1])] = set(map(int, parts[2:]))
    covered, picked = set(), []
    while len(picked) < count and features:
        best = max(features, key=lambda i: (len(features[i] - covered),
                                            -os.path.getsize(files[i])))
        if not features[best] - covered:
            break
        picked.append(best)
        covered |= features[best]
    total = set().union(*features.values()) if features else set()
    if seeds.exists():
        shutil.rmtree(seeds)
    seeds.mkdir(parents=True)
    for i in picked:
        shutil.copy(files[i], seeds)
    print(f"{target}: {len(picked)} seeds cover {len(covered)} of {len(total)} "
          f"features of {len(files)} small corpus files")
