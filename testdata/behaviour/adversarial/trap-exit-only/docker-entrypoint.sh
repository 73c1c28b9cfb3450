#!/bin/sh
trap 'echo "stopping"; exit 0' TERM INT
./app &
wait
