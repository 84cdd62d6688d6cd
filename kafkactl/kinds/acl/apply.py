"""The ``acl`` executor phase: one CreateAcls for every added binding, one DeleteAcls for every removed one.

Rule: runs exactly the changes' fields; a change fails when any of its bindings failed, with Kafka's reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from kafkactl.kinds.acl.spec import Binding
from kafkactl.kinds.ports import AccessPort, AclEntry
from kafkactl.model import Outcome
from kafkactl.plan import Change


def apply(changes: Sequence[Change], port: AccessPort) -> list[Outcome]:
    adds: list[AclEntry] = [(c.name, Binding.from_json(f.after)) for c in changes for f in c.fields if f.after]
    removes: list[AclEntry] = [(c.name, Binding.from_json(f.before)) for c in changes for f in c.fields if f.before]
    errors: dict[str, list[str]] = {}
    for entries, results in ((adds, port.create_acls(adds) if adds else []),
                             (removes, port.delete_acls(removes) if removes else [])):
        for (principal, binding), error in zip(entries, results, strict=True):
            if error:
                errors.setdefault(principal, []).append(f"{binding.text()}: {error}")
    return [Outcome(c.name, "; ".join(errors[c.name]) if c.name in errors else None) for c in changes]
