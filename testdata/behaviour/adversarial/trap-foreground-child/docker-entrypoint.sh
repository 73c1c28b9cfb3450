#!/bin/sh
cleanup() {
    echo "shutting down"
    rm -f /tmp/app.lock
    exit 0
}
trap cleanup TERM INT
touch /tmp/app.lock
./app
