#!/bin/sh
node /srv/a.js
echo stopped
