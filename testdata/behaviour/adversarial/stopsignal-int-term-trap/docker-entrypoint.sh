#!/bin/sh
trap 'kill -TERM "$pid"; wait "$pid"' TERM
./app &
pid=$!
wait "$pid"
