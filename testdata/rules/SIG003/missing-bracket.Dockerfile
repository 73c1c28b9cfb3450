FROM debian:bookworm
ENTRYPOINT ["/usr/bin/app", "--serve"
