FROM alpine:3.20
RUN apk add --no-cache python3
ENTRYPOINT ["python3", "-m"]
CMD ["http.server", "8000"]
