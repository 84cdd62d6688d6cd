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
  broker still shows as before at the deadline is returned in ``Applied.not_shown``. That wait
  is a read: if it fails, the writes stay reported as applied (``Applied.unconfirmed`` says why).
- Stopping (CONTRACT 4, issue 14): ``stop`` is asked before each phase; once it names a reason
  (Ctrl-C, the apply lock lost) no new phase starts, and the requests in flight are finished.
  A request failing as a whole (a ``KafkactlError``, not a per-resource outcome) stops apply the
  same way, and a second Ctrl-C (``KeyboardInterrupt``) stops it at once. Either way every change
  is reported: applied, failed, unknown (in flight when apply stopped at once) or not started.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from kafkactl import reassign
from kafkactl.admin import Admin
from kafkactl.admin_access import AccessAdmin
from kafkactl.errors import KafkactlError
from kafkactl.kinds.registry import BY_KIND, apply_all
from kafkactl.model import Outcome
from kafkactl.plan import SENSITIVE, Action, Applied, Change, ChangeOutcome, Plan
from kafkactl.registry import Registry
from kafkactl.replication import broker_id, reassignments

Progress = Callable[[int], None]  # advanced by the number of changes finished
# Asked before each phase: why apply must start nothing new (Ctrl-C, the apply lock lost), or None.
Stop = Callable[[], str | None]
INTERRUPTED = "interrupted"


def apply_plan(
    plan: Plan, admin: Admin, registry: Registry | None = None, progress: Progress | None = None,
    stop: Stop | None = None, throttle_bytes: int = reassign.DEFAULT_THROTTLE_BYTES,
) -> Applied:
    run = _Run(progress or (lambda n: None), stop or (lambda: None))
    try:
        _phases(plan, admin, registry, run, throttle_bytes)
    except KafkactlError as e:  # a request failed as a whole (not per resource): start nothing new
        run.halt(e.summary)
    except KeyboardInterrupt:  # the second Ctrl-C: stop at once, report what is known
        run.halt(INTERRUPTED)
    not_shown: list[str] = []
    unconfirmed: str | None = None
    started = time.monotonic()
    if run.stopped is None and (reason := run.asked_to_stop()) is not None:
        run.stopped = reason  # everything was sent; the confirming wait is skipped, the report says so
    if run.stopped is None:
        try:
            not_shown = _await_visible(plan, admin, run.errors)
        except KafkactlError as e:  # the writes were acknowledged; only the confirming read failed
            unconfirmed = e.summary
        except KeyboardInterrupt:  # the second Ctrl-C while confirming: every write is known
            run.stopped = INTERRUPTED
    return Applied(tuple(run.outcome(c) for c in plan.changes), tuple(not_shown), time.monotonic() - started,
                   stopped=run.stopped, unconfirmed=unconfirmed)


def _phases(plan: Plan, admin: Admin, registry: Registry | None, run: _Run, throttle_bytes: int) -> None:
    errors = run.errors
    topics = [c for c in plan.changes if c.kind == "topic"]
    subjects = [c for c in plan.changes if c.kind == "subject"] if registry is not None else []
    creates, updates, deletes = (_of(topics, a) for a in (Action.CREATE, Action.UPDATE, Action.DELETE))

    for c in (c for c in plan.changes if c.kind == "cluster_config"):
        if run.starts([c]):
            _record(errors, c.kind, _alter_cluster_config(admin, c), name=c.name)
            run.finish(advance=1)
    if subjects and registry is not None and run.starts(subjects):
        _record(errors, "subject", registry.apply_compatibility(subjects))
        run.finish(done=False)  # their schemas come later
    if run.starts(creates):
        _record(errors, "topic", admin.create_topics([(c.name, *_create_args(c)) for c in creates]))
        run.finish()
    if run.starts(updates):
        alters = [(c.name, c.config_delta()) for c in updates if c.config_delta()]
        if alters:
            _record(errors, "topic", admin.alter_topic_configs(alters))
        grows = [(c.name, int(f.after)) for c in updates for f in c.fields if f.path == "partitions"]
        if grows:
            _record(errors, "topic", admin.create_partitions(grows), merge=True)
        moves = [c for c in updates if reassignments(c)]  # RF changes: after their config part (e.g. min ISR)
        if moves:
            _record(errors, "topic", reassign.start(admin, moves, throttle_bytes), merge=True)
        run.finish()
    access = [c for c in plan.changes if c.kind in BY_KIND]
    if run.starts(access):
        for kind, outcome in apply_all(plan, AccessAdmin(admin)):
            _record(errors, kind, [outcome])
        run.finish()
    if subjects and registry is not None and run.starts(subjects):
        _record(errors, "subject", registry.apply_schemas(subjects))
        _record(errors, "subject", registry.apply_deletes(_of(subjects, Action.DELETE)))
        run.finish()
    if run.starts(deletes):
        _record(errors, "topic", admin.delete_topics([c.name for c in deletes]))
        run.finish()


class _Run:
    """What one apply has done so far, so a stop at any point reports every change exactly.

    A change is applied once the last phase that writes it finished without an error for it; a change
    of a phase in flight when apply stopped at once has an unknown outcome; the rest were not started.
    """

    def __init__(self, advance: Progress, stop: Stop) -> None:
        self.advance, self._stop = advance, stop
        self.errors: dict[tuple[str, str], str] = {}
        self.finished: set[tuple[str, str]] = set()
        self.in_flight: list[Change] = []
        self.stopped: str | None = None

    def starts(self, changes: Sequence[Change]) -> bool:
        """True if this phase may start: it has changes and nothing asked apply to stop."""
        if not changes or self.stopped is not None:
            return False
        self.stopped = self._stop()
        self.in_flight = [] if self.stopped else list(changes)
        return self.stopped is None

    def asked_to_stop(self) -> str | None:
        return self._stop()

    def finish(self, advance: int | None = None, done: bool = True) -> None:
        if done:
            self.finished.update((c.kind, c.name) for c in self.in_flight)
        self.advance(len(self.in_flight) if advance is None else advance)
        self.in_flight = []

    def halt(self, reason: str) -> None:
        for c in self.in_flight:
            self.errors.setdefault((c.kind, c.name), f"outcome unknown: {reason} while its request was in flight")
        self.in_flight, self.stopped = [], reason

    def outcome(self, c: Change) -> ChangeOutcome:
        key = (c.kind, c.name)
        if key in self.errors:
            return ChangeOutcome(c, self.errors[key])
        if key in self.finished:
            return ChangeOutcome(c)
        return ChangeOutcome(c, f"not started: apply stopped before it ({self.stopped})", attempted=False)


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
