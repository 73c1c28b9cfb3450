#!/bin/sh
graceful_stop() {
    echo "graceful stop"
    kill -QUIT "$pid"
    wait "$pid"
    exit 0
}
trap graceful_stop QUIT
./app --serve &
pid=$!
wait "$pid"
