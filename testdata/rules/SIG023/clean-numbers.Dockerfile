FROM debian:bookworm
STOPSIGNAL 2
CMD ["/usr/local/bin/app"]
