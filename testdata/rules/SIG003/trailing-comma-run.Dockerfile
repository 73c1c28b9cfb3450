FROM debian:bookworm
RUN ["echo", "hello",]
CMD ["/usr/bin/app"]
