FROM debian:bookworm
ENTRYPOINT ["/usr/bin/app"]
CMD ["--port", "80"]
