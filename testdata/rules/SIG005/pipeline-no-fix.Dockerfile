FROM alpine:3.20
CMD ["sh", "-c", "/usr/bin/app | tee /tmp/log"]
