#!/usr/bin/env python3
"""Run the composite action (action.yml) here, as a runner would, for CI.

    run_action.py ACTION_DIR WORKDIR [NAME=VALUE ...]

Each `run:` step runs in WORKDIR with `bash --noprofile --norc -eo pipefail`
(GitHub's `shell: bash`), its `env:` evaluated for the expressions the action
uses: `${{ inputs.NAME }}` (the NAME=VALUE arguments, else the input's
default), `${{ github.action_path }}` and `${{ steps.ID.outputs.KEY }}`; each
step gets its own GITHUB_OUTPUT file and RUNNER_TEMP is a temporary
directory. Stops at the first failing step. Prints the action's outputs as
`output NAME=VALUE` lines, and exits with the failing step's status (0 when
none failed). Another expression is an error: the action must not use one
that this runner would get wrong. PyYAML only.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def main():
    action_dir, workdir, *pairs = sys.argv[1:]
    action_dir = os.path.abspath(action_dir)
    with open(os.path.join(action_dir, "action.yml")) as f:
        action = yaml.safe_load(f)
    given = dict(p.split("=", 1) for p in pairs)
    declared = action.get("inputs", {})
    unknown = set(given) - set(declared)
    if unknown:
        sys.exit(f"run_action: unknown inputs {sorted(unknown)}")
    inputs = {k: given.get(k, str(v.get("default", ""))) for k, v in declared.items()}
    outputs = {}  # step id -> {key: value}

    def value(expr):
        if expr.startswith("inputs."):
            return inputs[expr[len("inputs."):]]
        if expr == "github.action_path":
            return action_dir
        m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if m:
            return outputs.get(m[1], {}).get(m[2], "")
        sys.exit(f"run_action: expression not supported here: {expr}")

    def expand(text):
        return EXPR.sub(lambda m: value(m[1]), str(text))

    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, step in enumerate(action["runs"]["steps"]):
            if "run" not in step:
                sys.exit(f"run_action: step {i} is not a run step")
            if step.get("shell") != "bash":
                sys.exit(f"run_action: step {i} has shell {step.get('shell')!r}, not bash")
            out_file = os.path.join(tmp, f"output{i}")
            open(out_file, "w").close()
            env = dict(os.environ)
            env.update({k: expand(v) for k, v in step.get("env", {}).items()})
            env.update(GITHUB_OUTPUT=out_file, RUNNER_TEMP=tmp, GITHUB_ACTIONS="true")
            script = os.path.join(tmp, f"step{i}.sh")
            with open(script, "w") as f:
                f.write(step["run"])
            print(f"run_action: step {step.get('name', i)}", flush=True)
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                cwd=workdir, env=env, stdin=subprocess.DEVNULL,
            )
            got = {}
            with open(out_file) as f:
                for line in f:
                    if "=" in line:
                        k, v = line.rstrip("\n").split("=", 1)
                        got[k] = v
            if "id" in step:
                outputs[step["id"]] = got
            if done.returncode != 0:
                status = done.returncode
                break
        for name, spec in action.get("outputs", {}).items():
            print(f"output {name}={expand(spec['value'])}")
    sys.exit(status)


if __name__ == "__main__":
    main()
