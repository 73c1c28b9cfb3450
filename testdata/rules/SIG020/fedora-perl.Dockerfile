FROM fedora:40
COPY app.pl /app.pl
CMD ["perl", "/app.pl"]
