#!/bin/sh
trap 'echo graceful; exit 0' TERM
while :; do sleep 0.1; done
