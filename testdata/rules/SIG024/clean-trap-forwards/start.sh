#!/bin/bash
/usr/sbin/cron -f &
/usr/local/bin/app &
trap 'kill -TERM $(jobs -p); wait' TERM
wait
