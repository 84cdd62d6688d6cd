"""ACL bindings: value types and the role shorthands (CONTRACT section 6). Pure.

Rules:
- A binding is Kafka's: resource type, name, pattern type, operation, permission, host, all in
  Kafka's upper-case names (host ``*`` by default), so desired and live bindings compare with ``==``.
- Names: ``x*`` is the PREFIXED pattern ``x``; a lone ``*`` is the LITERAL wildcard ``*``; any
  other name is LITERAL; a ``*`` anywhere else is an error. A cluster binding is always the
  LITERAL ``kafka-cluster``.
- Shorthands expand to exactly what Kafka's clients need:
  ``produce``: WRITE and DESCRIBE on the topics. Since Kafka 3.0 (KIP-679) WRITE on any topic
  also grants IDEMPOTENT_WRITE, so idempotent producers (librdkafka, the Java default) need no
  cluster binding. ``consume``: READ and DESCRIBE on the topics. ``groups``: READ on the
  consumer groups. ``transactional_ids``: WRITE and DESCRIBE on the transactional ids.
- A principal is ``User:NAME`` (NAME may be the wildcard ``*``), as Kafka's principal builder makes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The resource types and operations librdkafka's ACL API carries (it has no DELEGATION_TOKEN or
# USER resources, nor the token operations); what it cannot write, a topology cannot declare.
RESOURCE_TYPES: Mapping[str, str] = {
    "topic": "TOPIC", "group": "GROUP", "cluster": "CLUSTER", "transactional_id": "TRANSACTIONAL_ID",
}
OPERATIONS = ("ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "CLUSTER_ACTION",
              "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE")
PERMISSIONS = ("ALLOW", "DENY")
CLUSTER_NAME = "kafka-cluster"
ROLES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "produce": ("TOPIC", ("WRITE", "DESCRIBE")),
    "consume": ("TOPIC", ("READ", "DESCRIBE")),
    "groups": ("GROUP", ("READ",)),
    "transactional_ids": ("TRANSACTIONAL_ID", ("WRITE", "DESCRIBE")),
}
PRINCIPAL = re.compile(r"User:(\*|[^\s*]+)")
BINDING_FIELDS = ("resource_type", "name", "pattern", "operation", "permission", "host")


@dataclass(frozen=True, order=True)
class Binding:
    resource_type: str
    name: str
    pattern: str  # LITERAL or PREFIXED
    operation: str
    permission: str = "ALLOW"
    host: str = "*"

    def to_json(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in BINDING_FIELDS}

    @staticmethod
    def from_json(doc: Mapping[str, Any]) -> Binding:
        return Binding(*(str(doc[f]) for f in BINDING_FIELDS))

    def text(self) -> str:
        """``ALLOW WRITE on TOPIC chat.messages.* from *`` (a prefix shown with its ``*``)."""
        name = f"{self.name}*" if self.pattern == "PREFIXED" else self.name
        return f"{self.permission} {self.operation} on {self.resource_type} {name} from {self.host}"


@dataclass(frozen=True)
class PrincipalSpec:
    """The desired bindings of one principal, sorted; ``tenant`` set for a tenant's principal."""

    principal: str
    bindings: tuple[Binding, ...]
    tenant: str | None = None


def pattern_of(name: str) -> tuple[str, str]:
    """``chat.*`` -> (``chat.``, PREFIXED); ``*`` -> (``*``, LITERAL); raises ValueError for a misplaced ``*``."""
    if name == "*":
        return "*", "LITERAL"
    if "*" in name[:-1]:
        raise ValueError(f"{name!r}: '*' may only end a name (a prefix) or stand alone (every name)")
    if name.endswith("*"):
        return name[:-1], "PREFIXED"
    return name, "LITERAL"


def role_bindings(role: str, names: list[str]) -> list[Binding]:
    """The bindings of one shorthand; raises ValueError naming a bad name."""
    resource, operations = ROLES[role]
    out = []
    for raw in names:
        name, pattern = pattern_of(raw)
        out += [Binding(resource, name, pattern, op) for op in operations]
    return out


def raw_binding(doc: Mapping[str, Any]) -> Binding:
    """A binding from ``{resource, name, operation, permission, host}``; raises ValueError with the reason."""
    resource = str(doc["resource"]).lower()
    rtype = RESOURCE_TYPES.get(resource)
    if rtype is None:
        raise ValueError(f"unknown resource type {doc['resource']!r} (one of: {', '.join(RESOURCE_TYPES)})")
    operation = str(doc["operation"]).upper()
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {doc['operation']!r} (one of: {', '.join(OPERATIONS)})")
    permission = str(doc.get("permission", "allow")).upper()
    if permission not in PERMISSIONS:
        raise ValueError(f"permission must be allow or deny, not {doc['permission']!r}")
    if rtype == "CLUSTER":
        if doc.get("name", CLUSTER_NAME) != CLUSTER_NAME:
            raise ValueError(f"a cluster binding has no name (or the name {CLUSTER_NAME})")
        name, pattern = CLUSTER_NAME, "LITERAL"
    elif "name" not in doc:
        raise ValueError(f"a {resource} binding needs a name")
    else:
        name, pattern = pattern_of(str(doc["name"]))
    return Binding(rtype, name, pattern, operation, permission, str(doc.get("host", "*")))


def principal_problem(principal: str) -> str | None:
    if PRINCIPAL.fullmatch(principal):
        return None
    return f"principal {principal!r} is malformed: write User:NAME (NAME without spaces or '*', or User:* for everyone)"


def user_of(principal: str) -> str | None:
    """``User:socket-service`` -> ``socket-service``."""
    return principal[len("User:"):] if principal.startswith("User:") else None


def fold(bindings: tuple[Binding, ...]) -> dict[str, object]:
    """A principal's bindings as the topology writes them: role shorthands where a name has every
    operation of a role (ALLOW from any host), raw ``acls`` for the rest. Expanding the result gives
    back exactly ``bindings``."""
    by_name: dict[tuple[str, str, str], set[str]] = {}
    for b in bindings:
        if b.permission == "ALLOW" and b.host == "*":
            by_name.setdefault((b.resource_type, b.name, b.pattern), set()).add(b.operation)
    out: dict[str, object] = {}
    covered: set[Binding] = set()
    for role, (resource, operations) in ROLES.items():
        names = [_written(name, pattern) for (rtype, name, pattern), ops in sorted(by_name.items())
                 if rtype == resource and set(operations) <= ops]
        if names:
            out[role] = names
            covered |= {b for n in names for b in role_bindings(role, [n])}
    raw = [_raw_doc(b) for b in bindings if b not in covered]
    if raw:
        out["acls"] = raw
    return out


def _written(name: str, pattern: str) -> str:
    return f"{name}*" if pattern == "PREFIXED" else name


def _raw_doc(b: Binding) -> dict[str, str]:
    resource = next(k for k, v in RESOURCE_TYPES.items() if v == b.resource_type)
    doc = {"resource": resource}
    if b.resource_type != "CLUSTER":
        doc["name"] = _written(b.name, b.pattern)
    doc["operation"] = b.operation.lower()
    if b.permission != "ALLOW":
        doc["permission"] = b.permission.lower()
    if b.host != "*":
        doc["host"] = b.host
    return doc
