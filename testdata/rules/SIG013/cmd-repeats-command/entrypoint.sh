#!/bin/sh
set -e
chown -R www-data /var/cache/nginx
exec gosu www-data nginx -g 'daemon off;'
