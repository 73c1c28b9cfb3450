# The script is a heredoc of this Dockerfile: its findings are about what the
# CMD runs too, so with an unknown base ENTRYPOINT they are warnings.
FROM example.com/games/server-base:2
COPY --chmod=755 <<EOF /start.sh
#!/bin/sh
/usr/local/bin/server "$@"
EOF
CMD ["/start.sh"]
