#!/bin/sh
cd /srv
exec /usr/local/bin/app "$@"
