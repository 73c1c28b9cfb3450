# process SIGTERM from "docker stop"
from signal import signal, SIGTERM, SIGINT


class Gracefully:
    def __init__(self):
        self.requested = False
        for sig in (SIGINT, SIGTERM):
            signal(sig, self._handler)

    def _handler(self, signum, frame):
        self.requested = True
