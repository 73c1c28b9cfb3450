FROM ubuntu:24.04
ENTRYPOINT ["/bin/bash", "-ec", "source /etc/app.env; /usr/bin/app"]
