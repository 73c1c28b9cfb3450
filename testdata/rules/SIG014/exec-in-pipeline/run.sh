#!/bin/sh
exec /usr/local/bin/app 2>&1 | tee /var/log/app.log
