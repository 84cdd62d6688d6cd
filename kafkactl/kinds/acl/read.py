"""The live ACLs of owned principals: one DescribeAcls for the whole cluster, filtered here.

Rule: ACLs are read only when the topology manages some (principals, a tenant principal, or
``cluster.owns_principals``); bindings of other principals are dropped before anything sees them.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from kafkactl.kinds.ports import AccessPort
from kafkactl.model import LiveState, Topology


def read(topology: Topology, port: AccessPort, live: LiveState) -> LiveState:
    if not topology.manages_acls:
        return live
    found = port.describe_acls()
    owned = {p: tuple(sorted(set(b))) for p, b in sorted(found.items()) if topology.owns_principal(p)}
    return replace(live, acls=MappingProxyType(owned), read=live.read | {"acl"})
