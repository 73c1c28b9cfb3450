FROM alpine:3.20
RUN apk add --no-cache tini
ENTRYPOINT ["/sbin/tini"]
CMD ["/usr/local/bin/app", "-v", "--serve"]
