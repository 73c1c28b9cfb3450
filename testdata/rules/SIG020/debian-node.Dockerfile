FROM debian:bookworm
RUN apt-get update && apt-get install -y nodejs
COPY server.js /srv/server.js
CMD ["node", "/srv/server.js"]
