#!/bin/sh
./app --serve <&0 &
pid=$!
trap "kill -TERM $pid; wait $pid" TERM INT
wait $pid
