placeholder: alive.py (334 bytes in the repository)
