#!/bin/sh
set -e
test -f /etc/app/app.conf || echo "no /etc/app/app.conf, using defaults"
exec ./app
