"""``--target PATTERN``: restrict a plan to some resources. Pure: no I/O.

A pattern is either a name glob (``chat.events*``), matched case-sensitively
against the change's name (topic, subject, or the cluster's name for cluster
configs), or ``tenant:ID``, which selects everything of one tenant:
- the topics its templates make for it (``chat.messages.acme``), declared or
  still live after the tenant was removed from the members;
- their DLQ companions (``chat.messages.acme.dlq``);
- their subjects (``chat.messages.acme-value``) and subjects declared for the tenant.

Rules:
- No patterns means no restriction: every function here is then the identity,
  so an untargeted plan is exactly the plan without this module.
- A targeted plan reads only the targeted topics from Kafka, and fingerprints
  only what it targets: the topology and the live state are narrowed *before*
  the diff, so the diff cannot plan, nor the fingerprint cover, anything outside
  the targets (references of targeted subjects stay, as the diff resolves them).
  ``restrict`` filters the changes once more: scoping never rests on one guard.
- Cluster configs are in a targeted plan only when a glob matches the cluster's
  name (``cluster.name``, or ``cluster`` when it has none).
- Access kinds (``kafkactl.kinds``) match by change name (principal, user, quota entity), and
  ``tenant:ID`` selects the tenant's principal and its user's quota.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TypeVar

from kafkactl.errors import UsageError
from kafkactl.kinds.registry import BY_KIND
from kafkactl.model import EMPTY, LiveState, Topology
from kafkactl.plan import Change, Plan

TENANT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
TENANT_PREFIX = "tenant:"
DLQ_SUFFIX = ".dlq"
SUBJECT_SUFFIXES = ("-key", "-value")
DEFAULT_CLUSTER_NAME = "cluster"  # the change name of cluster configs when cluster.name is unset (see diff)
V = TypeVar("V")


def check_tenant_id(tenant: str) -> str:
    """The id itself, or a UsageError naming the rule (CONTRACT section 1)."""
    if not TENANT_ID.fullmatch(tenant):
        raise UsageError(
            f"invalid tenant id {tenant!r}",
            hint="a tenant id is 1-63 characters: lower-case letters, digits and '-', not starting with '-'",
        )
    return tenant


def cluster_change_name(topology: Topology) -> str:
    return topology.cluster.name or DEFAULT_CLUSTER_NAME


def topic_tenant(name: str, topology: Topology) -> str | None:
    """The tenant a topic belongs to: declared, a template instance, or the DLQ of one."""
    spec = topology.topics.get(name)
    if spec is not None and spec.tenant is not None:
        return spec.tenant
    if name.endswith(DLQ_SUFFIX):
        owner = topic_tenant(name[: -len(DLQ_SUFFIX)], topology)
        if owner is not None:
            return owner
    tenant = topology.tenant_of(name)
    # A template's regex also matches "acme.dlq"; only a valid id is a tenant.
    return tenant if tenant is not None and TENANT_ID.fullmatch(tenant) else None


def subject_topic(subject: str) -> str | None:
    """``chat.events-value`` -> ``chat.events`` (TopicNameStrategy); None for other subjects."""
    for suffix in SUBJECT_SUFFIXES:
        if subject.endswith(suffix):
            return subject[: -len(suffix)]
    return None


def subject_tenant(subject: str, topology: Topology) -> str | None:
    spec = topology.subjects.get(subject)
    if spec is not None and spec.tenant is not None:
        return spec.tenant
    topic = (spec.topic if spec is not None else None) or subject_topic(subject)
    return topic_tenant(topic, topology) if topic is not None else None


@dataclass(frozen=True)
class Targets:
    """Parsed ``--target`` patterns. ``patterns`` keeps them as given, for ``Plan.targets``."""

    patterns: tuple[str, ...] = ()
    globs: tuple[str, ...] = ()
    tenants: frozenset[str] = frozenset()

    @staticmethod
    def parse(patterns: Iterable[str]) -> Targets:
        given = tuple(dict.fromkeys(patterns))  # de-duplicated, order kept
        globs: list[str] = []
        tenants: set[str] = set()
        for p in given:
            if p.startswith(TENANT_PREFIX):
                tenants.add(check_tenant_id(p[len(TENANT_PREFIX) :]))
            elif p.strip():
                globs.append(p)
            else:
                raise UsageError("--target needs a name glob or tenant:ID, not an empty string")
        return Targets(given, tuple(globs), frozenset(tenants))

    @property
    def active(self) -> bool:
        return bool(self.patterns)

    def _name(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, g) for g in self.globs)

    def topic(self, name: str, topology: Topology) -> bool:
        if not self.active:
            return True
        return self._name(name) or (bool(self.tenants) and topic_tenant(name, topology) in self.tenants)

    def subject(self, subject: str, topology: Topology) -> bool:
        if not self.active:
            return True
        return self._name(subject) or (bool(self.tenants) and subject_tenant(subject, topology) in self.tenants)

    def cluster(self, topology: Topology) -> bool:
        return not self.active or self._name(cluster_change_name(topology))

    def change(self, change: Change, topology: Topology) -> bool:
        if change.kind == "topic":
            return self.topic(change.name, topology)
        if change.kind == "subject":
            return self.subject(change.name, topology)
        if change.kind in BY_KIND:
            return self.access(change.kind, change.name, topology)
        return self.cluster(topology)

    def access(self, kind: str, name: str, topology: Topology) -> bool:
        if not self.active:
            return True
        return self._name(name) or (bool(self.tenants) and BY_KIND[kind].tenant_of(name, topology) in self.tenants)

    def topic_filter(self, topology: Topology) -> Callable[[str], bool] | None:
        """The reader's scope: owned and targeted topics; None (the reader's default) when untargeted."""
        if not self.active:
            return None
        return lambda name: topology.owns_topic(name) and self.topic(name, topology)

    def narrow(self, topology: Topology) -> Topology:
        """The topology with only the targeted topics, subjects and (maybe) cluster configs declared."""
        if not self.active:
            return topology
        cluster = topology.cluster if self.cluster(topology) else replace(topology.cluster, configs=EMPTY)
        return replace(
            topology,
            cluster=cluster,
            topics=_only(topology.topics, lambda n: self.topic(n, topology)),
            subjects=_only(topology.subjects, lambda s: self.subject(s, topology)),
            principals=_only(topology.principals, lambda p: self.access("acl", p, topology)),
            users=_only(topology.users, lambda u: self.access("user", u, topology)),
            quotas=_only(topology.quotas, lambda q: self.access("quota", q, topology)),
        )

    def narrow_live(self, live: LiveState, topology: Topology) -> LiveState:
        """The live state restricted the same way, so the fingerprint covers only what the plan reads."""
        if not self.active:
            return live
        keep_subject: Callable[[str], bool] = lambda s: self.subject(s, topology)  # noqa: E731
        referenced = {r.subject for spec in topology.subjects.values() if keep_subject(spec.subject)
                      for r in spec.references}
        return replace(
            live,
            topics=_only(live.topics, lambda n: self.topic(n, topology)),
            cluster_configs=live.cluster_configs if self.cluster(topology) else EMPTY,
            subjects=_only(live.subjects, keep_subject),
            subject_compatibility=_only(live.subject_compatibility, keep_subject),
            schema_matches=_only(live.schema_matches, keep_subject),
            reference_versions=_only(live.reference_versions, lambda s: s in referenced),
            acls=_only(live.acls, lambda p: self.access("acl", p, topology)),
            users=_only(live.users, lambda u: self.access("user", u, topology)),
            quotas=_only(live.quotas, lambda q: self.access("quota", q, topology)),
            # Brokers' throttle rates are cluster-level: cleaned up only when the cluster is targeted.
            replication=replace(live.replication,
                                reassigning=_only(live.replication.reassigning, lambda n: self.topic(n, topology)),
                                broker_throttles=live.replication.broker_throttles if self.cluster(topology)
                                else MappingProxyType({})),
        )

    def unmatched(self, topology: Topology, live: LiveState) -> tuple[str, ...]:
        """Patterns that select nothing declared or live: most likely a typo, worth a warning.

        Linear in the names: each name's tenant is worked out once, not once per pattern.
        """
        topics, subjects = {*topology.topics, *live.topics}, {*topology.subjects, *live.subjects}
        tenants = {topic_tenant(n, topology) for n in topics} | {subject_tenant(n, topology) for n in subjects}
        names = [cluster_change_name(topology), *topics, *subjects, *topology.principals, *live.acls,
                 *topology.users, *live.users, *topology.quotas, *live.quotas]
        return tuple(
            p for p in self.patterns
            if (p[len(TENANT_PREFIX):] not in tenants if p.startswith(TENANT_PREFIX)
                else not any(fnmatch.fnmatchcase(n, p) for n in names))
        )

    def restrict(self, plan: Plan, topology: Topology, live: LiveState) -> Plan:
        """Only targeted changes, with the patterns recorded so ``apply --plan`` re-plans the same scope,
        and a warning for each pattern that matches nothing."""
        if not self.active:
            return plan
        changes = tuple(c for c in plan.changes if self.change(c, topology))
        warnings = tuple(f"--target {p} matches nothing in the topology or on the cluster"
                         for p in self.unmatched(topology, live))
        return replace(plan, changes=changes, targets=self.patterns, warnings=plan.warnings + warnings)


def _only(items: Mapping[str, V], keep: Callable[[str], bool]) -> Mapping[str, V]:
    return MappingProxyType({k: v for k, v in items.items() if keep(k)})
