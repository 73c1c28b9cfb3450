FROM alpine
RUN cat <<EOF > /etc/app.conf
key=value
EOF
CMD ["app"]
