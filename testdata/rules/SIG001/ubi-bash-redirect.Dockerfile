FROM registry.access.redhat.com/ubi9/ubi
CMD /opt/app/run > /var/log/app.log 2>&1
