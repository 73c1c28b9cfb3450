#!/bin/sh
export PYTHONUNBUFFERED=1
python app.py
