#!/bin/sh
set -eu

log() {
    echo "[entrypoint] $*" >&2
}

launch() {
    local bin="$1"
    shift
    log "exec $bin $*"
    exec "$bin" "$@"
}

run_as_app() {
    local role="$1"
    shift
    launch ./app --role "$role" "$@"
}

main() {
    local mode="${1:-serve}"
    [ "$#" -gt 0 ] && shift
    case "$mode" in
        serve|worker) run_as_app "$mode" "$@" ;;
        *) exec "$mode" "$@" ;;
    esac
}

main "$@"
