#!/bin/sh
set -e
EXTRA_ARGS="${EXTRA_ARGS:-}"
eval exec ./app "$@" $EXTRA_ARGS
