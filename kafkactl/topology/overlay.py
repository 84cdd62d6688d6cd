"""An environment overlay over the merged base sections -> that environment's sections.

Rules (CONTRACT section 8):
- The base is never changed: the overlay yields new ``Sections`` that share every entry it
  does not touch, so one parsed base serves every environment.
- ``cluster`` and ``defaults`` keys replace the base's; their ``configs`` merge by key; the
  cluster lists (owns, protect, ignore_configs) are replaced as a whole.
- A topic, template or subject the overlay names must exist in the base (else an error at
  the overlay's line, with the nearest name); its fields override the base's, mappings
  (configs, dlq) merging by key. Schema paths stay relative to the file that wrote them.
- ``tenants.members`` is either a full mapping (the environment's member list: a member the
  base has keeps its base overrides, under the overlay's) or ``{add: [...], remove: [...]}``:
  adding a member, or removing a non-member, twice, or both, is an error at its line.
- Every value keeps the file and line that set it (``Layered``), so later errors and
  ``validate --explain`` point at the overlay or the base, whichever wrote it.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import replace
from typing import Any

from kafkactl.model import Location
from kafkactl.topology.files import Document
from kafkactl.topology.marked import MarkedDict, MarkedList
from kafkactl.topology.merge import LIST_KEYS, Entry, Layered, Sections
from kafkactl.topology.problems import Problems

PATH_KEYS = frozenset({"key_schema", "value_schema", "schema"})
EDIT_KEYS = ("add", "remove")
TENANT_KEYS = ("templates", "members")


def is_member_edit(members: Any) -> bool:
    """``{add: [...], remove: [...]}`` rather than a full mapping (a member's value is never a list)."""
    return isinstance(members, dict) and any(isinstance(members.get(k), list) for k in EDIT_KEYS)


def apply_overlay(base: Sections, doc: Document, problems: Problems) -> Sections:
    """``base`` with ``doc`` (an overlay that passed the overlay schema) laid over it."""
    s = replace(
        base,
        cluster=dict(base.cluster), cluster_configs=dict(base.cluster_configs),
        cluster_lists={k: list(v) for k, v in base.cluster_lists.items()},
        defaults=dict(base.defaults), default_configs=dict(base.default_configs),
        topics=dict(base.topics), templates=dict(base.templates), members=dict(base.members),
        subjects=dict(base.subjects),
    )
    data = doc.data
    _settings(doc, data.get("cluster"), s.cluster, s.cluster_configs, s.cluster_lists)
    _settings(doc, data.get("defaults"), s.defaults, s.default_configs, None)
    _named(doc, data.get("topics"), "topic", s.topics, problems)
    _named(doc, data.get("subjects"), "subject", s.subjects, problems)
    tenants = data.get("tenants") or MarkedDict((0, 0))
    _named(doc, tenants.get("templates"), "template", s.templates, problems)
    _access(s, doc, tenants, problems)
    if "members" in tenants:
        members = tenants["members"]
        if is_member_edit(members):
            s.members = _edit_members(doc, members, base.members, problems)
        else:
            s.members = _full_members(doc, members, base.members)
    return s


def _access(s: Sections, doc: Document, tenants: MarkedDict, problems: Problems) -> None:
    """The access sections (CONTRACT section 6), where this kafkactl has them: principals and
    users override by name like topics, quotas by entity, tenants.principal/access/quota replace."""
    for section, what in (("principals", "principal"), ("users", "user")):
        if isinstance(getattr(s, section, None), dict):
            setattr(s, section, dict(getattr(s, section)))
            _named(doc, doc.data.get(section), what, getattr(s, section), problems)
    quotas = getattr(s, "quotas", None)
    if isinstance(quotas, dict):
        copied = {kind: dict(entries) for kind, entries in quotas.items()}
        setattr(s, "quotas", copied)  # noqa: B010  # the section may be absent from this kafkactl's Sections
        for kind, entries in copied.items():
            _named(doc, (doc.data.get("quotas") or {}).get(kind), f"quota of {kind}", entries, problems)
    access = getattr(s, "tenant_access", None)
    if isinstance(access, dict):
        overrides = {k: Entry(v, doc.at(tenants, k), doc.base) for k, v in tenants.items() if k not in TENANT_KEYS}
        setattr(s, "tenant_access", {**access, **overrides})  # noqa: B010


def _settings(doc: Document, section: MarkedDict | None, into: dict[str, Entry], configs: dict[str, Entry],
              lists: dict[str, list[Entry]] | None) -> None:
    if section is None:
        return
    for key, value in section.items():
        if key == "configs":
            configs.update({k: Entry(v, doc.at(value, k), doc.base) for k, v in value.items()})
        elif lists is not None and key in LIST_KEYS:
            lists[key] = [Entry(item, Location(doc.file, *value.item_pos[i]), doc.base) for i, item in enumerate(value)]
        else:
            into[key] = Entry(value, doc.at(section, key), doc.base)


def _named(doc: Document, mapping: MarkedDict | None, what: str, into: dict[str, Entry], problems: Problems) -> None:
    if mapping is None:
        return
    for name, value in mapping.items():
        first = into.get(name)
        if first is None:
            close = difflib.get_close_matches(name, list(into), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.error(doc.at(mapping, name), f"{what} {name!r} is not defined in the base topology: an "
                                                  f"environment may only change what the base declares{hint}")
            continue
        into[name] = Entry(layer(first.value, first.loc.file, value, doc, first.base), first.loc, first.base)


def layer(base: Any, base_file: str, over: MarkedDict, doc: Document, base_dir: str) -> Layered:
    """``over``'s keys over ``base``'s (mappings merge by key), each key remembering its file.
    Schema paths of ``over`` are rewritten relative to ``base_dir``, where the entry's paths start."""
    out = retag(base, base_file) if isinstance(base, MarkedDict) else Layered(over.pos, doc.file)
    for key, value in over.items():
        below = out.get(key)
        if isinstance(value, MarkedDict):
            value = layer(below if isinstance(below, MarkedDict) else None, base_file, value, doc, base_dir)
        elif key in PATH_KEYS and isinstance(value, str):
            out.written[key] = value
            value = os.path.relpath(os.path.normpath(os.path.join(doc.base, value)), base_dir)
        _put(out, key, value, over.key_pos[key], over.value_pos[key], doc.file)
    return out


def retag(mapping: MarkedDict, file: str) -> Layered:
    """A copy of ``mapping`` (and the mappings inside it) that says which file each key is from."""
    if isinstance(mapping, Layered):
        out = Layered(mapping.pos, mapping.file)
        out.key_file.update(mapping.key_file)
        out.written.update(mapping.written)
    else:
        out = Layered(mapping.pos, file)
    for key, value in mapping.items():
        copied = retag(value, out.key_file.get(key, file)) if isinstance(value, MarkedDict) else value
        _put(out, key, copied, mapping.key_pos[key], mapping.value_pos[key], out.key_file.get(key, file))
    return out


def _put(out: Layered, key: str, value: Any, key_pos: tuple[int, int], value_pos: tuple[int, int], file: str) -> None:
    out[key] = value
    out.key_pos[key] = key_pos
    out.value_pos[key] = value_pos
    out.key_file[key] = file


def _full_members(doc: Document, members: MarkedDict, base: dict[str, Entry]) -> dict[str, Entry]:
    out = {}
    for tenant, value in members.items():
        known = base.get(tenant)
        below = known.value if known is not None and isinstance(known.value, MarkedDict) else None
        file, directory = (known.loc.file, known.base) if known is not None else (doc.file, doc.base)
        merged: Any = None
        if isinstance(value, MarkedDict):
            merged = layer(below, file, value, doc, directory)
        elif below is not None:
            merged = retag(below, file)
        out[tenant] = Entry(merged, doc.at(members, tenant), directory)
    return out


def _edit_members(doc: Document, edit: MarkedDict, base: dict[str, Entry], problems: Problems) -> dict[str, Entry]:
    out = dict(base)
    seen: dict[str, tuple[str, Location]] = {}
    for verb in EDIT_KEYS:
        items = edit.get(verb)
        if not isinstance(items, MarkedList):
            continue
        for index, item in enumerate(items):
            tenant, loc = str(item), Location(doc.file, *items.item_pos[index])
            problem = _edit_problem(verb, tenant, seen, out, base)
            if problem:
                problems.error(loc, problem)
                continue
            seen[tenant] = (verb, loc)
            if verb == "add":
                out[tenant] = Entry(None, loc, doc.base)
            else:
                del out[tenant]
    return out


def _edit_problem(verb: str, tenant: str, seen: dict[str, tuple[str, Location]], now: dict[str, Entry],
                  base: dict[str, Entry]) -> str | None:
    if tenant in seen:
        first, where = seen[tenant]
        done = "added" if verb == "add" else "removed"
        twice = f"{done} twice" if first == verb else "both added and removed"
        return f"tenant {tenant!r} is {twice}: first at {where}"
    if verb == "add" and tenant in base:
        return f"tenant {tenant!r} is already a member of the base topology (at {base[tenant].loc})"
    if verb == "remove" and tenant not in now:
        close = difflib.get_close_matches(tenant, list(base), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"tenant {tenant!r} cannot be removed: it is not a member of the base topology{hint}"
    return None
