FROM debian:bookworm
CMD sleep infinity
