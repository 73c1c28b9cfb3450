#!/bin/sh
set -e
echo "starting in $APP_ENV"
"$@"
