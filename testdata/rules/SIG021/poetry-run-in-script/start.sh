#!/bin/sh
exec poetry run uvicorn app:app
