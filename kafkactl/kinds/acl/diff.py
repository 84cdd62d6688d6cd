"""Desired vs live ACLs -> one ``acl`` Change per principal. Pure.

Rules:
- A principal's bindings are a set: the change lists each added binding (``before`` None) and
  each removed one (``after`` None) as a field, sorted.
- CREATE when the principal has no live binding, DELETE when it should have none (an owned
  principal no longer declared, or declared with nothing), else UPDATE.
- Only owned principals are touched: the reader read only them and this re-checks it.
"""

from __future__ import annotations

from typing import Any

from kafkactl.kinds.acl.spec import Binding
from kafkactl.kinds.ports import Diffed
from kafkactl.model import LiveState, Topology
from kafkactl.plan import Action, Change, FieldChange


def diff(desired: Topology, live: LiveState) -> Diffed:
    if "acl" not in live.read:
        return Diffed()
    changes = []
    for principal in sorted(set(desired.principals) | set(live.acls)):
        if not desired.owns_principal(principal):
            continue
        spec = desired.principals.get(principal)
        change = _change(principal, set(spec.bindings) if spec else set(), set(live.acls.get(principal, ())))
        if change is not None:
            changes.append(change)
    return Diffed(tuple(changes))


def _change(principal: str, want: set[Binding], have: set[Binding]) -> Change | None:
    if want == have:
        return None
    fields = [FieldChange("bindings", None, b.to_json()) for b in sorted(want - have)]
    fields += [FieldChange("bindings", b.to_json(), None) for b in sorted(have - want)]
    action = Action.CREATE if not have else Action.DELETE if not want else Action.UPDATE
    return Change("acl", principal, action, _side(have), _side(want), tuple(fields))


def _side(bindings: set[Binding]) -> dict[str, Any] | None:
    return {"bindings": [b.to_json() for b in sorted(bindings)]} if bindings else None


def view(live: LiveState) -> dict[str, Any]:
    """The fingerprint's part: every owned principal's bindings."""
    return {p: [b.to_json() for b in bs] for p, bs in live.acls.items()}
