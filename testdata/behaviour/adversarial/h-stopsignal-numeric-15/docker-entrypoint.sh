#!/bin/sh
trap 'kill -TERM "$pid"; wait "$pid"' TERM
./app --serve &
pid=$!
wait "$pid"
