#!/bin/sh
(cd /srv && exec ./app)
