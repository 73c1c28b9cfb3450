#!/bin/sh
set -e
echo "running: $*"
exec sh -c "$*"
