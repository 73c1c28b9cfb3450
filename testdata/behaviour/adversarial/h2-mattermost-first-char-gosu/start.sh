#!/bin/bash

if [ "${1:0:1}" = '-' ]; then
    set -- ./app "$@"
fi

chown -R nobody ./data

exec gosu nobody "$@"
