#!/bin/sh
# Do not let a stray TERM kill the supervisor.
trap '' TERM
./app &
wait
