FROM debian:bookworm
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
CMD /usr/bin/app --serve "$HOME"
