#!/bin/sh
trap 'echo "interrupted during setup" >&2; exit 1' TERM INT
mkdir -p /tmp/app-run
exec ./app
