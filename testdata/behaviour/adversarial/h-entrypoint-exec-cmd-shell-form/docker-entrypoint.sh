#!/bin/sh
set -e
if [ "$(id -u)" = 0 ]; then
    mkdir -p ./data
fi
exec "$@"
