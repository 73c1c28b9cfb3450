placeholder: go.mod (4936 bytes in the repository)
