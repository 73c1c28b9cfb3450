#!/bin/bash
set -euo pipefail
npm run migrate
node server.js
