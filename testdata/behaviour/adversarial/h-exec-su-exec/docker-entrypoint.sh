#!/bin/sh
set -e
if [ "$(id -u)" = '0' ]; then
    mkdir -p ./data
    chown -R nobody ./data
    exec su-exec nobody "$0" "$@"
fi
exec "$@"
