placeholder: app.py (6512 bytes in the repository)
