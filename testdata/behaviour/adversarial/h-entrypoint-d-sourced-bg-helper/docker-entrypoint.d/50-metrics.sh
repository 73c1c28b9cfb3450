if [ "${ENABLE_METRICS:-1}" = 1 ]; then
    echo "starting metrics exporter"
    ./app --metrics &
fi
