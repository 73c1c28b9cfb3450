#!/bin/sh
set -e
while IFS='=' read -r key value; do
    case "$key" in ''|'#'*) continue ;; esac
    export "$key=$value"
done < ./app.env
exec ./app
