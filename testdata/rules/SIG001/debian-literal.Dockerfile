FROM debian:bookworm-slim
COPY server /usr/local/bin/server
CMD /usr/local/bin/server --port 8080
