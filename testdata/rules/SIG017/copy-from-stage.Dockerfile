FROM golang:1.23 AS build
RUN echo build
FROM debian:bookworm
COPY --from=build /out/start.sh /start.sh
ENTRYPOINT ["/start.sh"]
