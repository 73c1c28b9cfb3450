#!/bin/sh
set -e
echo "app will be restarted after a day"
exec timeout 86400 ./app --serve
