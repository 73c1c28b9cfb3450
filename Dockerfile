# The container image of dsig: a static dsig (musl) on an empty base image,
# run as a non-root user.
#
#   docker build -t dsig .
#   docker run --rm -v "$PWD:/src" -w /src dsig lint .
#
# The user is 65532 (no name: the image has no /etc/passwd). dsig only reads
# the mounted files, which must be readable by that user; for `lint --fix`,
# which writes them, run as their owner: `docker run --user "$(id -u):$(id -g)" ...`.
# The release workflow (.github/workflows/release.yml) builds it for
# linux/amd64 and linux/arm64. CI builds the final stage with a dsig built on
# the machine (tests/dist.rs), and lints this file with dsig and hadolint.

# Alpine's Rust targets musl, whose binaries are static (and so run on
# scratch); the image has the C toolchain that tree-sitter's parsers need.
FROM rust:1.95-alpine AS build
WORKDIR /build
COPY . .
RUN cargo build --release --locked --bin dsig \
 && install -D -m 0755 target/release/dsig /out/dsig

FROM scratch
COPY --from=build /out/dsig /usr/local/bin/dsig
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["dsig"]
CMD ["lint", "."]
