#!/bin/sh
set -e
: "${APP_WORKERS:=2}"
echo "starting with $APP_WORKERS workers"
./app --workers "$APP_WORKERS"
