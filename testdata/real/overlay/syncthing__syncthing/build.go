placeholder: build.go (39729 bytes in the repository)
