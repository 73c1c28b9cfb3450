FROM debian:bookworm
STOPSIGNAL SIGKILL
CMD ["/usr/local/bin/app"]
