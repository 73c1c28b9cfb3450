#!/bin/sh
term() {
    echo "caught SIGTERM, forwarding to $pid"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
}
trap term TERM
./app &
pid=$!
wait "$pid"
