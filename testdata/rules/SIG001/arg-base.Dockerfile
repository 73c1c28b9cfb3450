ARG BASE=alpine:3.20
FROM ${BASE}
CMD /usr/bin/app
