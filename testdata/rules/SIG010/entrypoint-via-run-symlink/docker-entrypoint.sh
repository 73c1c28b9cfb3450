#!/bin/sh
echo starting
"$@"
