#!/bin/sh
trap '' TERM HUP
echo "config ok"
exec ./app
