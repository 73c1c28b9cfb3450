#!/bin/sh
set -e
. ./lib/common.sh
prepare
start_app "$@"
