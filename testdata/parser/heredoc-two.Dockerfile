FROM alpine
RUN <<A cat && <<-"B" cat
first
A
	second
	B
COPY <<EOF /start.sh
#!/bin/sh
exec app
EOF
