FROM fedora:40
CMD /opt/app/run --serve
