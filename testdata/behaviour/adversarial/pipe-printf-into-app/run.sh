#!/bin/sh
set -e
CONFIG="listen=0.0.0.0:8080"
printf '%s\n' "$CONFIG" | ./app --config-stdin
