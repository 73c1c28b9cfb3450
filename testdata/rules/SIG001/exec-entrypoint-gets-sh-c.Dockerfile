FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends nodejs && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["node"]
CMD server.js --port 8080
