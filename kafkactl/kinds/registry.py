"""The one registration point of the access kinds: the reader, diff, executor and targets iterate ``HANDLERS``.

Rules:
- ``HANDLERS`` is in executor phase order: users first (a principal can log in before its ACLs
  matter), then ACLs, then quotas. All of them run after topic creates and before topic deletes.
- Adding a kind: a folder with spec/read/diff/apply, and one ``KindHandler`` line here (plus its
  ``Kind`` name in ``kafkactl.plan`` and its fields on ``Topology``/``LiveState``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from kafkactl.kinds.acl import apply as acl_apply
from kafkactl.kinds.acl import diff as acl_diff
from kafkactl.kinds.acl import read as acl_read
from kafkactl.kinds.acl.spec import Binding
from kafkactl.kinds.ports import AccessPort, Diffed
from kafkactl.kinds.quota import apply as quota_apply
from kafkactl.kinds.quota import diff as quota_diff
from kafkactl.kinds.quota import read as quota_read
from kafkactl.kinds.quota.spec import parse_entity
from kafkactl.kinds.user import apply as user_apply
from kafkactl.kinds.user import diff as user_diff
from kafkactl.kinds.user import read as user_read
from kafkactl.model import LiveState, Outcome, Topology
from kafkactl.plan import Action, Change, FieldChange, Kind, Plan


@dataclass(frozen=True)
class KindHandler:
    kind: Kind
    read: Callable[[Topology, AccessPort, LiveState], LiveState]
    diff: Callable[[Topology, LiveState], Diffed]
    view: Callable[[LiveState], dict[str, Any]]  # the kind's part of the fingerprint
    apply: Callable[[Sequence[Change], AccessPort, Mapping[str, str]], list[Outcome]]
    tenant_of: Callable[[str, Topology], str | None]  # the tenant a change name belongs to (--target tenant:ID)


def _quota_tenant(entity: str, topology: Topology) -> str | None:
    kind, name = parse_entity(entity)
    return topology.tenant_of_principal(f"User:{name}") if kind == "user" and name else None


HANDLERS: tuple[KindHandler, ...] = (
    KindHandler("user", user_read.read, user_diff.diff, user_diff.view, user_apply.apply,
                lambda name, t: t.tenant_of_principal(f"User:{name}")),
    KindHandler("acl", acl_read.read, acl_diff.diff, acl_diff.view, lambda c, p, _: acl_apply.apply(c, p),
                lambda name, t: t.tenant_of_principal(name)),
    KindHandler("quota", quota_read.read, quota_diff.diff, quota_diff.view, lambda c, p, _: quota_apply.apply(c, p),
                _quota_tenant),
)
BY_KIND: Mapping[str, KindHandler] = MappingProxyType({h.kind: h for h in HANDLERS})


def read_all(topology: Topology, port: AccessPort, live: LiveState) -> LiveState:
    for handler in HANDLERS:
        live = handler.read(topology, port, live)
    return live


def diff_all(topology: Topology, live: LiveState) -> Diffed:
    parts = [h.diff(topology, live) for h in HANDLERS]
    return Diffed(
        changes=tuple(c for p in parts for c in p.changes),
        warnings=tuple(w for p in parts for w in p.warnings),
        errors=tuple(e for p in parts for e in p.errors),
        secrets=MappingProxyType({k: v for p in parts for k, v in p.secrets.items()}),
    )


def view_all(live: LiveState) -> dict[str, Any]:
    """The access part of the fingerprint: only the kinds that were read (so topologies without access keep theirs)."""
    return {h.kind: h.view(live) for h in HANDLERS if h.kind in live.read}


def removals(plan: Plan) -> list[str]:
    """What updates of these kinds remove (an ACL binding, a quota key): deletes, like any other."""
    return [f"{c.kind} {c.name}: removes {_removed(c, f)}" for c in plan.changes
            if c.kind in ("acl", "quota") and c.action is Action.UPDATE for f in c.fields if f.after is None]


def _removed(change: Change, f: FieldChange) -> str:
    return Binding.from_json(f.before).text() if change.kind == "acl" else f"{f.path} {f.before}"


def apply_all(plan: Plan, port: AccessPort) -> list[tuple[Kind, Outcome]]:
    """One phase per kind, in ``HANDLERS`` order; each outcome is named after its change."""
    outcomes: list[tuple[Kind, Outcome]] = []
    for handler in HANDLERS:
        changes = [c for c in plan.changes if c.kind == handler.kind]
        if changes:
            outcomes += [(handler.kind, o) for o in handler.apply(changes, port, plan.secrets)]
    return outcomes
