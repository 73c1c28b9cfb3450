FROM debian:bookworm
RUN apt-get update && apt-get install -y postgresql
STOPSIGNAL SIGTERM
USER postgres
CMD ["postgres", "-D", "/var/lib/postgresql/data"]
