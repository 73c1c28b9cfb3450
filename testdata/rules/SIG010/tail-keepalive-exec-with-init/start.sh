#!/bin/sh
set -e
mkdir -p /workspace/cache
chown -R 1000:1000 /workspace
echo "Container ready. Keeping foreground process alive."
tail -f /dev/null
