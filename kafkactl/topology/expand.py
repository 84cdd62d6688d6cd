"""Merged sections -> the frozen Topology: defaults, templates x members, DLQs, subjects.

Rules:
- A topic's configs are ``defaults.configs`` ∪ its own (a tenant override's on top of its
  template's), as canonical strings; an unparsable value is an error at its key.
- partitions / replication_factor / compatibility / schemas: the override's, else the
  template's or topic's, else ``defaults``; a missing partitions or replication_factor is an error.
- ``dlq`` adds ``NAME.dlq``: the parent's partitions and replication factor and
  ``defaults.configs``, each overridable in the dlq mapping; a DLQ has no subjects.
- ``key_schema`` / ``value_schema`` give subjects ``NAME-key`` / ``NAME-value``; an explicit
  subject named like that is attached to the topic.
- A topic or subject name produced twice is an error naming both places.
- Work per template is done once, not per tenant: each tenant costs a few inserts.
- Explicit topics cost little each too (100,000 of them are a common shape): a config
  value is parsed once per distinct (key, value), a location is made only for an error,
  and topics with the same effective configs share one read-only mapping.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from kafkactl import units
from kafkactl.model import (
    TENANT_PLACEHOLDER,
    ClusterSpec,
    Location,
    Reference,
    TemplateInfo,
    TopicSpec,
    Topology,
    freeze,
)
from kafkactl.topology.access import expand_access
from kafkactl.topology.marked import MarkedDict
from kafkactl.topology.merge import Entry, Sections
from kafkactl.topology.problems import Problems
from kafkactl.topology.schemas import EXTENSION_TYPES, SchemaBook, SchemaSource, SubjectDraft

_EMPTY = MarkedDict((0, 0))
_MEMO_TYPES = (str, int, float, bool)  # config values whose canonical string is memoised
_SUBJECT_FIELDS = (("key_schema", "key"), ("value_schema", "value"))
SubjectSources = list[tuple[str, "SchemaSource", str | None]]  # (key|value, source, compatibility)


@dataclass(frozen=True)
class Body:
    """One mapping of topic fields (a topic, template, override or dlq) and where it lives."""

    data: MarkedDict
    entry: Entry

    def at(self, key: str) -> Location:
        return self.entry.at(self.data, key)


@dataclass(frozen=True)
class Shape:
    """A topic's effective numbers and configs, computed once per place that declares them."""

    partitions: int
    replication_factor: int
    configs: Mapping[str, str]
    loc: Location
    label: str


TenantPlan = tuple[Shape, Shape | None, SubjectSources]  # what every tenant of one template (or override) gets


@dataclass(frozen=True)
class Expansion:
    topology: Topology
    shapes: tuple[Shape, ...]  # one per declaring place, for the replication checks


def expand(sections: Sections, problems: Problems) -> Expansion:
    return _Expander(sections, problems).run()


def configs_of(entries: Mapping[str, Entry], problems: Problems) -> dict[str, str]:
    """Canonical strings of config entries; each unparsable value is an error at its key."""
    out = {}
    for key, entry in entries.items():
        try:
            out[key] = units.canonical(key, entry.value)
        except ValueError as e:
            problems.error(entry.loc, f"{key}: {e}")
    return out


