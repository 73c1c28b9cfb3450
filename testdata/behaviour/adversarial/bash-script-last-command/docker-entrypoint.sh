#!/bin/bash
set -euo pipefail
echo "starting"
./app --serve
