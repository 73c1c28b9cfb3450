#!/bin/sh
set -eu

_is_sourced() {
    [ "${APP_SOURCED:-}" = 1 ]
}

_main() {
    if [ "${1#-}" != "$1" ]; then
        set -- ./app "$@"
    fi
    echo "Entrypoint script started"
    "$@"
}

if ! _is_sourced; then
    _main "$@"
fi
