# With --die-on-term, uWSGI shuts down on SIGTERM.
FROM python:3.12-slim
RUN pip install --no-cache-dir uwsgi flask
WORKDIR /app
COPY . .
CMD ["uwsgi", "--master", "--die-on-term", "--http", ":8000", "--module", "app:app"]
