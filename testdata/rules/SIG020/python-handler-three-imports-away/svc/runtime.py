from . import signals


def loop():
    signals.install()
