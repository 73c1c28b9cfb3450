#!/bin/sh
set -e
exec /usr/local/bin/app --port 80 >>/var/log/app.log 2>&1
