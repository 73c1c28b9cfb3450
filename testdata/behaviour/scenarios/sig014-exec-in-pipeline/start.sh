#!/bin/sh
exec ./app | cat
