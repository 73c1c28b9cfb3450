#!/bin/sh
echo "starting"
/app --config /etc/app.yaml
