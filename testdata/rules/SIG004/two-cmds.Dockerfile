FROM debian:bookworm
CMD ["/usr/sbin/cron", "-f"]
CMD ["/usr/local/bin/app"]
