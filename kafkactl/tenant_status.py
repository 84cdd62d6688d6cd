"""The status of each tenant on the live cluster, for ``tenant list``. Pure.

Rules:
- A member is ``in sync`` when the plan changes nothing of it, ``missing`` when
  every topic it declares is still to be created, else ``drifted``.
- A tenant that is no member but still has live topics of a template (the plan
  deletes them) is ``removed``: offboarded in the files, not yet on the cluster.
- The plan must cover every member (``tenant:ID``) and every template's glob.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TypeVar

from kafkactl.model import Topology
from kafkactl.plan import Action, Change, Plan
from kafkactl.targets import TENANT_PREFIX, subject_tenant, topic_tenant

Status = Literal["in sync", "missing", "drifted", "removed"]
T = TypeVar("T")


@dataclass(frozen=True)
class TenantStatus:
    """One row of ``tenant list``: declared (for ``removed``: live) resources, and the status."""

    tenant: str
    topics: int
    subjects: int
    status: Status


def targets_for(topology: Topology) -> list[str]:
    """What a plan must target to tell every tenant's status, removed ones included."""
    return [f"{TENANT_PREFIX}{t}" for t in topology.tenants] + [t.glob for t in topology.templates]


def statuses(topology: Topology, plan: Plan) -> list[TenantStatus]:
    """One row per member, then per removed tenant. Linear in topics, subjects and changes."""
    topics = _group((n, topic_tenant(n, topology)) for n in topology.topics)
    subjects = _group((n, subject_tenant(n, topology)) for n in topology.subjects)
    changes = _group((c, _tenant_of(c, topology)) for c in plan.changes)
    rows = [_member(t, topics.get(t, []), len(subjects.get(t, [])), changes.get(t, [])) for t in topology.tenants]
    members = set(topology.tenants)
    for tenant, mine in sorted(changes.items()):
        kinds = [c.kind for c in mine if c.action is Action.DELETE]
        if tenant not in members and kinds:
            rows.append(TenantStatus(tenant, kinds.count("topic"), kinds.count("subject"), "removed"))
    return rows


def _member(tenant: str, topics: list[str], subjects: int, changes: list[Change]) -> TenantStatus:
    creates = {c.name for c in changes if c.kind == "topic" and c.action is Action.CREATE}
    status: Status = "in sync" if not changes else "missing" if topics and creates >= set(topics) else "drifted"
    return TenantStatus(tenant, len(topics), subjects, status)


def _tenant_of(change: Change, topology: Topology) -> str | None:
    if change.kind == "topic":
        return topic_tenant(change.name, topology)
    return subject_tenant(change.name, topology) if change.kind == "subject" else None


def _group(pairs: Iterable[tuple[T, str | None]]) -> dict[str, list[T]]:
    out: dict[str, list[T]] = {}
    for item, tenant in pairs:
        if tenant is not None:
            out.setdefault(tenant, []).append(item)
    return out
