#!/bin/sh
set -e
(cd /tmp && exec "$OLDPWD/app" --from-subshell)
