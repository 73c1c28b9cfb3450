#!/bin/sh
set -e
if [ "$1" = nginx ]; then
    nginx -t
fi
"$@"
