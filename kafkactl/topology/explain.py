"""Which file set each value: the merged sections (after an overlay) -> one ``Source`` per value.

Rules:
- One source per value a file writes (a scalar or a list), by its JSON path, with the
  ``file:line`` of the key that set it: the base file's, or the overlay's where it overrode it;
  the value is shown as that file wrote it (an overlay's schema path relative to the overlay).
- A tenant member is listed itself (``tenants.members.acme``), then each override value.
- Values come in the order the sections are declared, names sorted; nothing is computed here
  that expand does (defaults inherited by a topic are shown by ``kafkactl show``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kafkactl.model import Location
from kafkactl.topology.marked import MarkedDict
from kafkactl.topology.merge import Entry, Layered, Sections
from kafkactl.topology.structure import json_path

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Source:
    path: str
    value: Any
    location: Location


def sources(sections: Sections) -> list[Source]:
    return [Source(json_path(path), value, loc) for path, value, loc in _walk_sections(sections)]


def _walk_sections(s: Sections) -> Iterator[tuple[Path, Any, Location]]:
    yield from _settings(("cluster",), s.cluster, s.cluster_configs)
    for key, entries in s.cluster_lists.items():
        for index, entry in enumerate(entries):
            yield ("cluster", key, index), entry.value, entry.loc
    yield from _settings(("defaults",), s.defaults, s.default_configs)
    yield from _named(("topics",), s.topics)
    yield from _named(("tenants", "templates"), s.templates)
    for tenant in sorted(s.members):
        member = s.members[tenant]
        yield ("tenants", "members", tenant), None, member.loc
        if isinstance(member.value, MarkedDict):
            yield from _mapping(("tenants", "members", tenant), member, member.value)
    yield from _named(("subjects",), s.subjects)
    for section in ("principals", "users"):  # access sections, where this kafkactl has them
        named = getattr(s, section, None)
        if isinstance(named, dict):
            yield from _named((section,), named)


def _settings(prefix: Path, entries: dict[str, Entry], configs: dict[str, Entry]) -> Iterator[tuple[Path, Any, Location]]:
    for key, entry in entries.items():
        yield (*prefix, key), entry.value, entry.loc
    for key in sorted(configs):
        yield (*prefix, "configs", key), configs[key].value, configs[key].loc


def _named(prefix: Path, entries: dict[str, Entry]) -> Iterator[tuple[Path, Any, Location]]:
    for name in sorted(entries):
        entry = entries[name]
        if isinstance(entry.value, MarkedDict):
            yield from _mapping((*prefix, name), entry, entry.value)
        else:
            yield (*prefix, name), entry.value, entry.loc


def _mapping(prefix: Path, entry: Entry, mapping: MarkedDict) -> Iterator[tuple[Path, Any, Location]]:
    for key, value in mapping.items():
        if isinstance(value, MarkedDict) and value:
            yield from _mapping((*prefix, key), entry, value)
        else:
            shown = mapping.written.get(key, value) if isinstance(mapping, Layered) else value
            yield (*prefix, key), shown, entry.at(mapping, key)
