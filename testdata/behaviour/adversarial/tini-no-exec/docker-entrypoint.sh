#!/bin/sh
set -e
tini -s -- ./app
