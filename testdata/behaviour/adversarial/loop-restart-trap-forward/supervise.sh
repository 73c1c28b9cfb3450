#!/bin/sh
stop() {
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    exit 0
}
trap stop TERM INT
while true; do
    ./app &
    pid=$!
    wait "$pid"
    echo "app died, restarting" >&2
    sleep 1
done
