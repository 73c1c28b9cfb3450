FROM alpine:3.20
COPY app /usr/local/bin/app
ENTRYPOINT /usr/local/bin/app --serve
