FROM debian:bookworm
CMD ["java", "-jar", "/srv/app.jar"]
