#!/bin/sh
set -e
export APP_ENV=production
for f in ./conf.d/*.env; do
    [ -e "$f" ] || continue
    . "$f"
done
. ./run.sh
