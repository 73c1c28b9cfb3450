# postgres: official image, STOPSIGNAL SIGINT (its fast shutdown) inherited;
# CMD runs through its docker-entrypoint.sh, which execs "$@".
FROM postgres:17
CMD ["postgres", "-c", "shared_buffers=256MB"]
