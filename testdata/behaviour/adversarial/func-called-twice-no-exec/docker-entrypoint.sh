#!/bin/sh
start() {
    echo "starting app $*"
    ./app "$@"
}
start --check-config || exit 1
start --serve
