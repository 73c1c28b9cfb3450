#!/bin/bash
trap 'echo stopping' TERM
./app
