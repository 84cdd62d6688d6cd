"""Running replication-factor changes: throttle, move, wait, remove the throttles.

Rules:
- The executor calls ``start`` with the plan's RF changes, exactly as planned (``replicas.N``
  fields): brokers' throttle rates first, then each topic's throttled replicas, then one
  AlterPartitionReassignments. A topic whose throttle could not be set is not moved.
- ``wait`` only polls ListPartitionReassignments (short, growing backoff up to 2 s); it never
  changes anything. ``finish`` removes the throttles of topics that no longer move, and the
  brokers' rates only once no partition of any topic moves (the rates throttle every
  reassignment on a broker). A later plan removes whatever a run leaves (``kafkactl.replication``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from kafkactl.admin import Admin
from kafkactl.model import Outcome
from kafkactl.plan import Change
from kafkactl.replication import THROTTLE_RATES, THROTTLED_REPLICAS, reassignments, throttles

DEFAULT_THROTTLE_BYTES = 50 * 1024 * 1024  # --throttle 50MiB (per second, per broker)
MAX_POLL_S = 2.0


def start(admin: Admin, changes: Sequence[Change], throttle_bytes: int) -> list[Outcome]:
    """Throttle and start the moves of these RF changes; one Outcome per topic."""
    failed: dict[str, str] = {}
    topic_throttles = []
    brokers: set[int] = set()
    for c in changes:
        configs, involved = throttles(c)
        if configs:
            topic_throttles.append((c.name, configs))
            brokers |= involved
    rate = str(throttle_bytes)
    broken = [o.error for o in admin.alter_broker_configs({b: dict.fromkeys(THROTTLE_RATES, rate)
                                                           for b in sorted(brokers)}) if o.error] if brokers else []
    if broken:
        return [Outcome(c.name, f"cannot set the replication throttle: {broken[0]}") for c in changes]
    for o in admin.alter_topic_configs(topic_throttles) if topic_throttles else ():
        if o.error:
            failed[o.name] = f"cannot set the replication throttle: {o.error}"
    moves = {c.name: reassignments(c) for c in changes if c.name not in failed}
    for o in admin.alter_reassignments(moves) if moves else ():
        if o.error:
            failed[o.name] = o.error
    return [Outcome(c.name, failed.get(c.name)) for c in changes]


def wait(admin: Admin, topics: Iterable[str], report: Callable[[int], None]) -> None:
    """Return once no partition of ``topics`` is being reassigned; ``report`` gets the count still moving."""
    names = set(topics)
    delay = 0.2
    while True:
        moving = admin.list_reassignments()
        left = sum(len(moving.get(t, ())) for t in names)
        report(left)
        if not left:
            return
        time.sleep(delay)
        delay = min(delay * 1.5, MAX_POLL_S)


def finish(admin: Admin, topics: Iterable[str]) -> list[Outcome]:
    """Remove the throttles of these finished topics, and brokers' rates once nothing moves anywhere."""
    names = sorted(set(topics))
    outcomes = admin.alter_topic_configs([(t, dict.fromkeys(THROTTLED_REPLICAS)) for t in names]) if names else []
    if admin.list_reassignments():
        return outcomes
    rates = admin.describe_broker_throttles(admin.cluster_info().broker_ids)
    cleanup = {b: dict.fromkeys(r) for b, r in rates.items() if r}
    return outcomes + (admin.alter_broker_configs(cleanup) if cleanup else [])
