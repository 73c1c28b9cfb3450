#!/bin/sh
set -e
case "$1" in
    serve|server|web)
        shift
        set -- ./app --serve "$@"
        ;;
    worker)
        shift
        set -- ./app --worker "$@"
        ;;
    migrate)
        shift
        ./app --migrate "$@"
        exit 0
        ;;
esac
echo "starting: $*"
exec "$@"
