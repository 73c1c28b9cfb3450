#!/bin/sh
set -e
exec sh -c "exec /usr/local/bin/app --port 80"
