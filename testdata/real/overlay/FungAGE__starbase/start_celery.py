placeholder: start_celery.py (4239 bytes in the repository)
