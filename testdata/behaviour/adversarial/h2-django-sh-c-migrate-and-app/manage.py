#!/bin/sh
# stub for `python manage.py migrate`: a one-shot that succeeds
echo "Operations to perform: Apply all migrations"
echo "No migrations to apply."
