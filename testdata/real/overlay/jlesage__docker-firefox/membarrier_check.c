placeholder: membarrier_check.c (269 bytes in the repository)
