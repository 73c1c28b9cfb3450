#!/bin/sh
trap 'sleep 10; kill -TERM "$pid"; wait "$pid"' TERM
node server.js "$@" &
pid=$!
wait "$pid"
