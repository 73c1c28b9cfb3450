#!/bin/sh
set -e
./app --serve
cat > /tmp/app-howto.txt <<'EOF'
To run the app by hand:
    exec ./app --serve
EOF
# exec ./app --serve
