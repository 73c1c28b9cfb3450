FROM scratch
COPY busybox /bin/sh
COPY app /app
CMD /app --port 8080 | /bin/tee /log
