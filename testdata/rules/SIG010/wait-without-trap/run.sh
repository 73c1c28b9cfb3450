#!/bin/bash
/usr/sbin/nginx -g "daemon off;" &
wait
