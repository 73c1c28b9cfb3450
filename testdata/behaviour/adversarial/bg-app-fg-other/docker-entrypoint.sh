#!/bin/sh
./app --metrics &
./app --main
