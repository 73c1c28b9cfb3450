#!/bin/sh
set -e
exec tini -- ./app
