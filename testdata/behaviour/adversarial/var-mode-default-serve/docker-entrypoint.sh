#!/bin/sh
set -e
MODE=${1:-serve}
if [ "$MODE" = serve ]; then
    exec ./app --serve
else
    ./app --worker
fi
