"""Frozen value types shared by every layer: desired state (``Topology``) and live state (``LiveState``).

Rules:
- Every type here is immutable: frozen dataclasses whose collections are tuples,
  frozensets or read-only mappings (``freeze``). Nothing here does I/O.
- Config values are always Kafka's canonical strings (see ``kafkactl.units``),
  so desired and live values compare with ``==``.
- Internal topics (``__*`` and ``_*``) are never owned, whatever the globs say.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from kafkactl.kinds.acl.spec import Binding, PrincipalSpec
from kafkactl.kinds.quota.spec import QuotaSpec
from kafkactl.kinds.user.spec import LiveUser, UserSpec

SchemaType = Literal["AVRO", "JSON", "PROTOBUF"]
COMPATIBILITY_LEVELS: tuple[str, ...] = (
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
    "NONE",
)
TENANT_PLACEHOLDER = "{tenant}"
EMPTY: Mapping[str, str] = MappingProxyType({})


def _empty() -> Mapping[str, str]:
    return EMPTY


def freeze(items: Mapping[str, str] | Iterable[tuple[str, str]]) -> Mapping[str, str]:
    """A read-only mapping with keys sorted, so iteration order is canonical."""
    pairs = items.items() if isinstance(items, Mapping) else items
    return MappingProxyType(dict(sorted(pairs)))


def is_internal(name: str) -> bool:
    """Kafka's internal topics and the ones we refuse to manage: ``__*`` and ``_*``."""
    return name.startswith("_")


def template_glob(pattern: str) -> str:
    """``chat.messages.{tenant}`` -> ``chat.messages.*``."""
    return pattern.replace(TENANT_PLACEHOLDER, "*")


def matches_any(name: str, globs: Iterable[str]) -> bool:
    # fnmatchcase: globs are case-sensitive like Kafka names.
    return any(fnmatch.fnmatchcase(name, g) for g in globs)


@dataclass(frozen=True)
class Location:
    """Where a value was declared: rendered ``file:line`` (``col`` only for schema errors)."""

    file: str
    line: int
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class TopicSpec:
    """One desired topic after expansion. ``configs`` holds canonical strings, defaults merged in."""

    name: str
    partitions: int
    replication_factor: int
    configs: Mapping[str, str] = field(default_factory=_empty)
    template: str | None = None  # the template pattern it came from, e.g. "chat.messages.{tenant}"
    tenant: str | None = None
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Reference:
    """A schema reference. ``version`` None means "latest" (resolved against the registry at plan time)."""

    name: str
    subject: str
    version: int | None = None


@dataclass(frozen=True)
class SubjectSpec:
    """One desired subject: its schema text (as read from the file), type, level and references."""

    subject: str
    schema_type: SchemaType
    schema: str
    compatibility: str | None = None
    references: tuple[Reference, ...] = ()
    topic: str | None = None  # the topic it belongs to (TOPIC-key / TOPIC-value), if any
    tenant: str | None = None
    schema_path: str | None = field(default=None, compare=False)
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class TemplateInfo:
    """A tenant template's pattern, kept after expansion for ownership and protection."""

    pattern: str
    protect: bool = False

    @property
    def glob(self) -> str:
        return template_glob(self.pattern)

    def tenant_of(self, name: str) -> str | None:
        """The tenant id if ``name`` is this template's topic for some tenant."""
        prefix, _, suffix = self.pattern.partition(TENANT_PLACEHOLDER)
        m = re.fullmatch(re.escape(prefix) + r"(.+)" + re.escape(suffix), name)
        return m.group(1) if m else None


@dataclass(frozen=True)
class ClusterSpec:
    name: str | None = None
    brokers: int = 3
    configs: Mapping[str, str] = field(default_factory=_empty)
    owns: tuple[str, ...] = ()
    protect: tuple[str, ...] = ()
    ignore_configs: tuple[str, ...] = ()
    owns_principals: tuple[str, ...] = ()  # principal globs whose ACLs (and users, quotas) kafkactl manages


