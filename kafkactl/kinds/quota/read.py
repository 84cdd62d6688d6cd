"""The live client quotas of owned entities: one DescribeClientQuotas for all, filtered here.

Rule: read only when the topology declares quotas, tenants.quota or ``cluster.owns_principals``.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from kafkactl.kinds.ports import AccessPort
from kafkactl.kinds.quota.spec import parse_entity
from kafkactl.model import LiveState, Topology


def read(topology: Topology, port: AccessPort, live: LiveState) -> LiveState:
    if not topology.quotas and not topology.tenant_quota and not topology.cluster.owns_principals:
        return live
    found = port.describe_quotas()
    owned = {e: MappingProxyType(dict(sorted(v.items()))) for e, v in sorted(found.items())
             if v and topology.owns_quota(*parse_entity(e))}
    return replace(live, quotas=MappingProxyType(owned), read=live.read | {"quota"})
