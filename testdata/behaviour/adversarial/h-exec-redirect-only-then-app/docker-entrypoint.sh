#!/bin/sh
set -e
exec >>./app.log 2>&1
echo "$(date) starting"
./app --serve
