FROM alpine
RUN apk add \
  # the shell
  bash \

  curl
  # not a comment: ends the RUN above
CMD app
