#!/bin/sh
/usr/sbin/cron -f &
/usr/local/bin/app &
wait
