#!/bin/sh
set -e
trap 'rm -f /tmp/app-entrypoint.lock' EXIT
touch /tmp/app-entrypoint.lock
[ -x ./app ]
exec ./app
