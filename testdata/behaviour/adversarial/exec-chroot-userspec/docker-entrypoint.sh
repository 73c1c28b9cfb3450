#!/bin/sh
set -e
if [ "$(id -u)" = 0 ]; then
    exec chroot --userspec=65534:65534 / "$@"
fi
exec "$@"
