FROM debian:bookworm
STOPSIGNAL SIGTERMINATE
CMD ["/usr/local/bin/app"]
