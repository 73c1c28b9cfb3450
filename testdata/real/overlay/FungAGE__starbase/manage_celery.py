placeholder: manage_celery.py (2080 bytes in the repository)
