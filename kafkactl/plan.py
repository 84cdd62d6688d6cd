"""The Plan: the only contract between ``plan`` and ``apply``.

A ``Change`` follows Terraform's shape:

==========  ===========  ===========
action      before       after
==========  ===========  ===========
CREATE      None         the spec
UPDATE      live spec    desired spec
DELETE      live spec    None
==========  ===========  ===========

``before`` and ``after`` are plain JSON-able dicts of the same shape for one
``kind``:

- topic: ``{"partitions", "replication_factor", "configs"}``
- subject: ``{"schema_type", "schema", "compatibility", "references"}``
- cluster_config: ``{"configs"}`` (one change named after the cluster, always UPDATE; and ``broker N``
  changes that only remove a broker's replication throttle rates, see ``kafkactl.replication``)
- a topic's replication-factor change adds ``replicas.N`` fields: each partition's old and new replica list
- acl: ``{"bindings": [...]}`` (named after the principal; one field per added or removed binding)
- user: ``{"mechanism", "iterations", "password"}`` (the password always ``SENSITIVE``)
- quota: ``{"producer_byte_rate": 10485760, ...}`` (named after the entity, ``user=socket-service``)

Rules:
- Sensitive config values never enter a Plan: they are replaced by
  ``SENSITIVE`` before the Change is built, so no renderer or file can leak them.
- SCRAM passwords travel only in ``Plan.secrets`` (in memory, from the topology being applied):
  never in ``to_json``, repr or comparisons.
- The executor runs exactly ``changes``; it never re-decides anything.
- ``to_json``/``from_json`` round-trip exactly (CONTRACT section 3).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from kafkactl.errors import KafkactlError

FORMAT_VERSION = "1"
SENSITIVE = "(sensitive)"
Kind = Literal["topic", "subject", "cluster_config", "acl", "user", "quota"]
KINDS: tuple[Kind, ...] = ("cluster_config", "topic", "subject", "acl", "user", "quota")


class Action(Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class FieldChange:
    """One changed field: ``path`` like ``configs.retention.ms`` or ``partitions``.

    ``before``/``after`` are None when the field is absent on that side
    (a config set for the first time, or reverted to the broker default).
    """

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Change:
    kind: Kind
    name: str
    action: Action
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    fields: tuple[FieldChange, ...] = ()
    warnings: tuple[str, ...] = ()

    def config_delta(self) -> dict[str, str | None]:
        """The config part of an update: key -> new value, or None to revert to the default."""
        prefix = "configs."
        return {f.path[len(prefix) :]: f.after for f in self.fields if f.path.startswith(prefix)}

    def field_change(self, path: str) -> FieldChange | None:
        return next((f for f in self.fields if f.path == path), None)


@dataclass(frozen=True)
class ChangeOutcome:
    """What happened to one change during apply: ``error`` None means it was applied.

    ``attempted`` False: apply stopped before this change's phase began (``error`` says why), so
    nothing of it was sent.
    """

    change: Change
    error: str | None = None
    attempted: bool = True


@dataclass(frozen=True)
class Applied:
    """The outcome of every change, and what the brokers did not show yet when apply returned.

    ``not_shown`` lists topics (of those read to confirm, see ``Admin.await_metadata``) that
    the controller accepted but a broker still showed as before when the wait's deadline
    passed: a plan made at once may list them again until the brokers catch up.
    ``stopped``: why apply stopped before the end (Ctrl-C, the apply lock lost, a failed request),
    or None. ``unconfirmed``: why the confirming read after the writes failed, or None.
    """

    outcomes: tuple[ChangeOutcome, ...]
    not_shown: tuple[str, ...] = ()
    waited_s: float = 0.0
    stopped: str | None = None
    unconfirmed: str | None = None


@dataclass(frozen=True)
class Plan:
    cluster_id: str
    fingerprint: str
    changes: tuple[Change, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    targets: tuple[str, ...] = field(default=())
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)  # user -> password
    environment: str | None = None  # the --env it was made for (CONTRACT section 8)

    def summary(self) -> dict[str, int]:
        counts = Counter(c.action for c in self.changes)
        return {a.value: counts.get(a, 0) for a in Action}

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def has_deletes(self) -> bool:
        return any(c.action is Action.DELETE for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "cluster_id": self.cluster_id,
            **({"environment": self.environment} if self.environment is not None else {}),
            "fingerprint": self.fingerprint,
            "summary": self.summary(),
            "changes": [_change_to_json(c) for c in self.changes],
            "warnings": list(self.warnings),
            "errors": list(self.errors),
        }
        if self.targets:
            doc["targets"] = list(self.targets)
        return doc

    @staticmethod
    def from_json(doc: Any) -> Plan:
        """Parse a saved plan; raises KafkactlError on anything that is not one."""
        try:
            if doc.get("format_version") != FORMAT_VERSION:
                raise KafkactlError(
                    f"unsupported plan format_version {doc.get('format_version')!r}",
                    hint=f"this kafkactl reads format_version {FORMAT_VERSION}; run plan again",
                )
            return Plan(
                cluster_id=str(doc["cluster_id"]),
                fingerprint=str(doc["fingerprint"]),
                changes=tuple(_change_from_json(c) for c in doc["changes"]),
                warnings=tuple(str(w) for w in doc.get("warnings", [])),
                errors=tuple(str(e) for e in doc.get("errors", [])),
                targets=tuple(str(t) for t in doc.get("targets", [])),
                environment=None if doc.get("environment") is None else str(doc["environment"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise KafkactlError(
                f"not a kafkactl plan file: {type(e).__name__}: {e}", hint="create one with 'kafkactl plan --out FILE'"
            ) from None


def _change_to_json(c: Change) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "name": c.name,
        "action": c.action.value,
        "before": _plain(c.before),
        "after": _plain(c.after),
        "fields": [{"path": f.path, "before": f.before, "after": f.after} for f in c.fields],
        "warnings": list(c.warnings),
    }


def _change_from_json(d: Mapping[str, Any]) -> Change:
    kind = d["kind"]
    if kind not in KINDS:
        raise ValueError(f"unknown change kind {kind!r}")
    return Change(
        kind=kind,
        name=str(d["name"]),
        action=Action(d["action"]),
        before=d["before"],
        after=d["after"],
        fields=tuple(FieldChange(f["path"], f["before"], f["after"]) for f in d.get("fields", [])),
        warnings=tuple(d.get("warnings", [])),
    )


_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    """Mappings (including read-only ones) to dicts with str keys, tuples to lists: JSON-able.

    Exact type checks before the ABC one: a 100k-topic state view holds ~500k values, and
    ``isinstance(x, Mapping)`` on each was most of a plan's fingerprint time. Same output.
    """
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        return [_plain(v) for v in value]
    if kind is dict or isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def fingerprint(state: Any) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of a JSON-able live-state view."""
    canonical = json.dumps(_plain(state), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
