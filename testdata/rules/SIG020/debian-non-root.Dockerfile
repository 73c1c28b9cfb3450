FROM debian:bookworm
RUN apt-get update && apt-get install -y python3
USER nobody
CMD ["python3", "-m", "http.server"]
