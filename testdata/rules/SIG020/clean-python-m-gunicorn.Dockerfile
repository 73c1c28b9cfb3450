# `python -m gunicorn` is gunicorn, which handles SIGTERM (measured).
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir gunicorn flask
CMD ["python", "-m", "gunicorn", "-b", "0.0.0.0:8000", "app:app"]
