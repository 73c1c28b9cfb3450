import signal


def install():
    signal.signal(signal.SIGTERM, lambda *a: exit(0))
