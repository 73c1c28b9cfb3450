#!/bin/sh
exec /b.sh
