#!/bin/sh
# Starts the CMD as a child of the shell: the shell stays PID 1, has no
# handler for SIGTERM and does not pass it on (dsig: SIG010, in this file).
set -e
mkdir -p /run/app
echo "entrypoint: starting $*"
"$@"
