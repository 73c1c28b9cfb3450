#!/bin/sh
./app &
pid=$!
wait "$pid"
trap 'kill -TERM "$pid"; wait "$pid"' TERM INT
