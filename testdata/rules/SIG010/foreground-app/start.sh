#!/bin/sh
set -e
echo "starting"
APP_ENV=prod /usr/local/bin/app.sh --serve
