import signal
import sys
import time


def stop(signum, frame):
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
while True:
    time.sleep(60)
