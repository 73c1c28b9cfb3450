FROM debian:bookworm
CMD cd /srv && exec ./server
