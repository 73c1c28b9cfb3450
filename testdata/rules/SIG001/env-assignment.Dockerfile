FROM debian:bookworm
CMD NODE_ENV=production node /srv/server.js
