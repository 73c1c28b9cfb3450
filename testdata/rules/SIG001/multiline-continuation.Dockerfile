FROM debian:bookworm
CMD cd /srv && \
    # start the server
    ./server \
      --port 8080
