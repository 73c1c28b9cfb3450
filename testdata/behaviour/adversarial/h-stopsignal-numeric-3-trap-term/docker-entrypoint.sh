#!/bin/sh
trap 'kill -TERM "$pid"; wait "$pid"' TERM INT
./app --serve &
pid=$!
wait "$pid"
