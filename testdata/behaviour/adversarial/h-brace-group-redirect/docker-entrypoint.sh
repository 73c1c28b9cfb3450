#!/bin/sh
set -e
{
    echo "starting app"
    ./app --serve
} 2>&1
