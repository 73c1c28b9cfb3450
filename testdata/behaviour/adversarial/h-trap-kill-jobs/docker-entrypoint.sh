#!/bin/sh
start() {
    name=$1
    shift
    echo "starting $name"
    ./app "$@" &
}
trap 'kill -TERM $(jobs -p) 2>/dev/null; wait; exit 0' TERM INT
start web --web
start worker --worker
wait
