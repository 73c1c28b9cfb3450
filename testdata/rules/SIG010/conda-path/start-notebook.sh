#!/bin/bash
set -e
echo "Starting Jupyter in ${CONDA_DIR}"
jupyter lab --ip=0.0.0.0 --no-browser "$@"
