"""Replication-factor changes as plan changes, reassignment state and throttle rules. Pure.

Rules:
- An RF change of a topic is an update with ``replication_factor`` and one ``replicas.N`` field
  per partition (old and new replica lists), placed by ``kafkactl.placement``: the plan shows
  every partition's new replica set and the executor moves exactly those.
- Refused (plan errors): more replicas than live brokers, and a ``min.insync.replicas``
  (declared, else the cluster-wide dynamic default) above the new factor.
- A reassignment still running is a state, not drift: its topic gets no RF change (metadata
  shows old and new replicas together meanwhile) and its throttle keys are not diffed; the
  plan says ``reassigning, D/T partitions done``. A further RF change is planned once it ends.
- Throttles are kafkactl's marker of a reassignment it started: the topic's
  ``*.replication.throttled.replicas`` name every moving partition (so progress needs no
  stored state), and ``*.replication.throttled.rate`` is set on every broker involved.
  Once nothing reassigns, a plan removes them: the topic keys as ordinary live-only config
  reverts, the broker rates as ``cluster_config`` changes named ``broker N`` (only when no
  partition of any topic is moving, since the rates throttle every reassignment of a broker).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kafkactl.model import LiveState, LiveTopic, Reassigning, TopicSpec
from kafkactl.placement import reassign
from kafkactl.plan import Action, Change, FieldChange

THROTTLED_REPLICAS = ("leader.replication.throttled.replicas", "follower.replication.throttled.replicas")
THROTTLE_RATES = ("leader.replication.throttled.rate", "follower.replication.throttled.rate")
BROKER_CHANGE_PREFIX = "broker "


@dataclass(frozen=True)
class RfPlan:
    fields: tuple[FieldChange, ...] = ()
    errors: tuple[str, ...] = ()
    state: str | None = None  # "reassigning, 3/12 partitions done"
    skip_keys: frozenset[str] = frozenset()  # live config keys the config diff must leave alone


def plan_rf(spec: TopicSpec, current: LiveTopic, live: LiveState) -> RfPlan:
    running = live.replication.reassigning.get(spec.name)
    if running is not None:
        return RfPlan(state=f"reassigning, {running.done}/{running.total} partitions done",
                      skip_keys=frozenset(THROTTLED_REPLICAS))
    if spec.replication_factor == current.replication_factor:
        return RfPlan()
    errors = _rf_errors(spec, current, live)
    if errors:
        return RfPlan(errors=errors)
    new = reassign(current.replicas, spec.replication_factor, live.replication.racks)
    fields = [FieldChange("replication_factor", current.replication_factor, spec.replication_factor)]
    fields += [FieldChange(f"replicas.{p}", list(old), list(now))
               for p, (old, now) in enumerate(zip(current.replicas, new, strict=True)) if list(old) != list(now)]
    return RfPlan(fields=tuple(fields))


def _rf_errors(spec: TopicSpec, current: LiveTopic, live: LiveState) -> tuple[str, ...]:
    rf = spec.replication_factor
    where = f" ({spec.location})" if spec.location else ""
    if rf > live.broker_count:
        return (f"topic {spec.name}{where}: replication_factor {rf} exceeds the {live.broker_count} live brokers",)
    min_isr = spec.configs.get("min.insync.replicas") or live.cluster_configs.get("min.insync.replicas") or "1"
    if int(min_isr) > rf:
        return (f"topic {spec.name}{where}: min.insync.replicas {min_isr} would exceed replication_factor {rf}; "
                "lower min.insync.replicas in the same change",)
    if spec.partitions != current.partitions:
        return (f"topic {spec.name}{where}: change partitions and replication_factor in separate applies "
                "(new partitions would get the old factor)",)
    if len(current.replicas) != current.partitions or len(live.replication.racks) < rf:
        return (f"topic {spec.name}: the cluster did not report every partition's replicas and the brokers; "
                "plan again",)
    return ()


def reassignments(change: Change) -> dict[int, tuple[int, ...]]:
    """Partition -> new replica list, for the partitions an RF change moves (empty: not an RF change)."""
    if change.kind != "topic" or change.field_change("replication_factor") is None:
        return {}
    return {int(f.path.split(".", 1)[1]): tuple(f.after) for f in change.fields if f.path.startswith("replicas.")}


def throttles(change: Change) -> tuple[dict[str, str], frozenset[int]]:
    """Topic throttle configs and brokers involved for an RF change: leaders' side on the current
    replicas of each moving partition, followers' side on the replicas it gains (Kafka's own tool
    does the same). An RF decrease gains none: nothing to throttle."""
    leader: list[str] = []
    follower: list[str] = []
    for f in change.fields:
        if not f.path.startswith("replicas."):
            continue
        partition = f.path.split(".", 1)[1]
        added = [b for b in f.after if b not in f.before]
        if added:
            leader += [f"{partition}:{b}" for b in f.before]
            follower += [f"{partition}:{b}" for b in added]
    if not follower:
        return {}, frozenset()
    brokers = frozenset(int(x.split(":")[1]) for x in leader + follower)
    return {THROTTLED_REPLICAS[0]: ",".join(leader), THROTTLED_REPLICAS[1]: ",".join(follower)}, brokers


def throttled_partitions(configs: Mapping[str, str], partitions: int) -> frozenset[int]:
    """The partitions a topic's throttled-replicas configs name (``*`` names them all)."""
    out: set[int] = set()
    for key in THROTTLED_REPLICAS:
        value = configs.get(key, "").strip()
        if value == "*":
            return frozenset(range(partitions))
        out.update(int(item.split(":")[0]) for item in value.split(",") if ":" in item)
    return frozenset(out)


def progress(configs: Mapping[str, str], partitions: int, moving: Sequence[int]) -> Reassigning:
    total = max(len(throttled_partitions(configs, partitions) | set(moving)), 1)
    return Reassigning(done=total - len(moving), total=total)


def broker_cleanups(live: LiveState, changes: Iterable[Change]) -> list[Change]:
    """Remove brokers' throttle rates once no partition moves anywhere and this plan starts no move."""
    rep = live.replication
    if not rep.read or rep.moving_partitions or any(reassignments(c) for c in changes if c.kind == "topic"):
        return []
    out = []
    for broker, rates in sorted(rep.broker_throttles.items()):
        if rates:
            fields = tuple(FieldChange(f"configs.{k}", v, None) for k, v in sorted(rates.items()))
            out.append(Change("cluster_config", f"{BROKER_CHANGE_PREFIX}{broker}", Action.UPDATE,
                              {"configs": dict(sorted(rates.items()))}, {"configs": {}}, fields))
    return out


def broker_id(change: Change) -> int | None:
    """The broker of a ``broker N`` cluster_config change (None: the cluster-wide one)."""
    if change.kind != "cluster_config" or not change.name.startswith(BROKER_CHANGE_PREFIX):
        return None
    rest = change.name[len(BROKER_CHANGE_PREFIX):]
    return int(rest) if rest.isdigit() else None
