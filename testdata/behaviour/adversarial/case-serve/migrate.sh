#!/bin/sh
# One-shot: import every fixture, then exit.
set -e
for f in fixtures/*.sql; do
    echo "importing $f"
done
echo "migrations done"
