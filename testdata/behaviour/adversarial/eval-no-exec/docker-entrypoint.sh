#!/bin/sh
set -e
eval "./app $ARGS"
