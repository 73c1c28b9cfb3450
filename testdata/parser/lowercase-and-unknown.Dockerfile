from alpine as build
run echo hi
foo bar baz
cmd   echo   spaced  
expose 80 443/udp
LABEL a=1 b="two words" c=three\ words
ENV OLD style value here
ARG X=1 Y
STOPSIGNAL SIGQUIT
USER app:app
WORKDIR /srv
VOLUME ["/data", "/logs"]
VOLUME /a /b
MAINTAINER me
