FROM node:20
CMD ["pm2", "start", "server.js", "--no-daemon"]
