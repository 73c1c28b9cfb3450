#!/bin/sh
exec $@
