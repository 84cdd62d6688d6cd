"""The final topology of an environment as plain data, and what differs between two of them.

Rules:
- The document is what kafkactl would manage after overlays, defaults, DLQs and tenant
  expansion: every topic with its numbers and canonical configs, every subject with its
  schema file (not its text), the cluster settings and the connection profile as written
  (``${VAR}`` unexpanded, so no secret is ever shown).
- Fields that name secrets (passwords and the like) and source locations never appear.
- A difference is reported at the highest path where the two sides differ: a topic that
  exists in one environment only is one difference, not one per field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kafkactl.connection import is_secret_key
from kafkactl.model import ConnectionProfile, SubjectSpec, TopicSpec, Topology

ABSENT = object()
_SHOWN_ELSEWHERE = frozenset({"cluster", "topics", "subjects", "templates", "tenants", "tenant_files",
                              "default_compatibility"})


@dataclass(frozen=True)
class Difference:
    path: tuple[str, ...]
    left: Any  # ABSENT when only the right side has it
    right: Any


def document(topology: Topology, environment: str | None, profile: ConnectionProfile | None) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    if environment is not None:
        doc["environment"] = environment
    if profile is not None:
        doc["connection"] = {key: value.text for key in ("bootstrap_servers", "schema_registry_url", "client_config")
                             if (value := getattr(profile, key)) is not None}
    doc["cluster"] = _plain(topology.cluster)
    doc["tenants"] = list(topology.tenants)
    doc["topics"] = {name: _topic(spec) for name, spec in topology.topics.items()}
    doc["subjects"] = {name: _subject(spec) for name, spec in topology.subjects.items()}
    for f in dataclasses.fields(topology):  # sections kafkactl gains later (access: principals, users, quotas)
        if f.name not in _SHOWN_ELSEWHERE:
            doc[f.name] = _plain(getattr(topology, f.name))
    return doc


def _topic(spec: TopicSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"partitions": spec.partitions, "replication_factor": spec.replication_factor,
                           "configs": dict(spec.configs)}
    if spec.template is not None:
        out["template"] = spec.template
        out["tenant"] = spec.tenant
    return out


def _subject(spec: SubjectSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"schema_type": spec.schema_type, "schema_file": spec.schema_path,
                           "compatibility": spec.compatibility}
    if spec.references:
        out["references"] = [_plain(r) for r in spec.references]
    if spec.topic is not None:
        out["topic"] = spec.topic
    return out


def _plain(value: Any) -> Any:
    """JSON-able data of a value type, without locations or secret-named fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name != "location" and not is_secret_key(f.name)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if not is_secret_key(str(k))}
    if isinstance(value, list | tuple | frozenset | set):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, frozenset | set) else items
    if hasattr(value, "value") and type(value).__module__ != "builtins" and not isinstance(value, int | str):
        return _plain(value.value)  # enums
    return value


def differences(left: Mapping[str, Any], right: Mapping[str, Any], path: tuple[str, ...] = ()) -> list[Difference]:
    """Where two documents differ, at the highest differing path, in key order (left's first)."""
    found: list[Difference] = []
    for key in [*left, *(k for k in right if k not in left)]:
        a, b = left.get(key, ABSENT), right.get(key, ABSENT)
        here = (*path, key)
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            found += differences(a, b, here)
        elif a != b:
            found.append(Difference(here, a, b))
    return found
