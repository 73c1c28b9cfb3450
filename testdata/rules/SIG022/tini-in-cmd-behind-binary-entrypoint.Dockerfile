FROM debian:bookworm
RUN apt-get update && apt-get install -y tini
ENTRYPOINT ["/usr/bin/myapp"]
CMD ["tini", "--", "app"]
