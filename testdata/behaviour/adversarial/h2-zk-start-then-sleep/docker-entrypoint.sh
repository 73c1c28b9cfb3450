#!/bin/bash

set -e

mkdir -p ./data

echo "${ZOOKEEPER_MYID}" > ./data/myid

bash ./bin/zkServer.sh start

sleep infinity
