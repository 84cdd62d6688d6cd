"""Desired vs live client quotas -> ``quota`` Changes named after the entity. Pure.

Rules:
- CREATE an entity with no live quota; UPDATE one whose values differ (one field per key, a
  key set live but not declared is removed: ``after`` None); DELETE an owned entity no longer declared.
- Values are numbers as Kafka stores them, integers when whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kafkactl.kinds.ports import Diffed
from kafkactl.kinds.quota.spec import number, parse_entity
from kafkactl.model import LiveState, Topology
from kafkactl.plan import Action, Change, FieldChange


def diff(desired: Topology, live: LiveState) -> Diffed:
    if "quota" not in live.read:
        return Diffed()
    changes = []
    for entity in sorted(set(desired.quotas) | set(live.quotas)):
        spec = desired.quotas.get(entity)
        if spec is None and not desired.owns_quota(*parse_entity(entity)):
            continue
        want, have = _numbers(spec.values if spec else {}), _numbers(live.quotas.get(entity, {}))
        if want == have:
            continue
        fields = [FieldChange(k, have.get(k), want.get(k)) for k in sorted(set(want) | set(have)) if have.get(k) != want.get(k)]
        action = Action.CREATE if not have else Action.DELETE if not want else Action.UPDATE
        changes.append(Change("quota", entity, action, have or None, want or None, tuple(fields)))
    return Diffed(tuple(changes))


def _numbers(values: Mapping[str, float]) -> dict[str, Any]:
    return {k: number(v) for k, v in sorted(values.items())}


def view(live: LiveState) -> dict[str, Any]:
    return {e: dict(v) for e, v in live.quotas.items()}
