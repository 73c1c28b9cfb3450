#!/bin/bash
set -euo pipefail
cmd=(./app --serve)
if [[ -n "${APP_WORKERS:-}" ]]; then
    cmd+=(--workers "$APP_WORKERS")
fi
if [[ "${APP_DEBUG:-false}" == true ]]; then
    cmd+=(--debug)
fi
echo "running: ${cmd[*]}"
exec gosu nobody "${cmd[@]}"
