#!/bin/sh
./app --serve
