#!/bin/bash
trap 'echo bye; exit 0' SIGTERM
/usr/local/bin/app &
wait
