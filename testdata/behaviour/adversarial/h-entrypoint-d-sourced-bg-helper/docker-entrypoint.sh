#!/bin/sh
set -e
for f in ./docker-entrypoint.d/*; do
    case "$f" in
        *.sh)
            echo "$0: sourcing $f"
            . "$f"
            ;;
        *)
            echo "$0: ignoring $f"
            ;;
    esac
done
exec "$@"
