#!/bin/sh
trap 'echo stopping; kill -TERM "$pid"; wait "$pid"; exit 0' TERM
./app --serve &
pid=$!
while true; do
    sleep 1
done
