#!/bin/sh
echo "migrating"
python -m app
