#!/bin/sh
set -e
echo "starting"
/usr/local/bin/app "$@"
