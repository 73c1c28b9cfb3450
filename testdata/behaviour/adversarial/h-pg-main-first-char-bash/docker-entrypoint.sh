#!/bin/bash
set -Eeo pipefail

# usage: file_env VAR [DEFAULT]
file_env() {
	local var="$1"
	local fileVar="${var}_FILE"
	local def="${2:-}"
	if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
		printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$fileVar"
		exit 1
	fi
	local val="$def"
	if [ "${!var:-}" ]; then
		val="${!var}"
	elif [ "${!fileVar:-}" ]; then
		val="$(< "${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

_is_sourced() {
	[ "${#FUNCNAME[@]}" -ge 2 ] \
		&& [ "${FUNCNAME[0]}" = '_is_sourced' ] \
		&& [ "${FUNCNAME[1]}" = 'source' ]
}

docker_setup_env() {
	file_env 'APP_PASSWORD' 'secret'
	declare -g DATABASE_ALREADY_EXISTS
	if [ -s "./data/PG_VERSION" ]; then
		DATABASE_ALREADY_EXISTS='true'
	fi
}

_app_want_help() {
	local arg
	for arg; do
		case "$arg" in
			-'?'|--help|--describe-config|-V|--version)
				return 0
				;;
		esac
	done
	return 1
}

_main() {
	# if first arg looks like a flag, assume we want to run the server
	if [ "${1:0:1}" = '-' ]; then
		set -- ./app "$@"
	fi

	if [ "$1" = './app' ] && ! _app_want_help "$@"; then
		docker_setup_env
		mkdir -p ./data
		# setup data directories and permissions (when run as root)
		if [ "$(id -u)" = '0' ]; then
			chown -R nobody ./data
			# then restart script as nobody user
			exec gosu nobody "$BASH_SOURCE" "$@"
		fi

		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			echo 'initialising database'
			echo 17 > ./data/PG_VERSION
		fi
	fi

	exec "$@"
}

if ! _is_sourced; then
	_main "$@"
fi
