# Built with `docker buildx bake`: the context is the repository root, the
# Dockerfile sits in debian/.
variable "TAG" {
  default = "1.0"
}

group "default" {
  targets = ["app"]
}

target "app" {
  context    = "."
  dockerfile = "debian/Dockerfile"
  args = {
    APP_ENV = "production"
  }
  tags = ["example/app:${TAG}"]
}
