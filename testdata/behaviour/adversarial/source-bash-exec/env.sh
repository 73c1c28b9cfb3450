export GREETING=hello
