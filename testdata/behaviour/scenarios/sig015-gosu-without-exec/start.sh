#!/bin/sh
gosu root ./app
