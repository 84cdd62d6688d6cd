"""Merged access sections -> principals, users and quotas of the Topology (CONTRACT section 6).

Rules:
- Every problem is reported at its ``file:line``: a malformed principal, an unknown resource type,
  operation or permission, a ``*`` in the wrong place, a password source that is missing, unset
  or unreadable, a quota value that is not a positive size or number.
- ``tenants.principal`` holds ``{tenant}`` exactly once; each member gets that principal with
  ``tenants.access`` (``{tenant}`` replaced) and ``tenants.quota`` on its user. A tenant's
  principal or quota that is also declared explicitly is an error naming both places.
- A password is read here (environment or file) and kept only in ``UserSpec.password``: no
  message here ever contains one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from kafkactl import units
from kafkactl.kinds.acl.spec import (
    ROLES,
    Binding,
    PrincipalSpec,
    principal_problem,
    raw_binding,
    role_bindings,
    user_of,
)
from kafkactl.kinds.quota.spec import BYTE_RATES, DEFAULT, SECTIONS, QuotaSpec
from kafkactl.kinds.user.spec import DEFAULT_ITERATIONS, DEFAULT_MECHANISM, UserSpec
from kafkactl.model import TENANT_PLACEHOLDER, Location
from kafkactl.topology.marked import MarkedDict, MarkedList
from kafkactl.topology.merge import Entry, Sections
from kafkactl.topology.problems import Problems


@dataclass(frozen=True)
class Access:
    principals: Mapping[str, PrincipalSpec] = field(default_factory=lambda: MappingProxyType({}))
    tenant_principal: str | None = None
    users: Mapping[str, UserSpec] = field(default_factory=lambda: MappingProxyType({}))
    quotas: Mapping[str, QuotaSpec] = field(default_factory=lambda: MappingProxyType({}))
    tenant_quota: bool = False


def expand_access(s: Sections, problems: Problems, env: Mapping[str, str] | None = None) -> Access:
    principals: dict[str, tuple[PrincipalSpec, Location]] = {}
    for principal, entry in s.principals.items():
        problem = principal_problem(principal)
        if problem:
            problems.error(entry.loc, problem)
            continue
        bindings = _roles(entry, entry.value, problems, tenant=None) + _raw(entry, entry.value, problems)
        principals[principal] = (PrincipalSpec(principal, _sorted(bindings)), entry.loc)
    quotas: dict[str, tuple[QuotaSpec, Location]] = {}
    for section, entries in s.quotas.items():
        for name, entry in entries.items():
            spec = QuotaSpec(SECTIONS[section], None if name == DEFAULT else name, _quota_values(entry, problems))
            quotas[spec.entity] = (spec, entry.loc)
    pattern = _tenant_access(s, problems, principals, quotas)
    users = {name: _user(name, entry, problems, os.environ if env is None else env) for name, entry in s.users.items()}
    return Access(
        principals=MappingProxyType({p: principals[p][0] for p in sorted(principals)}),
        tenant_principal=pattern,
        users=MappingProxyType({n: users[n] for n in sorted(users)}),
        quotas=MappingProxyType({q: quotas[q][0] for q in sorted(quotas)}),
        tenant_quota=pattern is not None and "quota" in s.tenant_access,
    )


def _sorted(bindings: list[Binding]) -> tuple[Binding, ...]:
    return tuple(sorted(set(bindings)))


def _item_loc(entry: Entry, items: Any, index: int) -> Location:
    if isinstance(items, MarkedList) and index < len(items.item_pos):
        return Location(entry.loc.file, items.item_pos[index][0])
    return entry.loc


def _roles(entry: Entry, body: MarkedDict, problems: Problems, tenant: str | None) -> list[Binding]:
    out: list[Binding] = []
    for role in ROLES:
        names = body.get(role) or []
        for i, raw in enumerate(names):
            name = str(raw).replace(TENANT_PLACEHOLDER, tenant) if tenant is not None else str(raw)
            try:
                out += role_bindings(role, [name])
            except ValueError as e:
                problems.error(_item_loc(entry, names, i), f"{role}: {e}")
    return out


def _raw(entry: Entry, body: MarkedDict, problems: Problems) -> list[Binding]:
    out = []
    items = body.get("acls") or []
    for i, doc in enumerate(items):
        try:
            out.append(raw_binding(doc))
        except ValueError as e:
            problems.error(_item_loc(entry, items, i), f"acls[{i}]: {e}")
    return out


def _tenant_access(s: Sections, problems: Problems, principals: dict[str, tuple[PrincipalSpec, Location]],
                   quotas: dict[str, tuple[QuotaSpec, Location]]) -> str | None:
    """Adds each member's principal and quota; returns the principal pattern (None when undeclared or invalid)."""
    found = s.tenant_access.get("principal")
    if found is None:
        for key in ("access", "quota"):
            if key in s.tenant_access:
                problems.error(s.tenant_access[key].loc, f"tenants.{key} needs tenants.principal (User:tenant-{{tenant}})")
        return None
    pattern = str(found.value)
    problem = principal_problem(pattern.replace(TENANT_PLACEHOLDER, "t"))
    if pattern.count(TENANT_PLACEHOLDER) != 1 or problem:
        problems.error(found.loc, problem or f"tenants.principal {pattern!r} must contain {TENANT_PLACEHOLDER} exactly once")
        return None
    access, quota = s.tenant_access.get("access"), s.tenant_access.get("quota")
    values = _quota_values(quota, problems) if quota is not None else None
    for tenant, member in s.members.items():
        principal = pattern.replace(TENANT_PLACEHOLDER, tenant)
        bindings = _roles(access, access.value, problems, tenant) if access is not None else []
        _add_once(principals, principal, PrincipalSpec(principal, _sorted(bindings), tenant), member.loc, problems)
        user = user_of(principal)
        if values is not None and user is not None:
            spec = QuotaSpec("user", user, values, tenant)
            _add_once(quotas, spec.entity, spec, member.loc, problems)
    return pattern


