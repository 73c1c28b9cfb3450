FROM ubuntu:24.04
CMD /usr/bin/app 2>&1 | tee /var/log/app.log
