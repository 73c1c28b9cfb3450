#!/bin/sh
set -e
for f in a b; do
    echo "importing $f"
    : > "/tmp/imported-$f"
done
