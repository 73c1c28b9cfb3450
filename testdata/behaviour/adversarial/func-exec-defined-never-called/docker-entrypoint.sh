#!/bin/sh
set -e
echo "starting"
./app --serve
exit $?

# Kept for the old image layout.
start() {
    exec ./app --serve
}
