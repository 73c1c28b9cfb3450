target "default" {
  tags = ["example/twoways:root"]
}
