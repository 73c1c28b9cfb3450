FROM fedora:40
STOPSIGNAL SIGRTMIN+3
CMD ["/usr/lib/systemd/systemd"]
