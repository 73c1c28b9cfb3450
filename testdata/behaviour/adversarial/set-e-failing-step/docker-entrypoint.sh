#!/bin/sh
set -e
echo "checking the configuration"
test -f /etc/app/app.conf
exec ./app --config /etc/app/app.conf
