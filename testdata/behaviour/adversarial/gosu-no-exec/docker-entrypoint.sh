#!/bin/sh
set -e
mkdir -p /tmp/app-data
gosu nobody ./app --data /tmp/app-data
