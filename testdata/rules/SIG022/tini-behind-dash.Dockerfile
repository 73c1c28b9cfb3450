FROM debian:bookworm
RUN apt-get update && apt-get install -y tini
CMD /usr/bin/tini -- /usr/local/bin/app --serve
