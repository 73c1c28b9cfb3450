#!/bin/sh
set -e
if [ "$1" = version ]; then
    echo "app 1.0"
    exit 0
fi
if [ "$1" = serve ]; then
    shift
fi
exec ./app "$@"
