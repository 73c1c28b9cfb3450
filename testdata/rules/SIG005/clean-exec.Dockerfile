FROM debian:bookworm
CMD ["sh", "-c", "cd /srv && exec ./server"]
