#!/bin/sh
./app --serve &
app_pid=$!
cleanup() {
    kill -TERM "$app_pid"
    wait "$app_pid"
    exit 0
}
trap cleanup TERM INT
sleep infinity &
wait $!
