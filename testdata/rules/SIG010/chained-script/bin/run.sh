#!/bin/sh
cd /app
./server "$@"
