"""Desired vs live SCRAM users -> ``user`` Changes. Pure.

Rules:
- CREATE a declared user with no credential; UPDATE one whose mechanisms differ (other
  mechanisms are removed: their old password would still log in), whose iteration count
  differs, or whose password failed the reader's handshake; DELETE an owned, undeclared user.
- ``before``/``after`` are ``{"mechanism", "iterations", "password"}``, the password always
  ``SENSITIVE``; ``before.mechanism`` lists every live mechanism, comma-joined.
- The passwords of created and updated users go to ``Diffed.secrets`` only.
"""

from __future__ import annotations

from typing import Any

from kafkactl.kinds.ports import Diffed
from kafkactl.kinds.user.spec import LiveUser, UserSpec
from kafkactl.model import LiveState, Topology
from kafkactl.plan import SENSITIVE, Action, Change, FieldChange


def diff(desired: Topology, live: LiveState) -> Diffed:
    if "user" not in live.read:
        return Diffed()
    changes = []
    for name, spec in desired.users.items():
        change = _change(spec, live.users.get(name), name in live.password_mismatch)
        if change is not None:
            changes.append(change)
    changes += [Change("user", n, Action.DELETE, _live_side(u), None) for n, u in live.users.items()
                if n not in desired.users and desired.owns_user(n)]
    secrets = {c.name: desired.users[c.name].password for c in changes if c.action is not Action.DELETE}
    warnings = (live.password_warning,) if live.password_warning else ()
    return Diffed(tuple(changes), warnings, secrets=secrets)


def _change(spec: UserSpec, current: LiveUser | None, mismatch: bool) -> Change | None:
    after = {"mechanism": spec.mechanism, "iterations": spec.iterations, "password": SENSITIVE}
    if current is None:
        return Change("user", spec.name, Action.CREATE, None, after)
    before = _live_side(current, spec.mechanism)
    fields = [FieldChange(k, before[k], after[k]) for k in ("mechanism", "iterations") if before[k] != after[k]]
    if mismatch:
        fields.append(FieldChange("password", SENSITIVE, SENSITIVE))
    return Change("user", spec.name, Action.UPDATE, before, after, tuple(fields)) if fields else None


def _live_side(user: LiveUser, mechanism: str | None = None) -> dict[str, Any]:
    iterations = user.iterations(mechanism) if mechanism else None
    if iterations is None:
        iterations = user.credentials[0][1] if user.credentials else 0
    return {"mechanism": ", ".join(m for m, _ in user.credentials), "iterations": iterations, "password": SENSITIVE}


def view(live: LiveState) -> dict[str, Any]:
    return {n: [list(c) for c in u.credentials] for n, u in live.users.items()}
