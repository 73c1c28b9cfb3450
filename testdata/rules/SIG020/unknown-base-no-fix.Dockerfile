FROM example.com/platform/node:20
COPY server.js /srv/
CMD ["node", "/srv/server.js"]
