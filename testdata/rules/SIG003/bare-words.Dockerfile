FROM debian:bookworm
CMD [/usr/local/bin/app, --port, 8080]
