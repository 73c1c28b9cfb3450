FROM debian:bookworm
HEALTHCHECK CMD ['curl', '-f', 'http://localhost/']
CMD ["/usr/bin/app"]
