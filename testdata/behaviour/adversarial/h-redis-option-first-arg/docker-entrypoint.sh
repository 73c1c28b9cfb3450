#!/bin/sh
set -e

# first arg is `-f` or `--some-option`
# or first arg is `something.conf`
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- ./app "$@"
fi

# allow the container to be started with `--user`
if [ "$1" = './app' -a "$(id -u)" = '0' ]; then
	find . \! -user nobody -exec chown nobody '{}' +
	exec gosu nobody "$0" "$@"
fi

# set an appropriate umask (if one isn't set already)
um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

exec "$@"
