#!/bin/bash
JAVA_HOME=./jdk
KAFKA_HOME=.
export JAVA_HOME
export KAFKA_HOME

$KAFKA_HOME/bin/kafka-server-start.sh -daemon $KAFKA_HOME/config/server.properties
tail -F $KAFKA_HOME/logs/kafkaServer.out
