#!/bin/sh
set -e

if [ "$1" = "serve" ]; then
    /usr/sbin/app migrate
    /usr/sbin/app serve
else
    exec /usr/sbin/app "$@"
fi
