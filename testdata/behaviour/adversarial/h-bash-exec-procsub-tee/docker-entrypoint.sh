#!/bin/bash
set -e
exec > >(tee -a ./app.log) 2>&1
echo "starting app"
exec ./app --serve
