#!/bin/sh
echo "app context"
"$@"
