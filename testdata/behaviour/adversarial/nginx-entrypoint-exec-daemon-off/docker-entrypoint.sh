#!/bin/sh
set -e
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
    echo "$0: Configuration complete; ready for start up"
    nginx -t
fi
exec "$@"
