#!/bin/bash
cleanup() { echo "cleaning up"; }
trap cleanup TERM
/usr/local/bin/app
