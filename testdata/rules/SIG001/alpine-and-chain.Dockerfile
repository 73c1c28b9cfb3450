FROM node:20-alpine
WORKDIR /app
CMD cd /app/dist && node server.js
