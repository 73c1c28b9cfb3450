#!/bin/sh
set -e

_main() {
	if [ "$1" = serve ]; then
		/usr/local/bin/server --port 80
	else
		exec "$@"
	fi
}

_main "$@"
