#!/bin/sh
trap 'kill -INT "$pid"; wait "$pid"' INT
./app &
pid=$!
wait "$pid"
