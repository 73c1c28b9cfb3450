# shellcheck shell=sh
prepare() {
    echo "preparing"
    mkdir -p /tmp/app-run
}

start_app() {
    echo "starting app $*"
    ./app "$@"
}
