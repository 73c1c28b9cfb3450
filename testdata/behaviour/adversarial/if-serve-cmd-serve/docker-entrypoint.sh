#!/bin/sh
set -e

if [ "$1" = serve ]; then
    echo "starting the server"
    ./app --serve
    exit
fi

exec "$@"
