# run with: sh start.sh
set -e
echo "starting"
exec ./app --serve
