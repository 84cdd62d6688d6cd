"""The live SCRAM users that are owned, and which declared passwords no longer match.

Rules:
- One DescribeUserScramCredentials for all users; read only when the topology declares users
  or ``cluster.owns_principals``.
- A password is checked only where nothing else already forces a write (the credential exists
  with the declared mechanism and iterations): by a SASL handshake with kafkactl's own
  connection settings and only the credentials swapped. Where kafkactl itself is not connected
  with SASL, nothing is guessed: ``password_warning`` says why passwords were not checked.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from kafkactl.kinds.ports import AccessPort
from kafkactl.model import LiveState, Topology


def read(topology: Topology, port: AccessPort, live: LiveState) -> LiveState:
    if not topology.users and not topology.cluster.owns_principals:
        return live
    found = port.describe_users()
    owned = {n: u for n, u in sorted(found.items()) if topology.owns_user(n)}
    checkable = [s for n, s in topology.users.items() if n in owned and owned[n].iterations(s.mechanism) == s.iterations]
    reason = port.password_check_unavailable() if checkable else None
    matches = port.passwords_match(checkable) if checkable and reason is None else {}
    return replace(
        live, users=MappingProxyType(owned), read=live.read | {"user"},
        password_mismatch=frozenset(n for n, ok in matches.items() if not ok),
        password_warning=f"passwords of {len(checkable)} user(s) were not checked: {reason}" if reason else None,
    )
