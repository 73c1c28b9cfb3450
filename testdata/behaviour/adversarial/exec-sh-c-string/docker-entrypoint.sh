#!/bin/sh
set -e
exec sh -c "./app --serve"
