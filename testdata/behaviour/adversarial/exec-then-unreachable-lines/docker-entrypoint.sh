#!/bin/sh
echo "starting the app"
exec ./app --serve
echo "exec failed" >&2
./app --fallback
exit 1
