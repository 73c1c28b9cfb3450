# BuildKit: not a JSON array, so shell form; the [ is the test command.
FROM debian:bookworm
CMD [ -f /etc/app.conf ] && /usr/local/bin/app
