#!/bin/sh
set -e
echo "preparing"
exec "$@"
