#!/bin/sh
set -e
main() {
    echo "preparing"
    mkdir -p ./data
    exec ./app "$@"
}
main "$@" 2>&1 | tee -a ./entrypoint.log
