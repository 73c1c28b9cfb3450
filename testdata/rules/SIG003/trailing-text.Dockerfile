FROM debian:bookworm
CMD ["/usr/bin/app", "--serve"] # start the app
