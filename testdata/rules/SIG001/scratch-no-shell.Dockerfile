FROM scratch
COPY app /app
CMD /app --serve
