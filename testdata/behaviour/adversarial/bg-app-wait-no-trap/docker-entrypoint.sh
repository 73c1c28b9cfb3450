#!/bin/sh
./app &
echo "app started as $!"
wait
