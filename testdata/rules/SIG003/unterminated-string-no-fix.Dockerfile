FROM debian:bookworm
CMD ["echo", "look ma, no quote!]
