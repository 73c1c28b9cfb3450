#!/bin/sh
set -e
exec env APP_MODE=1 ./app
