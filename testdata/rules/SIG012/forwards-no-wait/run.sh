#!/bin/bash
/usr/local/bin/app &
pid=$!
trap 'kill -TERM $pid; exit 143' 15
wait $pid
