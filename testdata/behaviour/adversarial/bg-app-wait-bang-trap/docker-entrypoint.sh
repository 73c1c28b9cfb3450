#!/bin/sh
trap 'kill -TERM $!; wait $!' TERM
./app "$@" &
wait $!
