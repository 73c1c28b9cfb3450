#!/bin/sh
set -e
exec ./app --config - <<CONF
port = ${APP_PORT}
log = stdout
CONF
