#!/bin/sh
# stand-in for gitea's docker-setup.sh: prepares directories and the app.ini
mkdir -p ./data/git ./custom
if [ ! -f "${GITEA_APP_INI}" ]; then
    printf '[server]\nHTTP_PORT = 3000\n' > "${GITEA_APP_INI}"
fi
