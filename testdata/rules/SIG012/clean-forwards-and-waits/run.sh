#!/bin/bash
term() {
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
}
trap term TERM
/usr/local/bin/app &
pid=$!
wait "$pid"
