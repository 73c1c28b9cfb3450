#!/bin/sh
set -e
if [ "$1" = serve ]; then
    shift
    if [ "$(id -u)" = 0 ]; then
        echo "dropping privileges"
        exec gosu nobody ./app "$@"
    fi
    exec ./app "$@"
fi
exec "$@"
