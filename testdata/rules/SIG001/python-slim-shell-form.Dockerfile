# python:3.12-slim is Debian: /bin/sh is dash; it sets no ENTRYPOINT.
FROM python:3.12-slim
WORKDIR /app
COPY . .
CMD python app.py
