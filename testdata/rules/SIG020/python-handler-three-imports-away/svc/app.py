from .runtime import loop


def run():
    loop()
