#!/bin/sh
# As PID 1 this shell receives only the signals it has a handler for: SIGINT
# (the trap), not SIGTERM. On SIGINT it passes SIGTERM on to the app and waits
# for it to finish.
/bin/app &
pid=$!
trap 'kill -TERM "$pid"; wait "$pid"' INT
wait "$pid"
