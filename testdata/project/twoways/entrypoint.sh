#!/bin/sh
echo "root context"
"$@"
