#!/bin/sh
cd "$APP_HOME"
./server --listen :8080
