"""Entry point: python -m worker"""
import logging
import time

from .shutdown import Gracefully
from . import jobs

log = logging.getLogger("worker")


def main():
    stop = Gracefully()
    while not stop.requested:
        jobs.run_once()
        time.sleep(1)
    log.info("bye")


if __name__ == "__main__":
    main()
