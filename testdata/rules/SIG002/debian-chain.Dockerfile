FROM debian:bookworm
WORKDIR /srv
ENTRYPOINT cd /srv/bin && ./app
CMD ["--port", "80"]
