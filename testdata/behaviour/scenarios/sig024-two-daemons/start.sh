#!/bin/sh
./app &
./app &
wait
