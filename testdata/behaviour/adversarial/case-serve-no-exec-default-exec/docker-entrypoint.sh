#!/bin/sh
set -e
case "$1" in
    serve)
        echo "serving on :8080"
        ./app --listen :8080
        ;;
    *)
        exec "$@"
        ;;
esac
