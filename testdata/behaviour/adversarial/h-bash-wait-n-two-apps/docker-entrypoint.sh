#!/bin/bash
_term() {
    echo "forwarding TERM to $web $worker"
    kill -TERM "$web" "$worker" 2>/dev/null
    wait
    exit 0
}
trap _term TERM INT

./app --web &
web=$!
./app --worker &
worker=$!

# exit as soon as one of them dies
wait -n
status=$?
echo "a process exited with $status"
kill -TERM "$web" "$worker" 2>/dev/null
wait
exit "$status"
