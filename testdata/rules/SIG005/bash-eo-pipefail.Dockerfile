FROM debian:bookworm
CMD ["/bin/bash", "-eo", "pipefail", "-c", "cd /srv && ./migrate; ./server --port 8080 | tee /var/log/server.log"]
