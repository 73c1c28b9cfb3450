#!/bin/sh
shutdown() {
    kill -TERM "$web" "$worker" 2>/dev/null
    wait "$web"
    wait "$worker"
    exit 0
}
trap shutdown TERM INT
./app --web &
web=$!
./app --worker &
worker=$!
wait "$web"
