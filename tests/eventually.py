"""Assertions on an eventually consistent cluster.

Rule: Kafka brokers apply metadata and config changes a moment after the controller
commits them, and each client may ask a different broker. A test that reads right
after a write, through another client, retries its check until a deadline with a short
backoff (never a fixed sleep); the last failure is raised if it never holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 30.0) -> T:
    deadline, delay = time.monotonic() + timeout, 0.05
    while True:
        try:
            return check()
        except (AssertionError, KeyError):
            if time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
