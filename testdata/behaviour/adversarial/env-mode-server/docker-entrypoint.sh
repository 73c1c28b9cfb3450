#!/bin/sh
set -e
: "${MODE:=server}"
case "$MODE" in
    server)
        exec ./app --server
        ;;
    worker)
        ./app --worker --queue "${QUEUE:-default}"
        ;;
    *)
        echo "MODE must be server or worker" >&2
        exit 1
        ;;
esac
