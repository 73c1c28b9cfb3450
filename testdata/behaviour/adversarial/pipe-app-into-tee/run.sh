#!/bin/sh
mkdir -p logs
./app 2>&1 | tee -a logs/app.log
