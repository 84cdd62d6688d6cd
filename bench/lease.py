"""Hold the shared local cluster for the length of a benchmark run, as a test session does.

Rules (tests/conftest.py's protocol, so the two cooperate):
- A shared lock on ``test-sessions.lock`` while the run lasts: a test session that
  leaves meanwhile sees us and does not stop the cluster under a benchmark.
- The cluster is started if it is not running, and never stopped here: it is shared,
  and a run must not take it away from anyone.
- With KAFKACTL_BOOTSTRAP_SERVERS set, the cluster is someone else's: nothing is held.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator

from kafkactl.local import cluster as local
from kafkactl.local.layout import Layout


@contextlib.contextmanager
def cluster_lease(say: Callable[[str], None]) -> Iterator[None]:
    if os.environ.get("KAFKACTL_BOOTSTRAP_SERVERS"):
        yield
        return
    layout = Layout.default()
    layout.root.mkdir(parents=True, exist_ok=True)
    with (layout.root / "test-sessions.lock").open("a") as lease:
        fcntl.flock(lease, fcntl.LOCK_SH)
        try:
            local.up(layout, say)
            yield
        finally:
            fcntl.flock(lease, fcntl.LOCK_UN)
