#!/bin/sh
set -e
cd /home/steam/server
./update.sh
./server "$@"
