# sourced by entrypoint.sh
echo "running in $APP_ENV"
./app
echo "app exited"
