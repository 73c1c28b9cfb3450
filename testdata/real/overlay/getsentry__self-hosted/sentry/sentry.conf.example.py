placeholder: sentry/sentry.conf.example.py
