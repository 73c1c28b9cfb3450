#!/bin/sh
exec /usr/local/bin/app
