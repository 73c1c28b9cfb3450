# Node.js has no default SIGINT handler as PID 1 either (measured): the rule
# judges the image's stop signal.
FROM debian:bookworm
RUN apt-get update && apt-get install -y nodejs
COPY server.js /srv/server.js
STOPSIGNAL SIGINT
CMD ["node", "/srv/server.js"]
