#!/bin/sh
while true; do
    ./app
    echo "app exited with $?, restarting" >&2
    sleep 1
done