class _Expander:
    def __init__(self, sections: Sections, problems: Problems) -> None:
        self.s = sections
        self.problems = problems
        self.topics: dict[str, TopicSpec] = {}
        self.drafts: dict[str, SubjectDraft] = {}
        self.shapes: list[Shape] = []
        self._configs: dict[int, dict[str, str]] = {}  # id(configs mapping) -> canonical
        self._canonical: dict[tuple[str, type, object], str] = {}  # (key, type, value) -> canonical
        self._frozen: dict[tuple[tuple[str, str], ...], Mapping[str, str]] = {}  # sorted items -> one mapping
        self._sources: dict[tuple[str, str], SchemaSource] = {}
        self.default_configs = configs_of(sections.default_configs, problems)
        compatibility = sections.defaults.get("compatibility")
        self.default_compatibility: str | None = compatibility.value if compatibility else None

    def run(self) -> Expansion:
        for name, entry in self.s.topics.items():
            self._declared(name, entry)
        for pattern, entry in self.s.templates.items():
            if pattern.count(TENANT_PLACEHOLDER) == 1:  # check reports the others
                self._template(pattern, entry)
        for name, entry in self.s.subjects.items():
            self._explicit_subject(name, entry)
        subjects = SchemaBook(self.drafts, self.problems).subjects()
        access = expand_access(self.s, self.problems)
        topology = Topology(
            cluster=self._cluster(),
            topics=_sorted(self.topics),
            subjects=_sorted(subjects),
            templates=tuple(
                TemplateInfo(p, protect=bool(e.value.get("protect"))) for p, e in sorted(self.s.templates.items())
            ),
            tenants=tuple(sorted(self.s.members)),
            default_compatibility=self.default_compatibility,
            tenant_files=tuple(sorted(set(self.s.tenant_files))),
            principals=access.principals,
            tenant_principal=access.tenant_principal,
            users=access.users,
            quotas=access.quotas,
            tenant_quota=access.tenant_quota,
        )
        return Expansion(topology, tuple(self.shapes))

    def _declared(self, name: str, entry: Entry) -> None:
        bodies = [Body(entry.value, entry)]
        shape = self._shape(bodies, f"topic {name!r}", entry.loc)
        self._add_topic(TopicSpec(name, shape.partitions, shape.replication_factor, shape.configs, location=entry.loc))
        dlq = self._dlq_shape(bodies, shape, f"DLQ of {name!r}")
        if dlq is not None:
            self._add_topic(TopicSpec(f"{name}.dlq", dlq.partitions, dlq.replication_factor, dlq.configs,
                                      location=dlq.loc))
        for suffix, source, compatibility in self._subject_sources(bodies):
            self._add_draft(SubjectDraft(f"{name}-{suffix}", source, compatibility, topic=name))

    def _template(self, pattern: str, entry: Entry) -> None:
        template = Body(entry.value, entry)
        base = self._tenant_plan([template], f"template {pattern!r}", entry.loc)
        for tenant, member in self.s.members.items():
            override = member.value.get(pattern) if isinstance(member.value, MarkedDict) else None
            plan = base
            if override is not None:
                label = f"template {pattern!r} for tenant {tenant!r}"
                plan = self._tenant_plan([Body(override, member), template], label, member.at(member.value, pattern))
            self._tenant_topics(pattern, tenant, plan, entry.loc)

    def _tenant_plan(self, bodies: list[Body], label: str, loc: Location) -> TenantPlan:
        shape = self._shape(bodies, label, loc)
        return shape, self._dlq_shape(bodies, shape, f"DLQ of {label}"), self._subject_sources(bodies)

    def _tenant_topics(self, pattern: str, tenant: str, plan: TenantPlan, loc: Location) -> None:
        shape, dlq, sources = plan
        name = pattern.replace(TENANT_PLACEHOLDER, tenant)
        self._add_topic(TopicSpec(name, shape.partitions, shape.replication_factor, shape.configs,
                                  template=pattern, tenant=tenant, location=loc))
        if dlq is not None:
            self._add_topic(TopicSpec(f"{name}.dlq", dlq.partitions, dlq.replication_factor, dlq.configs,
                                      template=pattern, tenant=tenant, location=loc))
        for suffix, source, compatibility in sources:
            self._add_draft(SubjectDraft(f"{name}-{suffix}", source, compatibility, name, tenant))

    def _shape(self, bodies: Sequence[Body], label: str, loc: Location) -> Shape:
        configs = dict(self.default_configs)
        for body in reversed(bodies):
            configs.update(self._configs_of(body))
        shape = Shape(
            partitions=self._number(bodies, "partitions", label, loc),
            replication_factor=self._number(bodies, "replication_factor", label, loc),
            configs=self._freeze(configs), loc=loc, label=label,
        )
        self.shapes.append(shape)
        return shape

    def _dlq_shape(self, bodies: Sequence[Body], parent: Shape, label: str) -> Shape | None:
        found = _first(bodies, "dlq")
        if found is None or found[0] is False:
            return None
        value, holder = found
        body = Body(value if isinstance(value, MarkedDict) else _EMPTY, holder.entry)
        shape = Shape(
            partitions=int(body.data.get("partitions", parent.partitions)),
            replication_factor=int(body.data.get("replication_factor", parent.replication_factor)),
            configs=self._freeze({**self.default_configs, **self._configs_of(body)}),
            loc=holder.at("dlq"), label=label,
        )
        self.shapes.append(shape)
        return shape

    def _configs_of(self, body: Body) -> dict[str, str]:
        mapping = body.data.get("configs")
        if not mapping:
            return {}
        found = self._configs.get(id(mapping))
        if found is None:
            found = self._configs[id(mapping)] = {}
            for key, value in mapping.items():
                try:
                    found[key] = self._canonical_of(key, value)
                except ValueError as e:
                    self.problems.error(body.entry.at(mapping, key), f"{key}: {e}")
        return found

    def _canonical_of(self, key: str, value: Any) -> str:
        if type(value) not in _MEMO_TYPES:
            return units.canonical(key, value)
        memo = (key, type(value), value)
        found = self._canonical.get(memo)
        if found is None:
            found = self._canonical[memo] = units.canonical(key, value)
        return found

    def _freeze(self, configs: dict[str, str]) -> Mapping[str, str]:
        items = tuple(sorted(configs.items()))
        found = self._frozen.get(items)
        if found is None:
            found = self._frozen[items] = freeze(items)
        return found

    def _number(self, bodies: Sequence[Body], key: str, label: str, loc: Location) -> int:
        found = _first(bodies, key)
        if found is not None:
            return int(found[0])
        default = self.s.defaults.get(key)
        if default is not None:
            return int(default.value)
        self.problems.error(loc, f"{label} has no {key}: set it there or in defaults.{key}")
        return 1

    def _subject_sources(self, bodies: Sequence[Body]) -> SubjectSources:
        found = _first(bodies, "compatibility")
        compatibility = found[0] if found else self.default_compatibility
        sources: SubjectSources = []
        for key, suffix in _SUBJECT_FIELDS:
            hit = _first(bodies, key)
            if hit is not None:
                source = self._source(hit[1], key)
                if source is not None:
                    sources.append((suffix, source, compatibility))
        return sources

    def _source(
        self, body: Body, key: str, schema_type: Any = None, refs: tuple[Reference, ...] | None = None, own: bool = False
    ) -> SchemaSource | None:
        """The schema named by ``body[key]``: shared per file and type (checked once), or ``own``."""
        path = os.path.normpath(os.path.join(body.entry.base, str(body.data[key])))
        kind = schema_type or EXTENSION_TYPES.get(os.path.splitext(path)[1].lower())
        loc = body.at(key)
        if kind is None:
            self.problems.error(loc, f"cannot tell the schema type of {path} from its extension: use "
                                     f".avsc, .json or .proto, or declare it under subjects: with a type")
            return None
        if own:
            return SchemaSource(path, kind, refs, loc)
        return self._sources.setdefault((path, kind), SchemaSource(path, kind, None, loc))

    def _explicit_subject(self, name: str, entry: Entry) -> None:
        body = Body(entry.value, entry)
        refs = _references(entry.value.get("references"))
        source = self._source(body, "schema", entry.value.get("type"), refs, own=True)
        if source is None:
            return
        topic = _topic_of_subject(name, self.topics)
        compatibility = entry.value.get("compatibility", self.default_compatibility)
        self._add_draft(SubjectDraft(name, source, compatibility, topic=topic,
                                     tenant=self.topics[topic].tenant if topic else None, explicit=True))

    def _add_topic(self, spec: TopicSpec) -> None:
        first = self.topics.setdefault(spec.name, spec)
        if first is not spec:
            here, there = origin(spec, self.s), origin(first, self.s)
            self.problems.error(here, f"topic {spec.name!r} is produced twice: at {there} and at {here}")

    def _add_draft(self, draft: SubjectDraft) -> None:
        first = self.drafts.setdefault(draft.subject, draft)
        if first is not draft:
            self.problems.error(draft.source.loc, f"subject {draft.subject!r} is defined twice: "
                                                  f"at {first.source.loc} and at {draft.source.loc}")

    def _cluster(self) -> ClusterSpec:
        c, lists = self.s.cluster, self.s.cluster_lists
        return ClusterSpec(
            name=c["name"].value if "name" in c else None,
            brokers=int(c["brokers"].value) if "brokers" in c else ClusterSpec.brokers,
            configs=freeze(configs_of(self.s.cluster_configs, self.problems)),
            owns=_unique(lists["owns"]),
            protect=_unique(lists["protect"]),
            ignore_configs=_unique(lists["ignore_configs"]),
            owns_principals=_unique(lists["owns_principals"]),
        )


def origin(spec: TopicSpec, sections: Sections) -> Location | None:
    """Where a topic's name comes from: its tenant's line for template topics, else its declaration."""
    return sections.members[spec.tenant].loc if spec.tenant is not None else spec.location


def _sorted(items: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType({key: items[key] for key in sorted(items)})


def _unique(entries: list[Entry]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(e.value) for e in entries))


def _first(bodies: Sequence[Body], key: str) -> tuple[Any, Body] | None:
    """The first body (override, then template or topic) that sets ``key``, with its value."""
    for body in bodies:
        if key in body.data:
            return body.data[key], body
    return None


def _references(items: list[Any] | None) -> tuple[Reference, ...] | None:
    if items is None:
        return None
    return tuple(
        Reference(str(i["name"]), str(i["subject"]), None if i.get("version", "latest") == "latest" else int(i["version"]))
        for i in items
    )


def _topic_of_subject(subject: str, topics: Mapping[str, TopicSpec]) -> str | None:
    for suffix in ("-key", "-value"):
        if subject.endswith(suffix) and subject[: -len(suffix)] in topics:
            return subject[: -len(suffix)]
    return None
