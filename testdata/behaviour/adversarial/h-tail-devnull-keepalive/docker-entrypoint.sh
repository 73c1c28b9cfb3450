#!/bin/sh
set -e
mkdir -p ./logs
./app --serve >> ./logs/app.log 2>&1 &
echo "app started"
exec tail -f /dev/null
