# runit as PID 1: on SIGTERM runsvdir exits at once and its services are
# SIGKILLed with the namespace; on SIGHUP it first sends TERM to each runsv.
FROM debian:bookworm
RUN apt-get update && apt-get install -y runit
COPY service /etc/service
CMD ["runsvdir", "-P", "/etc/service"]
