FROM debian:bookworm
CMD ["sh", "-c", "cd /srv && ./server --port 8080"]
