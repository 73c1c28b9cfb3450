#!/bin/sh
./app &
wait