@dataclass(frozen=True)
class Topology:
    """The whole desired state. Topics and subjects are keyed by name, sorted."""

    cluster: ClusterSpec = field(default_factory=ClusterSpec)
    topics: Mapping[str, TopicSpec] = field(default_factory=lambda: MappingProxyType({}))
    subjects: Mapping[str, SubjectSpec] = field(default_factory=lambda: MappingProxyType({}))
    templates: tuple[TemplateInfo, ...] = ()
    tenants: tuple[str, ...] = ()
    default_compatibility: str | None = None
    tenant_files: tuple[str, ...] = ()  # files that hold tenants.members (for `tenant add`)
    principals: Mapping[str, PrincipalSpec] = field(default_factory=lambda: MappingProxyType({}))
    tenant_principal: str | None = None  # tenants.principal, e.g. "User:tenant-{tenant}"
    users: Mapping[str, UserSpec] = field(default_factory=lambda: MappingProxyType({}))
    quotas: Mapping[str, QuotaSpec] = field(default_factory=lambda: MappingProxyType({}))  # by entity name
    tenant_quota: bool = False  # tenants.quota is declared: the quota of every tenant's user is owned

    def owns_principal(self, principal: str) -> bool:
        """Declared, a tenant's (any id, so removed tenants too), or matching ``cluster.owns_principals``."""
        return (
            principal in self.principals
            or (self.tenant_principal is not None and fnmatch.fnmatchcase(principal, template_glob(self.tenant_principal)))
            or matches_any(principal, self.cluster.owns_principals)
        )

    def owns_user(self, name: str) -> bool:
        """A SCRAM user is owned when declared, or when ``User:NAME`` matches ``cluster.owns_principals``
        (tenant principals do not make their users owned: tenants declare no users)."""
        return name in self.users or matches_any(f"User:{name}", self.cluster.owns_principals)

    def owns_quota(self, entity_type: str, name: str | None) -> bool:
        """Declared quotas, the user quotas of owned users, and of every tenant's user when tenants.quota is set."""
        if any(q.entity_type == entity_type and q.name == name for q in self.quotas.values()):
            return True
        if entity_type != "user" or name is None:
            return False
        tenant_user = self.tenant_quota and self.tenant_of_principal(f"User:{name}") is not None
        return tenant_user or self.owns_user(name)

    def tenant_of_principal(self, principal: str) -> str | None:
        if self.tenant_principal is None:
            return None
        return TemplateInfo(self.tenant_principal).tenant_of(principal)

    @property
    def manages_acls(self) -> bool:
        return bool(self.principals or self.tenant_principal or self.cluster.owns_principals)

    def owns_topic(self, name: str) -> bool:
        """Declared, matching a template, or matching ``cluster.owns``; never internal."""
        if is_internal(name):
            return False
        return (
            name in self.topics
            or matches_any(name, (t.glob for t in self.templates))
            or matches_any(name, self.cluster.owns)
        )

    def owns_subject(self, subject: str) -> bool:
        """Declared, a ``-key``/``-value`` subject of an owned topic, or matching ``cluster.owns``."""
        if subject in self.subjects or matches_any(subject, self.cluster.owns):
            return True
        for suffix in ("-key", "-value"):
            if subject.endswith(suffix) and self.owns_topic(subject[: -len(suffix)]):
                return True
        return False

    def is_protected(self, name: str) -> bool:
        """Matches ``cluster.protect``, or a template marked ``protect: true`` (even for removed tenants)."""
        if matches_any(name, self.cluster.protect):
            return True
        return any(t.protect and fnmatch.fnmatchcase(name, t.glob) for t in self.templates)

    def tenant_of(self, name: str) -> str | None:
        for t in self.templates:
            tenant = t.tenant_of(name)
            if tenant is not None:
                return tenant
        return None


@dataclass(frozen=True)
class ProfileValue:
    """One setting of an environment's connection profile, as written (``${VAR}`` unexpanded)."""

    text: str
    location: Location
    base: str = "."  # the directory of the file that wrote it (relative client_config paths)


@dataclass(frozen=True)
class ConnectionProfile:
    """An environment overlay's ``connection:`` block (CONTRACT section 8).

    Rule: values keep their ``${VAR}`` references until a command connects, so a value that a
    flag or KAFKACTL_* variable overrides never needs its variable set, and no secret is held here.
    """

    environment: str
    bootstrap_servers: ProfileValue | None = None
    schema_registry_url: ProfileValue | None = None
    client_config: ProfileValue | None = None


