#!/bin/sh
set -e
chown -R app /data
gosu app "$@"
