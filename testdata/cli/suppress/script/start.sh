#!/bin/sh
set -e
# dsig ignore=SIG011 there is no trap to fire
/usr/local/bin/app --port 8080
