#!/bin/sh
set -e
tmp=/tmp/app-entrypoint.tmp
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cp -r conf "$tmp/" 2>/dev/null || true
./app --tmp "$tmp"
