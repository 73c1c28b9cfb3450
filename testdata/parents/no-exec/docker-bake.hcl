# The project builds its base image, then the app FROM it.
target "base" {
  context    = "base"
  dockerfile = "Dockerfile"
  tags       = ["myorg/base:latest"]
}

target "app" {
  context    = "app"
  dockerfile = "Dockerfile"
  args       = { BASE = "myorg/base:latest" }
}
