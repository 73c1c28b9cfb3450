FROM debian:bookworm
CMD ["/usr/bin/app", "--serve"]
