# python:3.12-slim sets no STOPSIGNAL (known from its Dockerfile): docker stop
# sends SIGTERM to nginx, its fast shutdown.
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends nginx && rm -rf /var/lib/apt/lists/*
CMD ["nginx", "-g", "daemon off;"]
