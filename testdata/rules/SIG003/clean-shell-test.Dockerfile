FROM debian:bookworm
RUN [ "$TARGETARCH" = "amd64" ] && echo x86 || true
CMD ["/usr/bin/app"]
