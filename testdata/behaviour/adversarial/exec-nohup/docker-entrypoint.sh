#!/bin/sh
exec nohup ./app >/dev/null 2>&1
