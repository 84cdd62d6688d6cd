"""diff(desired, live) -> Plan. Pure: no I/O, no clock, deterministic order.

Rules (ARCHITECTURE section 4):
- Only dynamic live configs count as set (the reader already dropped the rest):
  declared keys that differ are SET; live-only topic keys are reverted (DELETE), so a
  broker default is never a diff. Cluster-wide configs: only declared keys are managed.
- Partition increase is an update with an ordering warning; a decrease is an
  error. Never delete and recreate. A replication-factor change is an update that
  names every partition's new replicas (``kafkactl.replication``); a running
  reassignment is a state shown as a warning, not a change.
- Unknown config keys (not reported by the live broker), read-only or sensitive
  cluster configs, RF above the live broker count, fewer live brokers than
  ``cluster.brokers``, and a delete of a protected topic are errors.
- Only owned live topics can be deleted; the reader's scope guarantees it and
  ``_deletes`` re-checks it, because deletion must never depend on one guard.
- Sensitive values are replaced by ``SENSITIVE`` before any Change is built.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kafkactl.diff_subjects import diff_subjects
from kafkactl.kinds.registry import diff_all, view_all
from kafkactl.model import LiveState, LiveTopic, TopicSpec, Topology
from kafkactl.plan import SENSITIVE, Action, Change, FieldChange, Plan, fingerprint
from kafkactl.replication import broker_cleanups, plan_rf

ORDERING_WARNING = (
    "adding partitions remaps keys: records with an existing key may go to a different partition, "
    "so per-key ordering (e.g. per conversation) breaks for existing keys"
)


@dataclass
class _Acc:
    changes: list[Change]
    warnings: list[str]
    errors: list[str]


def diff(desired: Topology, live: LiveState) -> Plan:
    acc = _Acc([], [], [])
    _check_brokers(desired, live, acc)
    _diff_cluster(desired, live, acc)
    for name, spec in desired.topics.items():
        current = live.topics.get(name)
        if current is None:
            _create(spec, live, acc)
        else:
            _update(spec, current, live, acc)
    _deletes(desired, live, acc)
    acc.changes += broker_cleanups(live, acc.changes)  # brokers' throttle rates once nothing reassigns
    subjects = diff_subjects(desired, live)
    acc.changes += subjects.changes
    acc.warnings += subjects.warnings
    acc.errors += subjects.errors
    access = diff_all(desired, live)  # the kinds of kafkactl.kinds.registry: ACLs, users, quotas
    return Plan(
        cluster_id=live.cluster_id,
        fingerprint=fingerprint(state_view(live)),
        changes=tuple(acc.changes) + access.changes,
        warnings=tuple(acc.warnings) + access.warnings,
        errors=tuple(acc.errors) + access.errors,
        secrets=access.secrets,
    )


def state_view(live: LiveState) -> dict[str, Any]:
    """The canonical, JSON-able part of the live state that the fingerprint covers."""
    return {
        "cluster_id": live.cluster_id,
        "cluster_configs": dict(live.cluster_configs),
        "topics": {n: [t.partitions, t.replication_factor, dict(t.configs), [list(r) for r in t.replicas]]
                   for n, t in live.topics.items()},
        "subjects": {
            s: [v.version, v.schema_id, live.subject_compatibility.get(s)] for s, v in live.subjects.items()
        },
        "global_compatibility": live.global_compatibility,
    } | ({"reference_versions": dict(live.reference_versions)} if live.reference_versions else {}) | (
        {"subject_referrers": {s: [[r.subject, r.version, r.deleted] for r in rs]
                               for s, rs in live.subject_referrers.items()}} if live.subject_referrers else {}
    ) | (
        {"access": view_all(live)} if live.read else {}
    )


def _check_brokers(desired: Topology, live: LiveState, acc: _Acc) -> None:
    if live.broker_count < desired.cluster.brokers:
        acc.errors.append(
            f"the cluster has {live.broker_count} live brokers but the topology requires "
            f"cluster.brokers={desired.cluster.brokers}"
        )


def _diff_cluster(desired: Topology, live: LiveState, acc: _Acc) -> None:
    want = desired.cluster.configs
    for key in want:
        if live.broker_config_keys and key not in live.broker_config_keys:
            acc.errors.append(f"cluster config {key}: unknown broker config key{_suggest(key, live.broker_config_keys)}")
        elif key in live.read_only_broker_keys:
            acc.errors.append(f"cluster config {key}: read-only, it cannot be changed dynamically (set it in server.properties)")
        elif key in live.cluster_sensitive:
            acc.errors.append(f"cluster config {key}: sensitive; kafkactl does not store secrets in plans, set it with kafka-configs")
    # Only declared keys are managed: undeclared live cluster-wide values are left alone.
    # Kafka 4 writes min.insync.replicas as a cluster-wide dynamic config when storage is
    # formatted, so reverting undeclared keys would silently weaken durability.
    have = {k: v for k, v in live.cluster_configs.items() if k in want and k not in live.cluster_sensitive}
    fields = _config_fields(want, have, frozenset())
    if fields:
        name = desired.cluster.name or "cluster"
        acc.changes.append(
            Change("cluster_config", name, Action.UPDATE, {"configs": _masked(have, frozenset())},
                   {"configs": dict(want)}, tuple(fields))
        )


def _topic_dict(partitions: int, rf: int, configs: Mapping[str, str], sensitive: frozenset[str]) -> dict[str, Any]:
    return {"partitions": partitions, "replication_factor": rf, "configs": _masked(configs, sensitive)}


def _masked(configs: Mapping[str, str], sensitive: frozenset[str]) -> dict[str, str]:
    return {k: (SENSITIVE if k in sensitive else v) for k, v in sorted(configs.items())}


def _unknown_keys(spec: TopicSpec, live: LiveState, acc: _Acc) -> bool:
    unknown = [k for k in spec.configs if live.topic_config_keys and k not in live.topic_config_keys]
    for key in unknown:
        where = f" ({spec.location})" if spec.location else ""
        acc.errors.append(f"topic {spec.name}{where}: unknown config key {key}{_suggest(key, live.topic_config_keys)}")
    return bool(unknown)


def _create(spec: TopicSpec, live: LiveState, acc: _Acc) -> None:
    if spec.replication_factor > live.broker_count:
        acc.errors.append(
            f"topic {spec.name}: replication_factor {spec.replication_factor} exceeds the {live.broker_count} live brokers"
        )
    _unknown_keys(spec, live, acc)
    after = _topic_dict(spec.partitions, spec.replication_factor, spec.configs, frozenset())
    acc.changes.append(Change("topic", spec.name, Action.CREATE, None, after))


def _update(spec: TopicSpec, current: LiveTopic, live: LiveState, acc: _Acc) -> None:
    fields: list[FieldChange] = []
    warnings: list[str] = []
    if spec.partitions > current.partitions:
        fields.append(FieldChange("partitions", current.partitions, spec.partitions))
        warnings.append(f"topic {spec.name}: {ORDERING_WARNING}")
    elif spec.partitions < current.partitions:
        acc.errors.append(
            f"topic {spec.name}: cannot decrease partitions from {current.partitions} to {spec.partitions} "
            "(Kafka cannot remove partitions; kafkactl never deletes and recreates a topic)"
        )
    rf = plan_rf(spec, current, live)
    acc.errors.extend(rf.errors)
    if rf.state:
        acc.warnings.append(f"topic {spec.name}: {rf.state}; its throttles are removed once it finishes "
                            "(apply --wait waits for it)")
    fields += rf.fields
    if not _unknown_keys(spec, live, acc):
        have = {k: v for k, v in current.configs.items() if k not in rf.skip_keys}
        fields += _config_fields(spec.configs, have, current.sensitive)
    for f in fields:
        if f.after == SENSITIVE:  # the plan holds no secret, so apply could not set it
            acc.errors.append(f"topic {spec.name}: {f.path} is sensitive; kafkactl does not store secrets in plans")
    if fields:
        before = _topic_dict(current.partitions, current.replication_factor, current.configs, current.sensitive)
        new_rf = spec.replication_factor if rf.fields else current.replication_factor
        after = _topic_dict(max(spec.partitions, current.partitions), new_rf, spec.configs, current.sensitive)
        acc.changes.append(Change("topic", spec.name, Action.UPDATE, before, after, tuple(fields), tuple(warnings)))
        acc.warnings.extend(warnings)


def _config_fields(want: Mapping[str, str], have: Mapping[str, str], sensitive: frozenset[str]) -> list[FieldChange]:
    """SET for added or changed keys, DELETE (after=None) for live-only keys; sorted by key."""
    out = []
    for key in sorted(set(want) | set(have)):
        before, after = have.get(key), want.get(key)
        if before == after:
            continue
        if key in sensitive:
            before = SENSITIVE if before is not None else None
            after = SENSITIVE if after is not None else None
        out.append(FieldChange(f"configs.{key}", before, after))
    return out


def _deletes(desired: Topology, live: LiveState, acc: _Acc) -> None:
    for name, current in live.topics.items():
        if name in desired.topics or not desired.owns_topic(name):
            continue
        if desired.is_protected(name):
            acc.errors.append(f"topic {name}: protected, it cannot be deleted (remove it from cluster.protect or the "
                              "template's protect: true first)")
            continue
        before = _topic_dict(current.partitions, current.replication_factor, current.configs, current.sensitive)
        acc.changes.append(Change("topic", name, Action.DELETE, before, None))


def _suggest(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""
