"""The status of each tenant on the live cluster, for ``tenant list``. Pure.

Rules:
- A member is ``in sync`` when the plan changes nothing of it, ``missing`` when
  every topic it declares is still to be created, else ``drifted``.
- A tenant that is no member but still has live topics of a template (the plan
  deletes them) is ``removed``: offboarded in the files, not yet on the cluster.
- The plan must cover every member (``tenant:ID``) and every template's glob.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kafkactl.model import Topology
from kafkactl.plan import Action, Plan
from kafkactl.targets import TENANT_PREFIX, Targets, subject_tenant, topic_tenant

Status = Literal["in sync", "missing", "drifted", "removed"]


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
    return [_member(tenant, topology, plan) for tenant in topology.tenants] + _removed(topology, plan)


def _member(tenant: str, topology: Topology, plan: Plan) -> TenantStatus:
    topics = {n for n in topology.topics if topic_tenant(n, topology) == tenant}
    subjects = [n for n in topology.subjects if subject_tenant(n, topology) == tenant]
    mine = Targets.parse([f"{TENANT_PREFIX}{tenant}"])
    changes = [c for c in plan.changes if mine.change(c, topology)]
    creates = {c.name for c in changes if c.kind == "topic" and c.action is Action.CREATE}
    status: Status = "in sync" if not changes else "missing" if topics and creates >= topics else "drifted"
    return TenantStatus(tenant, len(topics), len(subjects), status)


def _removed(topology: Topology, plan: Plan) -> list[TenantStatus]:
    found: dict[str, list[str]] = {}
    for c in plan.changes:
        tenant = topic_tenant(c.name, topology) if c.kind == "topic" else subject_tenant(c.name, topology)
        if c.action is Action.DELETE and tenant is not None and tenant not in topology.tenants:
            found.setdefault(tenant, []).append(c.kind)
    return [TenantStatus(t, kinds.count("topic"), kinds.count("subject"), "removed") for t, kinds in sorted(found.items())]
