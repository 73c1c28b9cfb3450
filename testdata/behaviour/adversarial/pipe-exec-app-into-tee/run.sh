#!/bin/sh
set -e
mkdir -p logs
exec ./app "$@" 2>&1 | tee logs/app.log
