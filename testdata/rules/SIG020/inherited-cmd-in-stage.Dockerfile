FROM debian:bookworm AS base
CMD ["tail", "-f", "/dev/null"]

FROM base
RUN echo final
