exec /usr/local/bin/app
