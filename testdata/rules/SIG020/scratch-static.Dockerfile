FROM scratch
COPY sleep /bin/sleep
CMD ["/bin/sleep", "infinity"]
