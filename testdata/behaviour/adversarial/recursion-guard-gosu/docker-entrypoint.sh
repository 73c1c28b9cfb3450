#!/bin/sh
set -e
if [ "$1" = serve ]; then
    # allow the container to be started with `--user`
    if [ "$(id -u)" = 0 ]; then
        mkdir -p /tmp/app-data
        chown -R nobody /tmp/app-data 2>/dev/null || true
        exec gosu nobody "$0" "$@"
    fi
    shift
    set -- ./app --data /tmp/app-data "$@"
fi
exec "$@"
