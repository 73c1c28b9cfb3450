#!/bin/sh
set -e
echo "starting in dev mode"
exec /usr/local/bin/server --reload "$@"
