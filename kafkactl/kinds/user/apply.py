"""The ``user`` executor phase: one AlterUserScramCredentials for every change.

Rules:
- CREATE/UPDATE upsert the ``after`` credential with the password from ``Plan.secrets``, and
  delete every other mechanism listed in ``before``; DELETE deletes every mechanism of ``before``.
- A change without its password in the secrets fails (it is never applied with a guess).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kafkactl.kinds.ports import AccessPort
from kafkactl.kinds.user.spec import UserSpec
from kafkactl.model import Outcome
from kafkactl.plan import Action, Change


def apply(changes: Sequence[Change], port: AccessPort, secrets: Mapping[str, str]) -> list[Outcome]:
    upserts, deletes, missing = [], [], set()
    for c in changes:
        after, before = c.after or {}, c.before or {}
        if c.action is not Action.DELETE:
            if not secrets.get(c.name):
                missing.add(c.name)
                continue
            upserts.append(UserSpec(c.name, str(after["mechanism"]), int(after["iterations"]), secrets[c.name]))
        keep = after.get("mechanism")
        deletes += [(c.name, m) for m in _mechanisms(before) if m != keep]
    errors = port.alter_users(upserts, deletes) if upserts or deletes else {}
    return [Outcome(c.name, "its password is not known to this apply (set its password_env or password_file)"
                    if c.name in missing else errors.get(c.name)) for c in changes]


def _mechanisms(side: Mapping[str, object]) -> list[str]:
    return [m.strip() for m in str(side.get("mechanism", "")).split(",") if m.strip()]
