#!/bin/sh
trap 'echo "got TERM"; kill -TERM "$pid" 2>/dev/null' TERM INT
./app --serve &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
    wait "$pid"
done
echo "app exited"
