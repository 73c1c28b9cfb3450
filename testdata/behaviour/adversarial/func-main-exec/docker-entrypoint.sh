#!/bin/sh
set -eu

# logging functions
app_log() {
    type="$1"; shift
    printf '%s [%s] [Entrypoint]: %s\n' "$(date +%FT%T)" "$type" "$*"
}
app_note() { app_log Note "$@"; }

# check to see if this file is being run or sourced from another script
_is_sourced() {
    [ "${APP_SOURCED:-}" = 1 ]
}

docker_setup_env() {
    : "${APP_DATA:=/tmp/app-data}"
    export APP_DATA
}

_main() {
    if [ "${1#-}" != "$1" ]; then
        set -- ./app "$@"
    fi
    docker_setup_env
    mkdir -p "$APP_DATA"
    app_note "Entrypoint script started"
    exec "$@"
}

if ! _is_sourced; then
    _main "$@"
fi