@dataclass(frozen=True)
class LiveTopic:
    """A live topic. ``configs`` holds only DYNAMIC_TOPIC_CONFIG entries; ``sensitive`` names sensitive keys."""

    name: str
    partitions: int
    replication_factor: int
    configs: Mapping[str, str] = field(default_factory=_empty)
    sensitive: frozenset[str] = frozenset()
    replicas: tuple[tuple[int, ...], ...] = ()  # per partition, in partition order; the first is the preferred leader


@dataclass(frozen=True)
class Reassigning:
    """A topic whose partition reassignment is still running: ``done`` of ``total`` partitions moved.

    ``total`` counts the partitions its replication throttles name (kafkactl throttles every
    partition it moves), so progress needs no stored state."""

    done: int
    total: int


@dataclass(frozen=True)
class Replication:
    """What a replication-factor change needs besides the topics: racks, running reassignments, throttles."""

    racks: Mapping[int, str | None] = field(default_factory=lambda: MappingProxyType({}))  # broker id -> broker.rack
    reassigning: Mapping[str, Reassigning] = field(default_factory=lambda: MappingProxyType({}))  # in-scope topics
    moving_partitions: int = 0  # partitions being reassigned anywhere in the cluster (any topic, any tool)
    broker_throttles: Mapping[int, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    read: bool = False  # False: reassignments were not listed (nothing in scope needed it)


@dataclass(frozen=True, order=True)
class Referrer:
    """A version of a subject that references another subject; ``deleted`` when it is soft-deleted."""

    subject: str
    version: int
    deleted: bool = False


@dataclass(frozen=True)
class LiveSubject:
    subject: str
    schema_type: SchemaType
    schema: str
    schema_id: int
    version: int
    references: tuple[Reference, ...] = ()
    compatibility: str | None = None  # the subject-level setting, None when it inherits the global level


@dataclass(frozen=True)
class LiveState:
    """What the reader saw, restricted to what the topology owns (plus what diff needs to check it).

    ``topic_config_keys`` and ``broker_config_keys`` are every key the live broker
    reports, used to refuse unknown keys; ``read_only_broker_keys`` those it
    refuses to change dynamically.
    """

    cluster_id: str
    broker_count: int
    topics: Mapping[str, LiveTopic] = field(default_factory=lambda: MappingProxyType({}))
    cluster_configs: Mapping[str, str] = field(default_factory=_empty)  # DYNAMIC_DEFAULT_BROKER_CONFIG only
    cluster_sensitive: frozenset[str] = frozenset()
    topic_config_keys: frozenset[str] = frozenset()
    broker_config_keys: frozenset[str] = frozenset()
    read_only_broker_keys: frozenset[str] = frozenset()
    subjects: Mapping[str, LiveSubject] = field(default_factory=lambda: MappingProxyType({}))
    subject_compatibility: Mapping[str, str] = field(default_factory=_empty)  # subject -> level, only where set on the subject
    global_compatibility: str | None = None
    # subject -> the version the *desired* schema matches (registry lookup with normalize=true);
    # absent when the desired text is not registered under the subject at all.
    schema_matches: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    registry_read: bool = False  # False when the topology declares no subjects and none were read
    registry_warning: str | None = None  # why an optional registry read failed (then registry_read is False)
    # subject -> its latest live version, for every subject a desired schema references
    # (owned or not): resolves ``version: latest`` references at plan time.
    reference_versions: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    # subject -> the versions of other subjects that reference one of its versions, soft-deleted
    # ones included; read only for the owned subjects a plan may delete (the registry refuses
    # to delete a subject while any version references it).
    subject_referrers: Mapping[str, tuple[Referrer, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # Access kinds, read only when the topology manages them (``read`` names the kinds read):
    acls: Mapping[str, tuple[Binding, ...]] = field(default_factory=lambda: MappingProxyType({}))  # owned principals
    users: Mapping[str, LiveUser] = field(default_factory=lambda: MappingProxyType({}))  # owned users
    password_mismatch: frozenset[str] = frozenset()  # declared users whose password failed a SASL handshake
    password_warning: str | None = None  # why passwords could not be checked
    quotas: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: MappingProxyType({}))  # owned entities
    read: frozenset[str] = frozenset()
    replication: Replication = field(default_factory=Replication)


@dataclass(frozen=True)
class Outcome:
    """The result of one resource in a batched write: ``error`` None means success."""

    name: str
    error: str | None = None
