#!/bin/sh
trap 'echo stopping; exit 0' TERM INT
while true; do
    ./app
    sleep 1
done
