#!/bin/sh
set -e
. ./lib/common.sh
prepare
exec_hint="use exec in start_app"
start_app "$@"
