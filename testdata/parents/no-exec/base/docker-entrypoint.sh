#!/bin/sh
set -e
echo "starting $1"
"$@"
