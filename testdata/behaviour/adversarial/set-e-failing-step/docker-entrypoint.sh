#!/bin/sh
set -e
echo "checking the configuration"
test -f ./app.conf
exec ./app --config ./app.conf
