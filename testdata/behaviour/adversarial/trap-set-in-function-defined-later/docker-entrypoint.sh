#!/bin/sh
set -e

main() {
    forward_signals
    ./app "$@" &
    pid=$!
    wait "$pid"
}

forward_signals() {
    trap 'kill -TERM "$pid"; wait "$pid"; exit 0' TERM INT
}

main "$@"
