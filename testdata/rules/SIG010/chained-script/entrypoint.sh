#!/bin/sh
set -e
mkdir -p /tmp/app
exec "$@"
