FROM alpine:3.20
CMD /usr/bin/app; echo "app exited"
