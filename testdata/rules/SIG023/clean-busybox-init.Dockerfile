# busybox init on Alpine is not systemd: it is not judged here.
FROM alpine:3.20
CMD ["/sbin/init"]
