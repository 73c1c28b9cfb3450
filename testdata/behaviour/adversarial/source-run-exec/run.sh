# sourced by entrypoint.sh
echo "running in $APP_ENV"
exec ./app
