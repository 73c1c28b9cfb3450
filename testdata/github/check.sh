#!/usr/bin/env bash
# Check action.yml with actionlint through the sample workflow that uses it,
# and its shell steps with shellcheck; and the release workflow
# (.github/workflows/release.yml) with actionlint, which runs shellcheck on
# its `run:` scripts. Run from the repository root, with actionlint,
# ShellCheck and PyYAML installed (.ci/run installs them).
#
# actionlint reads a local action (`uses: ./`) only inside a project (a git
# repository with .github/workflows), so the check runs in a temporary one:
# action.yml at its root, the sample workflow in .github/workflows/.
set -euo pipefail
root="$(pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/.github/workflows"
cp action.yml "$tmp/"
cp testdata/github/workflow.yml "$tmp/.github/workflows/dsig.yml"
git -C "$tmp" init -q

(cd "$tmp" && actionlint -no-color)

# Negative control: a misspelt input must be caught, which proves that
# actionlint read action.yml.
sed 's/^          fail-level: warning$/          fail-levl: warning/' \
  testdata/github/workflow.yml >"$tmp/.github/workflows/dsig.yml"
if (cd "$tmp" && actionlint -no-color >"$tmp/out" 2>&1); then
  echo "action: actionlint accepted an unknown input; it did not read action.yml" >&2
  exit 1
fi
grep -q 'input "fail-levl" is not defined in action "dsig"' "$tmp/out"

# The composite steps' scripts (actionlint checks workflows, not actions).
python3 - "$root/action.yml" "$tmp" <<'PY'
import sys, yaml
steps = yaml.safe_load(open(sys.argv[1]))["runs"]["steps"]
for i, step in enumerate(steps):
    if "run" in step:
        with open(f"{sys.argv[2]}/step{i}.sh", "w") as f:
            f.write("#!/usr/bin/env bash\n" + step["run"])
PY
shellcheck -s bash "$tmp"/step*.sh

# The release workflow, alone in its project (actionlint runs shellcheck on
# the `run:` scripts when shellcheck is on PATH: a negative control proves it
# did, and every action is pinned to a commit).
rel="$tmp/release"
mkdir -p "$rel/.github/workflows"
git -C "$rel" init -q
cp .github/workflows/release.yml "$rel/.github/workflows/"
(cd "$rel" && actionlint -no-color)
# shellcheck disable=SC2016 # $TAG is for the workflow, not expanded here
sed 's/^          cd dist$/          cd dist \&\& echo $TAG/' .github/workflows/release.yml \
  >"$rel/.github/workflows/release.yml"
if (cd "$rel" && actionlint -no-color >"$tmp/rel.out" 2>&1); then
  echo "release: actionlint accepted an unquoted \$TAG; shellcheck did not run" >&2
  exit 1
fi
grep -q 'SC2086' "$tmp/rel.out"
unpinned="$(grep -nE '^\s*(- )?uses: ' .github/workflows/release.yml | grep -vE 'uses: [^@ ]+@[0-9a-f]{40} # v[0-9.]+$' || true)"
[[ -z "$unpinned" ]] || { echo "release: actions not pinned to a commit:" >&2; echo "$unpinned" >&2; exit 1; }
echo "release: .github/workflows/release.yml passes $(actionlint -version | head -n 1) with shellcheck on its scripts (an unquoted variable is caught); $(grep -cE '^\s*(- )?uses: ' .github/workflows/release.yml) actions pinned to commits"

echo "action: action.yml + testdata/github/workflow.yml pass $(actionlint -version | head -n 1) and $(shellcheck --version | sed -n 's/^version: /shellcheck /p'); a misspelt input is caught"
