APP_DATA_DIR="${APP_DATA_DIR:-./data}"
mkdir -p "$APP_DATA_DIR"
