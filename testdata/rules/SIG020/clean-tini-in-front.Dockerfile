FROM debian:bookworm
RUN apt-get update && apt-get install -y tini nodejs
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "/srv/server.js"]
