if [[ -n "$DEBUG" ]]; then set -x; fi
exec /usr/local/bin/app
