#!/bin/bash
/go/src/signal/main
echo "startup.sh: the app exited with status $?"
