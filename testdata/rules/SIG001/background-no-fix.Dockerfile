FROM alpine:3.20
CMD /usr/sbin/crond && /usr/bin/app &
