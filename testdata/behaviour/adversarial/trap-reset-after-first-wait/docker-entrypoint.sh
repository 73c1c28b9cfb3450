#!/bin/sh
set -e
# Let a stop during initialisation interrupt it.
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"; exit 143' TERM INT
sleep 0.1 &
pid=$!
wait "$pid"
trap - TERM INT

echo "initialised; starting the app"
./app
