#!/bin/sh
set -e
echo "starting myapp"
exec -a myapp ./app --serve
