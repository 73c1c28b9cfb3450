#!/bin/sh
/usr/local/bin/app
echo "app exited with $?"
