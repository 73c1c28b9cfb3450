#!/bin/bash
trap 'exit 0' TERM
./app &
wait
