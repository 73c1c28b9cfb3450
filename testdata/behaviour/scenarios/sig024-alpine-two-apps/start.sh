#!/bin/sh
echo starting
./app > /dev/null &
./app &
wait
echo done
