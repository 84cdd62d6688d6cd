"""Positioned documents -> one set of sections, every name defined once across all files.

Rules:
- topics, templates, tenants and subjects merge by name; a name defined in two files is
  an error naming both places (``file:line``). The first definition is kept.
- cluster and defaults merge by key, and their ``configs`` by config key, under the same rule;
  the cluster.owns / protect / ignore_configs lists are concatenated.
- Every entry remembers where it was written, so later errors can point at it.
- Input has passed the JSON Schema, so every section has the shape it declares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kafkactl.model import Location
from kafkactl.topology.files import Document
from kafkactl.topology.marked import MarkedDict
from kafkactl.topology.problems import Problems

LIST_KEYS = ("owns", "protect", "ignore_configs", "owns_principals")
TENANT_ACCESS_KEYS = ("principal", "access", "quota")  # tenants.* settings, each defined once


@dataclass(frozen=True)
class Entry:
    """One named value, with where it was written and the directory its paths are relative to."""

    value: Any
    loc: Location
    base: str

    def at(self, mapping: MarkedDict, key: str) -> Location:
        """Where ``key`` of ``mapping`` (a mapping inside this entry) was written."""
        line, col = mapping.key_pos.get(key, mapping.pos)
        if isinstance(mapping, Layered):
            return Location(mapping.key_file.get(key, mapping.file) if key in mapping.key_pos else mapping.file, line, col)
        return Location(self.loc.file, line, col)


class Layered(MarkedDict):
    """A mapping whose keys come from several files (an environment overlay over the base):
    ``key_file`` names each key's file, ``file`` the mapping's own (its ``pos``), and ``written``
    a value as its file wrote it where the overlay rewrote it (a schema path, made relative to the base)."""

    __slots__ = ("file", "key_file", "written")

    def __init__(self, pos: tuple[int, int], file: str) -> None:
        super().__init__(pos)
        self.file = file
        self.key_file: dict[str, str] = {}
        self.written: dict[str, Any] = {}


@dataclass
class Sections:
    cluster: dict[str, Entry] = field(default_factory=dict)
    cluster_configs: dict[str, Entry] = field(default_factory=dict)
    cluster_lists: dict[str, list[Entry]] = field(default_factory=lambda: {k: [] for k in LIST_KEYS})
    defaults: dict[str, Entry] = field(default_factory=dict)
    default_configs: dict[str, Entry] = field(default_factory=dict)
    topics: dict[str, Entry] = field(default_factory=dict)
    templates: dict[str, Entry] = field(default_factory=dict)
    members: dict[str, Entry] = field(default_factory=dict)
    subjects: dict[str, Entry] = field(default_factory=dict)
    tenant_files: list[str] = field(default_factory=list)
    principals: dict[str, Entry] = field(default_factory=dict)
    users: dict[str, Entry] = field(default_factory=dict)
    quotas: dict[str, dict[str, Entry]] = field(default_factory=lambda: {"users": {}, "clients": {}})
    tenant_access: dict[str, Entry] = field(default_factory=dict)  # tenants.principal / access / quota


def merge(documents: list[Document], problems: Problems) -> Sections:
    sections = Sections()
    for doc in documents:
        _merge_document(sections, doc, problems)
    return sections


def _merge_document(s: Sections, doc: Document, problems: Problems) -> None:
    data = doc.data
    _merge_settings(doc, data.get("cluster"), "cluster", s.cluster, s.cluster_configs, problems, s.cluster_lists)
    _merge_settings(doc, data.get("defaults"), "defaults", s.defaults, s.default_configs, problems)
    _merge_named(doc, data.get("topics"), "topic", s.topics, problems)
    _merge_named(doc, data.get("subjects"), "subject", s.subjects, problems)
    tenants = data.get("tenants") or MarkedDict((0, 0))
    _merge_named(doc, tenants.get("templates"), "template", s.templates, problems)
    if "members" in tenants:
        s.tenant_files.append(doc.file)
        _merge_named(doc, tenants["members"], "tenant", s.members, problems)
    _merge_access(s, doc, tenants, problems)


def _merge_access(s: Sections, doc: Document, tenants: MarkedDict, problems: Problems) -> None:
    data = doc.data
    _merge_named(doc, data.get("principals"), "principal", s.principals, problems)
    _merge_named(doc, data.get("users"), "user", s.users, problems)
    for section, into in s.quotas.items():
        _merge_named(doc, (data.get("quotas") or {}).get(section), f"quota of {section}", into, problems)
    for key in TENANT_ACCESS_KEYS:
        if key in tenants:
            _merge_one(doc, tenants, key, "tenants.", s.tenant_access, problems)


def _merge_settings(
    doc: Document,
    section: MarkedDict | None,
    prefix: str,
    into: dict[str, Entry],
    configs: dict[str, Entry],
    problems: Problems,
    lists: dict[str, list[Entry]] | None = None,
) -> None:
    if not section:
        return
    for key, value in section.items():
        if key == "configs":
            _merge_named(doc, value, f"{prefix}.configs key", configs, problems)
        elif lists is not None and key in lists:
            lists[key].extend(
                Entry(item, Location(doc.file, *value.item_pos[i]), doc.base) for i, item in enumerate(value)
            )
        else:
            _merge_one(doc, section, key, f"{prefix}.", into, problems)


def _merge_named(doc: Document, mapping: MarkedDict | None, what: str, into: dict[str, Entry], problems: Problems) -> None:
    if mapping is None:
        return
    for name in mapping:
        _merge_one(doc, mapping, name, what, into, problems)


def _merge_one(doc: Document, mapping: MarkedDict, key: str, what: str, into: dict[str, Entry], problems: Problems) -> None:
    """``what`` names the kind of thing (``topic``), or with a trailing dot the section (``cluster.``)."""
    loc = doc.at(mapping, key)
    first = into.setdefault(key, Entry(mapping[key], loc, doc.base))
    if first.loc is not loc:
        label = f"{what}{key}" if what.endswith(".") else f"{what} {key!r}"
        problems.error(loc, f"{label} is defined twice: at {first.loc} and at {loc}")