def _add_once(into: dict[str, tuple[Any, Location]], key: str, value: Any, loc: Location, problems: Problems) -> None:
    first = into.setdefault(key, (value, loc))
    if first[0] is not value:
        problems.error(loc, f"{key} is defined twice: at {first[1]} and, for this tenant, at {loc}")


def _quota_values(entry: Entry, problems: Problems) -> Mapping[str, float]:
    out: dict[str, float] = {}
    for key, raw in entry.value.items():
        try:
            value = float(units.parse_size_bytes(raw)) if key in BYTE_RATES else float(raw)
        except ValueError as e:
            problems.error(entry.at(entry.value, key), f"{key}: {e}")
            continue
        if value <= 0:
            problems.error(entry.at(entry.value, key), f"{key}: a quota must be positive (remove it for no limit)")
            continue
        out[key] = value
    return MappingProxyType(dict(sorted(out.items())))


def _user(name: str, entry: Entry, problems: Problems, env: Mapping[str, str]) -> UserSpec:
    body: MarkedDict = entry.value
    mechanism = str(body.get("mechanism", DEFAULT_MECHANISM))
    iterations = int(body.get("iterations", DEFAULT_ITERATIONS))
    return UserSpec(name, mechanism, iterations, _password(name, entry, body, problems, env))


def _password(name: str, entry: Entry, body: MarkedDict, problems: Problems, env: Mapping[str, str]) -> str:
    has_env, has_file = "password_env" in body, "password_file" in body
    if has_env == has_file:
        problems.error(entry.loc, f"user {name!r}: set exactly one of password_env (a variable's name) or "
                                  "password_file (a path); a password is never written in the topology")
        return ""
    if has_env:
        var = str(body["password_env"])
        value = env.get(var)
        if not value:
            problems.error(entry.at(body, "password_env"),
                           f"user {name!r}: environment variable {var} is {'empty' if value == '' else 'not set'}")
            return ""
        return value
    path = Path(entry.base) / str(body["password_file"])
    try:
        value = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "it is not UTF-8 text"
        problems.error(entry.at(body, "password_file"), f"user {name!r}: cannot read password_file {path}: {reason}")
        return ""
    if not value:
        problems.error(entry.at(body, "password_file"), f"user {name!r}: password_file {path} is empty")
    return value
