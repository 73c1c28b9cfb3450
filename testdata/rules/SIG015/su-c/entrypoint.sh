#!/bin/sh
su -s /bin/sh -c "/usr/local/bin/app" app
