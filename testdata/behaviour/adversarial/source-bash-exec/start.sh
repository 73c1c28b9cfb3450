#!/bin/bash
set -euo pipefail
source ./env.sh
source run.sh
