#!/bin/sh
exec /a.sh
