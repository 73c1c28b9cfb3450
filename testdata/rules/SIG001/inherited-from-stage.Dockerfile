FROM python:3.12-slim AS base
CMD python -m app

FROM base
COPY . /app
