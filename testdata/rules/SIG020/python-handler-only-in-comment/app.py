"""Poll the feed forever.

TODO: install signal.signal(signal.SIGTERM, stop) so docker stop is fast.
"""
import signal
import time

import config

# signal.signal(signal.SIGTERM, lambda *a: exit(0))


def main():
    print("no handler yet: signal.signal(signal.SIGTERM, ...) is missing")
    while True:
        time.sleep(config.INTERVAL)


if __name__ == "__main__":
    main()
