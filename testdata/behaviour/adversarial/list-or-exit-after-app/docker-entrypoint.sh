#!/bin/sh
set -e

# Render the configuration from the environment.
: "${APP_PORT:=8080}"
mkdir -p /tmp/app-conf
echo "port=$APP_PORT" > /tmp/app-conf/app.conf

echo "starting app with $*"
./app "$@" || exit 1
