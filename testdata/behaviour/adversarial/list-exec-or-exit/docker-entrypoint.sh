#!/bin/sh
set -e
if [ "$1" = serve ]; then
    shift
    echo "serving"
    exec ./app "$@" || exit 1
fi
echo "unknown command: $1" >&2
exit 1
