#!/bin/sh
set -e
until ./wait-for-db; do
    echo "waiting for the database"
    sleep 0.1
done
if ! ./migrate-check; then
    echo "migrations pending" >&2
    exit 1
fi
exec ./app --serve
