# Python has a default SIGINT handler (KeyboardInterrupt): with STOPSIGNAL
# SIGINT, `docker stop` stops it as PID 1 (measured).
FROM python:3.9-alpine
STOPSIGNAL SIGINT
WORKDIR /code
COPY src/ .
ENTRYPOINT ["python", "./main.py"]
