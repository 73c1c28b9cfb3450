FROM debian:bookworm AS base
ENTRYPOINT ["/a"]
ENTRYPOINT ["/b"]

FROM base
ENTRYPOINT ["/c"]
