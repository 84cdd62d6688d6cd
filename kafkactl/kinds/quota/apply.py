"""The ``quota`` executor phase: one AlterClientQuotas for every change.

Rule: each change's fields are sent as they are: a value sets the key, None removes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from kafkactl.kinds.ports import AccessPort, QuotaDelta
from kafkactl.model import Outcome
from kafkactl.plan import Change


def apply(changes: Sequence[Change], port: AccessPort) -> list[Outcome]:
    deltas: list[QuotaDelta] = [
        (c.name, {f.path: (None if f.after is None else float(f.after)) for f in c.fields}) for c in changes
    ]
    errors = port.alter_quotas(deltas) if deltas else {}
    return [Outcome(c.name, errors.get(c.name)) for c in changes]
