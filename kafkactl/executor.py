"""apply_plan(plan, admin, registry) -> Applied. Runs exactly the Plan; decides nothing.

Order (each phase batched and chunked by ``kafkactl.admin``, waiting on futures, never sleeping):
1. cluster configs          (topics may rely on them)
2. subject compatibility levels, then topic creates (configs inside CreateTopics)
3. topic config changes     (incremental_alter_configs only)
4. partition increases
5. access kinds (``kafkactl.kinds.registry``: users, ACLs, quotas), one phase each
6. subject registrations    (after their topics; referenced subjects first)
7. subject deletes, then topic deletes last

Rules:
- A failed change never stops the others in its phase; every change gets an
  outcome with Kafka's (or the registry's) reason, so the caller can name them all.
- A topic update whose config part failed is reported failed even if its
  partition part succeeded; plan again shows exactly what is left.
- Then it waits, up to a deadline, until the brokers show the topic changes; what a
  broker still shows as before at the deadline is returned in ``Applied.not_shown``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from kafkactl import reassign
from kafkactl.admin import Admin
from kafkactl.admin_access import AccessAdmin
from kafkactl.kinds.registry import BY_KIND, apply_all
from kafkactl.model import Outcome
from kafkactl.plan import SENSITIVE, Action, Applied, Change, ChangeOutcome, Plan
from kafkactl.registry import Registry
from kafkactl.replication import broker_id, reassignments

Progress = Callable[[int], None]  # advanced by the number of changes finished


def apply_plan(
    plan: Plan, admin: Admin, registry: Registry | None = None, progress: Progress | None = None,
    throttle_bytes: int = reassign.DEFAULT_THROTTLE_BYTES,
) -> Applied:
    advance = progress or (lambda n: None)
    errors: dict[tuple[str, str], str] = {}
    topics = [c for c in plan.changes if c.kind == "topic"]
    subjects = [c for c in plan.changes if c.kind == "subject"] if registry is not None else []
    creates, updates, deletes = (_of(topics, a) for a in (Action.CREATE, Action.UPDATE, Action.DELETE))

    for c in (c for c in plan.changes if c.kind == "cluster_config"):
        _record(errors, c.kind, _alter_cluster_config(admin, c), name=c.name)
        advance(1)
    if subjects and registry is not None:
        _record(errors, "subject", registry.apply_compatibility(subjects))
    if creates:
        _record(errors, "topic", admin.create_topics([(c.name, *_create_args(c)) for c in creates]))
        advance(len(creates))
    alters = [(c.name, c.config_delta()) for c in updates if c.config_delta()]
    if alters:
        _record(errors, "topic", admin.alter_topic_configs(alters))
    grows = [(c.name, int(f.after)) for c in updates for f in c.fields if f.path == "partitions"]
    if grows:
        _record(errors, "topic", admin.create_partitions(grows), merge=True)
    moves = [c for c in updates if reassignments(c)]  # RF changes: after their config part (e.g. min ISR)
    if moves:
        _record(errors, "topic", reassign.start(admin, moves, throttle_bytes), merge=True)
    advance(len(updates))
    access = [c for c in plan.changes if c.kind in BY_KIND]
    for kind, outcome in apply_all(plan, AccessAdmin(admin)) if access else ():
        _record(errors, kind, [outcome])
    advance(len(access))
    if subjects and registry is not None:
        _record(errors, "subject", registry.apply_schemas(subjects))
        _record(errors, "subject", registry.apply_deletes(_of(subjects, Action.DELETE)))
        advance(len(subjects))
    if deletes:
        _record(errors, "topic", admin.delete_topics([c.name for c in deletes]))
        advance(len(deletes))
    started = time.monotonic()
    not_shown = _await_visible(plan, admin, errors)
    return Applied(tuple(ChangeOutcome(c, errors.get((c.kind, c.name))) for c in plan.changes), tuple(not_shown),
                   time.monotonic() - started)


def _await_visible(plan: Plan, admin: Admin, errors: dict[tuple[str, str], str]) -> list[str]:
    """Return once the brokers show what was applied, so a plan made right after sees it; or, at
    the deadline, the topics still shown as before (reported, never hidden)."""
    shapes: dict[str, int | None] = {}
    configs: dict[str, dict[str, str | None]] = {}
    for c in plan.changes:
        if c.kind != "topic" or ("topic", c.name) in errors:
            continue
        after: Any = c.after
        # Metadata can only show a new, deleted or grown topic; a config-only update is confirmed by its configs.
        if c.action is not Action.UPDATE or any(f.path == "partitions" for f in c.fields):
            shapes[c.name] = None if c.action is Action.DELETE else int(after["partitions"])
        delta = {k: v for k, v in c.config_delta().items() if v != SENSITIVE}  # masked values can't be compared
        if c.action is Action.UPDATE and delta:
            configs[c.name] = delta
    late = admin.await_metadata(shapes) if shapes else []
    late += admin.await_configs(configs) if configs else []
    return list(dict.fromkeys(late))


def _alter_cluster_config(admin: Admin, c: Change) -> list[Outcome]:
    """The cluster-wide broker configs, or one broker's (``broker N``: throttle rates a plan removes)."""
    broker = broker_id(c)
    if broker is None:
        return admin.alter_cluster_configs(c.config_delta())
    return admin.alter_broker_configs({broker: c.config_delta()})


def _of(changes: Sequence[Change], action: Action) -> list[Change]:
    return [c for c in changes if c.action is action]


def _create_args(c: Change) -> tuple[int, int, dict[str, str]]:
    after: Any = c.after or {}
    return int(after["partitions"]), int(after["replication_factor"]), dict(after.get("configs", {}))


def _record(
    errors: dict[tuple[str, str], str], kind: str, outcomes: Sequence[Outcome], name: str | None = None,
    merge: bool = False,
) -> None:
    for o in outcomes:
        if o.error is None:
            continue
        key = (kind, name or o.name)
        errors[key] = f"{errors[key]}; {o.error}" if merge and key in errors else o.error
