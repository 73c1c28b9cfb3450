#!/bin/sh
set -e
if [ ! -f ./app.env ]; then
    echo "APP_MODE=production" > ./app.env
fi
exec "$@"
