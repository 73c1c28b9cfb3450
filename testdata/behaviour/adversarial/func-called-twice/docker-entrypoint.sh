#!/bin/sh
set -e
run_step() {
    echo "==> $*"
    "$@"
}
run_step mkdir -p /tmp/app-cache
run_step exec ./app --cache /tmp/app-cache
