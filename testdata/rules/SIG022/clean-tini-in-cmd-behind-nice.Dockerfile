FROM debian:bookworm
RUN apt-get update && apt-get install -y tini
ENTRYPOINT ["nice", "-n", "5"]
CMD ["tini", "--", "/usr/local/bin/app"]
