#!/bin/bash
set -euo pipefail
exec -a myapp ./app --serve
