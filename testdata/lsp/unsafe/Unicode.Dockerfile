# Café ☕ and 𝄞: columns before the finding differ in UTF-8 and UTF-16.
FROM alpine:3.19
# dsig ignore=SIG001
CMD node app.js
ENTRYPOINT node server.js # é𝄞
