echo "$GREETING"
exec ./app --from-run-sh
