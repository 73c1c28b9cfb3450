#!/bin/sh
set -e
echo "starting the queue worker"
./app --worker &
echo "starting the web server"
exec ./app --web
