placeholder: app.go (3802 bytes in the repository)
