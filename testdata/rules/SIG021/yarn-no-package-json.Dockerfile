FROM node:20
WORKDIR /app
CMD ["yarn", "start"]
