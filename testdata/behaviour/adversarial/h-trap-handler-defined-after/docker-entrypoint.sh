#!/bin/sh
trap shutdown TERM INT

echo "starting app"
./app --serve &
pid=$!

shutdown() {
    echo "shutting down $pid"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    exit 0
}

wait "$pid"
