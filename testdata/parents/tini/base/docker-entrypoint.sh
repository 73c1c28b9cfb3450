#!/bin/sh
set -e
if [ -d /docker-entrypoint.d ]; then
  for f in /docker-entrypoint.d/*.sh; do
    [ -r "$f" ] && . "$f"
  done
fi
exec "$@"
