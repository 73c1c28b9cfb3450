#!/bin/sh
set -eu
log() { echo "[start] $*"; }
log "checking configuration"
[ -x ./app ] || { log "app missing"; exit 1; }
./app && echo done
