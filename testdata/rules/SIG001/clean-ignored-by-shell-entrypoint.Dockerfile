FROM debian:bookworm
ENTRYPOINT exec /usr/bin/app
CMD --verbose
