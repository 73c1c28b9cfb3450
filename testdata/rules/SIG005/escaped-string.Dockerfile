FROM debian:bookworm
CMD ["sh", "-c", "echo \"starting\" && /usr/bin/app"]
