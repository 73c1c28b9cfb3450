#!/bin/sh
set -e
case "$1" in
    migrate)
        ./app --migrate
        ;;
    shell)
        exec /bin/sh
        ;;
    *)
        exec "$@"
        ;;
esac
