#!/bin/sh
set -e
echo "ServerName localhost" > /tmp/apache-servername.conf
exec "$@"
