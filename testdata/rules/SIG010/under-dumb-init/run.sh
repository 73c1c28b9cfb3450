#!/bin/sh
node /srv/a.js
