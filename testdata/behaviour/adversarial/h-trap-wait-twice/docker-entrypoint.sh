#!/bin/sh
_term() {
    echo "Caught SIGTERM signal!"
    kill -TERM "$child" 2>/dev/null
}
trap _term TERM

./app --serve &
child=$!
wait "$child"
trap - TERM
wait "$child"
exit $?
