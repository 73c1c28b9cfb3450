#!/usr/bin/env bash
#==============================================
# OpenShift or non-sudo environments support
#==============================================

if ! whoami &> /dev/null; then
  if [ -w ./passwd ]; then
    echo "${USER_NAME:-default}:x:$(id -u):0:${USER_NAME:-default} user:${HOME}:/sbin/nologin" >> ./passwd
  fi
fi

nohup ./app --configuration ./supervisord.conf > ./supervisord.log 2>&1 &

SUPERVISOR_PID=$!

function shutdown {
    echo "Trapped SIGTERM/SIGINT/x so shutting down supervisord..."
    kill -s SIGTERM ${SUPERVISOR_PID}
    wait ${SUPERVISOR_PID}
    echo "Shutdown complete"
}

echo "Supervising the app running in background. PID: ${SUPERVISOR_PID}"
trap shutdown SIGTERM SIGINT
wait ${SUPERVISOR_PID}
