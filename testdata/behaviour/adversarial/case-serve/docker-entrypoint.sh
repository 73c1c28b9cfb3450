#!/bin/sh
set -e

case "$1" in
    serve)
        shift
        exec ./app "$@"
        ;;
    migrate)
        ./migrate.sh
        ;;
    *)
        echo "usage: serve | migrate" >&2
        exit 64
        ;;
esac
