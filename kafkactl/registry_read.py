"""How kafkactl reads the subjects in scope: the fastest strategy a registry offers, checked, never trusted.

Rules:
- No HTTP here: a ``Source`` (kafkactl.registry.Registry, the only httpx importer) sends.
- Per-subject reads are the truth on every registry: ``GET /subjects/{s}/versions/latest``
  (live versions only) and ``GET /config/{s}``. A bulk answer is used only for the subjects
  on which it agrees with the live listing ``GET /subjects`` (live subjects only, on every
  registry); every other subject in scope is read per subject.
- Apicurio 3: ``GET /apis/registry/v3/admin/export`` is one zip of every artifact, version
  (state, contentId), content (text, references) and artifact rule, so it carries levels
  too. ccompat's schema id is the contentId; a soft-deleted version is DISABLED. It is used
  only when the ccompat URL has Apicurio's shape (so the native API's place is known) and the
  zip's manifest says Apicurio Registry, export format 3; and one subject read per subject
  must agree with it (version, id, type, references), else the export is dropped. Refused
  (an export needs the admin role on a secured registry), absent or unreadable: the next path.
- Confluent-compatible path: ``GET /schemas?subjectPrefix=P&latestOnly=true``, asked with and
  without ``deleted=true``. Registries read that flag both ways (Confluent: also soft-deleted;
  Karapace 5.0.3: only live ones, while without it it counts a soft-deleted version as the
  latest and lists soft-deleted subjects; it also ignores the prefix). An item in both answers
  is the latest version and live under either reading, so only those are taken; a subject
  whose latest version is soft-deleted is in at most one answer and is read per subject.
  Karapace's ``GET /schemas?deleted=true`` (every live version, one request) would be right on
  Karapace 5.0.3 only, by its bug, and wrong on Confluent, so it is not used.
- Levels on that path have no bulk form: one ``GET /config/{s}`` per existing subject.
- A bulk read answers the whole registry (Karapace ignores the prefix, the export is all of
  Apicurio), so it is taken only when it pays for the scope (``worth_bulk``);
  ``KAFKACTL_REGISTRY_READ`` = bulk | per-subject overrides that (auto is the default).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from kafkactl.errors import RegistryError
from kafkactl.model import LiveSubject, Reference, SchemaType
from kafkactl.subject_rules import live_subject

EXPORT_PATH = "/apis/registry/v3/admin/export"
READ_MODE_ENV = "KAFKACTL_REGISTRY_READ"
READ_MODES = ("auto", "bulk", "per-subject")
# When a bulk read pays (``worth_bulk``), measured on Apicurio 3.3.3 and Karapace 5.0.3 (2 cores): one
# subject read one by one costs ~7 ms (latest + level), the export ~0.5 ms per artifact of the whole
# registry (contents of deleted subjects included, until Apicurio's hourly orphan clean-up), a
# latest-only JSON answer ~0.05 ms per subject. So the export when the scope is 1/10 of the registry
# or more; the JSON bulk up to 5,000 subjects always, beyond that for 1/10 of them.
EXPORT_SHARE = 10
BULK_SHARE = 10
BULK_ALWAYS = 5_000
CCOMPAT_TYPES: Mapping[str, SchemaType] = MappingProxyType({"AVRO": "AVRO", "JSON": "JSON", "PROTOBUF": "PROTOBUF"})
BULK_KEYS = ("subject", "version", "id", "schema")
# the export's entity files a plan reads (not branches, not the contents' data: those only where needed)
ENTITY_SUFFIXES = (".Manifest.json", ".Artifact.json", ".ArtifactVersion.json", ".ArtifactRule.json", ".Content.json")
T = TypeVar("T")
R = TypeVar("R")


class Source(Protocol):
    """What the strategies need from the registry client."""

    def call(self, method: str, path: str, body: Any = None, params: Mapping[str, str] | None = None,
             missing_ok: bool = False) -> Any: ...

    def get_raw(self, path: str, params: Mapping[str, str] | None = None) -> tuple[int, bytes]:
        """Status and body of a GET (``path`` relative to the ccompat URL, or absolute); raises only if unreachable."""
        ...

    def native_url(self, path: str) -> str | None:
        """Apicurio's native API URL for ``path`` when the registry URL is Apicurio's ccompat URL, else None."""
        ...

    def pool(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]: ...


@dataclass(frozen=True)
class Exported:
    """An Apicurio export as ccompat shows it.

    ``live``: artifacts of the default group with a version that is not DISABLED (ccompat's
    subjects). ``latest``: the live ones whose latest version the export renders exactly as
    ccompat would; the others (a DEPRECATED latest version, a non-numeric version, another
    group's reference, a non-ccompat type) are left to per-subject reads.
    """

    live: frozenset[str]
    latest: Mapping[str, LiveSubject]
    levels: Mapping[str, str]  # artifact COMPATIBILITY rules


@dataclass(frozen=True)
class View:
    """The live listing and, where the registry has one, its export: which subjects exist."""

    listed: frozenset[str]
    exported: Exported | None = None

    @property
    def names(self) -> frozenset[str]:
        """Every live subject either source shows (Apicurio caps the listing: apicurio.ccompat.max-subjects)."""
        return self.listed | (self.exported.live if self.exported else frozenset())


@dataclass(frozen=True)
class Current:
    """The latest live version and the subject-level compatibility of each subject read; absent: not live."""

    latest: Mapping[str, LiveSubject]
    levels: Mapping[str, str]  # only where the registry reports a level for the subject
    strategy: str  # "apicurio export", "bulk" (some subjects from a bulk answer), "per subject" (none)


def view(source: Source, in_scope: Callable[[str], bool] = lambda _: True, also: Collection[str] = ()) -> View:
    """The listing, and Apicurio's export where it pays: the subjects in scope (listed ones ``in_scope``, and
    ``also``) are a good share of the registry; for a few subjects of a large one, per-subject reads are cheaper."""
    listed = frozenset(str(s) for s in source.call("GET", "subjects"))
    url = source.native_url(EXPORT_PATH)
    scope = {s for s in listed if in_scope(s)} | set(also)
    if url is None or not worth_bulk(len(scope), len(listed), read_mode(), EXPORT_SHARE, 0):
        return View(listed)
    return View(listed, read_export(source, url))


def read_mode(env: Mapping[str, str] = os.environ) -> str:
    """``KAFKACTL_REGISTRY_READ``: auto (default), bulk (bulk reads whatever the sizes), per-subject (none)."""
    mode = env.get(READ_MODE_ENV, "auto") or "auto"
    if mode not in READ_MODES:
        raise RegistryError(f"{READ_MODE_ENV}={mode!r} is not a registry read mode",
                            hint=f"use one of {', '.join(READ_MODES)} (auto is the default)")
    return mode


def worth_bulk(scope: int, registry: int, mode: str, share: int, always_up_to: int) -> bool:
    """A bulk read answers the whole registry: worth it when the scope is at least 1/``share`` of it (or the
    registry has at most ``always_up_to`` subjects), and there are two subjects or more to read."""
    if mode != "auto":
        return mode == "bulk"
    return scope >= 2 and (registry <= always_up_to or scope * share >= registry)


def read(source: Source, seen: View, subjects: Collection[str]) -> Current:
    """Latest versions and levels of ``subjects``: from the export where it checks out, else bulk, else one by one."""
    wanted = sorted(set(subjects))
    if seen.exported is not None:
        found = _from_export(source, seen, wanted)
        if found is not None:
            return found
    bulk = bulk_latest(source, wanted, seen.listed) if worth_bulk(
        len(wanted), len(seen.listed), read_mode(), BULK_SHARE, BULK_ALWAYS) else {}
    rest = [s for s in wanted if s not in bulk]
    latest = bulk | _per_subject(source, rest)
    existing = sorted(latest)
    levels = dict(zip(existing, source.pool(lambda s: subject_level(source, s), existing), strict=True))
    strategy = "bulk" if bulk else "per subject"
    return Current(MappingProxyType(latest), _set_levels(levels), strategy)


def subject_level(source: Source, subject: str) -> str | None:
    """The subject-level compatibility; None when unset (404 on Confluent, Karapace, Redpanda).

    Apicurio answers with the global level instead, which is why the diff compares effective levels.
    """
    doc = source.call("GET", f"config/{_q(subject)}", missing_ok=True)
    return None if doc is None else doc.get("compatibilityLevel") or doc.get("compatibility")


def read_latest(source: Source, subject: str) -> LiveSubject | None:
    doc = source.call("GET", f"subjects/{_q(subject)}/versions/latest", missing_ok=True)
    return live_subject(subject, doc) if doc is not None else None


# --- Apicurio's export -----------------------------------------------------------------------------


def read_export(source: Source, url: str) -> Exported | None:
    status, body = source.get_raw(url)
    return parse_export(body) if status == 200 else None


def parse_export(body: bytes) -> Exported | None:
    """The export zip as ccompat would show it; None unless it is an Apicurio Registry export of format 3.

    Only the entries a plan needs are read: the export also holds every content the
    registry ever stored (Apicurio keeps contents after their artifacts are deleted).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return _parse(z)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None


def _parse(z: zipfile.ZipFile) -> Exported | None:
    infos = [i for i in z.infolist() if i.filename.endswith(ENTITY_SUFFIXES)]
    docs = {i.filename: _doc(z.read(i)) for i in infos}
    manifest = next((d for n, d in docs.items() if n.endswith(".Manifest.json") and "/" not in n), None)
    if not (isinstance(manifest, dict) and str(manifest.get("systemName", "")).startswith("Apicurio Registry")
            and str(manifest.get("exportVersion", "")).startswith("3.")):
        return None
    types, versions, levels = _artifacts(docs)
    tops = {a: max(shown, key=lambda v: int(v.get("versionOrder") or 0))
            for a, rows in versions.items() if (shown := [v for v in rows if v.get("state") != "DISABLED"])}
    contents = _contents(z, docs, {top.get("contentId") for top in tops.values()})
    latest = {a: s for a, top in tops.items() if (s := _exported_subject(a, types.get(a), top, contents)) is not None}
    return Exported(frozenset(tops), MappingProxyType(latest), MappingProxyType(levels))


def _doc(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _default_group(doc: Mapping[str, Any]) -> bool:
    return doc.get("groupId") in (None, "default")


def _contents(z: zipfile.ZipFile, docs: Mapping[str, Any], wanted: Collection[object]) -> dict[int, tuple[str, Any]]:
    """contentId -> (text, its references as stored: a JSON string or None), for the ``wanted`` ids."""
    out: dict[int, tuple[str, Any]] = {}
    for name, doc in docs.items():
        if name.endswith(".Content.json") and isinstance(doc, dict) and doc.get("contentId") in wanted:
            text = z.read(name.removesuffix(".Content.json") + ".Content.data").decode("utf-8", errors="replace")
            out[int(doc["contentId"])] = (text, doc.get("serializedReferences"))
    return out


def _artifacts(docs: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[dict[str, Any]]], dict[str, str]]:
    """Artifact types, versions and COMPATIBILITY rules of the default group, by artifactId (never by path)."""
    types: dict[str, str] = {}
    versions: dict[str, list[dict[str, Any]]] = {}
    levels: dict[str, str] = {}
    for name, doc in docs.items():
        if not (isinstance(doc, dict) and _default_group(doc) and "artifactId" in doc):
            continue
        artifact = str(doc["artifactId"])
        if name.endswith(".Artifact.json"):
            types[artifact] = str(doc.get("artifactType"))
        elif name.endswith(".ArtifactVersion.json"):
            versions.setdefault(artifact, []).append(doc)
        elif name.endswith(".ArtifactRule.json") and doc.get("type") == "COMPATIBILITY" and doc.get("configuration"):
            levels[artifact] = str(doc["configuration"])
    return types, versions, levels


def _exported_subject(artifact: str, kind: str | None, top: Mapping[str, Any],
                      contents: Mapping[int, tuple[str, Any]]) -> LiveSubject | None:
    """The latest version as ccompat shows it; None when only a per-subject read can say."""
    version, content_id = str(top.get("version", "")), top.get("contentId")
    if top.get("state") != "ENABLED" or not version.isdigit() or kind is None or kind not in CCOMPAT_TYPES:
        return None
    if not isinstance(content_id, int) or content_id not in contents:
        return None
    text, stored_refs = contents[content_id]
    refs = _references(stored_refs)
    if refs is None:
        return None
    return LiveSubject(artifact, CCOMPAT_TYPES[kind], text, content_id, int(version), refs)


def _references(stored: Any) -> tuple[Reference, ...] | None:
    """ccompat references from the stored ones; None for one ccompat can't name (another group, a named version)."""
    items = _doc(stored.encode()) if isinstance(stored, str) else stored
    if items is None:
        return ()
    refs: list[Reference] = []
    for r in items if isinstance(items, list) else [None]:
        if not (isinstance(r, dict) and _default_group(r) and str(r.get("version", "")).isdigit()):
            return None
        refs.append(Reference(str(r.get("name")), str(r.get("artifactId")), int(r["version"])))
    return tuple(refs)


def _from_export(source: Source, seen: View, wanted: Sequence[str]) -> Current | None:
    """Subjects the export and the listing agree on, from the export; the rest per subject. None: export disproved."""
    ex = seen.exported
    assert ex is not None
    agreed = [s for s in wanted if s in ex.latest and s in seen.listed]
    absent = {s for s in wanted if s not in ex.live and s not in seen.listed}
    if agreed and not agrees(ex.latest[agreed[0]], read_latest(source, agreed[0])):
        return None
    rest = [s for s in wanted if s not in absent and s not in agreed]
    latest = {s: ex.latest[s] for s in agreed} | _per_subject(source, rest)
    levels: dict[str, str | None] = {s: ex.levels[s] for s in agreed if s in ex.levels}
    read_here = sorted(set(rest) & latest.keys())
    levels |= dict(zip(read_here, source.pool(lambda s: subject_level(source, s), read_here), strict=True))
    return Current(MappingProxyType(latest), _set_levels(levels), "apicurio export")


def agrees(exported: LiveSubject, read_one: LiveSubject | None) -> bool:
    """The export's mapping holds: the same version, id (contentId), type and references as ccompat answers.

    The text is not compared: ccompat re-renders Avro (compact) where the export holds the
    registered text; both are the content behind the same id.
    """
    if read_one is None:
        return False
    fields = ("version", "schema_id", "schema_type", "references")
    return all(getattr(exported, f) == getattr(read_one, f) for f in fields)


# --- the Confluent-compatible bulk read --------------------------------------------------------------


def bulk_latest(source: Source, subjects: Sequence[str], listed: Collection[str]) -> dict[str, LiveSubject]:
    """The subjects (in the live listing) that both answers of ``GET /schemas?latestOnly=true`` agree on; {} without."""
    params = {"subjectPrefix": common_prefix(subjects), "latestOnly": "true"}
    plain, deleted = source.pool(lambda p: _bulk_items(source, p), [params, {**params, "deleted": "true"}])
    if plain is None or deleted is None:
        return {}
    return agreed_latest(plain, deleted, set(subjects) & set(listed))


def agreed_latest(plain: Sequence[Mapping[str, Any]], deleted: Sequence[Mapping[str, Any]],
                  wanted: Collection[str]) -> dict[str, LiveSubject]:
    """Items in both answers, once per subject in each, for the subjects in ``wanted`` (pure)."""
    def keyed(items: Sequence[Mapping[str, Any]]) -> dict[str, tuple[int, int]]:
        seen: dict[str, list[tuple[int, int]]] = {}
        for d in items:
            seen.setdefault(str(d["subject"]), []).append((int(d["version"]), int(d["id"])))
        return {s: keys[0] for s, keys in seen.items() if len(keys) == 1}  # twice: not a latest-only answer

    a, b = keyed(plain), keyed(deleted)
    return {str(d["subject"]): live_subject(str(d["subject"]), d) for d in plain
            if d["subject"] in wanted and a.get(str(d["subject"])) is not None
            and a.get(str(d["subject"])) == b.get(str(d["subject"]))}


def _bulk_items(source: Source, params: Mapping[str, str]) -> list[dict[str, Any]] | None:
    return bulk_items(*source.get_raw("schemas", params))


def bulk_items(status: int, body: bytes) -> list[dict[str, Any]] | None:
    """The answer's items when every one carries subject, version, id and schema; else None (Apicurio: schema only)."""
    doc = _doc(body) if status == 200 else None
    if not isinstance(doc, list) or not all(_bulk_item(d) for d in doc):
        return None
    return doc


def _bulk_item(d: Any) -> bool:
    return (isinstance(d, dict) and all(k in d for k in BULK_KEYS) and isinstance(d["subject"], str)
            and isinstance(d["version"], int) and isinstance(d["id"], int))


# --- helpers --------------------------------------------------------------------------------------


def _per_subject(source: Source, subjects: Sequence[str]) -> dict[str, LiveSubject]:
    found = source.pool(lambda s: read_latest(source, s), subjects)
    return {s: live for s, live in zip(subjects, found, strict=True) if live is not None}


def _set_levels(levels: Mapping[str, str | None]) -> Mapping[str, str]:
    return MappingProxyType({s: lv for s, lv in sorted(levels.items()) if lv})


def _q(subject: str) -> str:
    return quote(subject, safe="")


def common_prefix(names: Sequence[str]) -> str:
    if not names:
        return ""
    lo, hi = min(names), max(names)
    n = next((i for i, (a, b) in enumerate(zip(lo, hi, strict=False)) if a != b), min(len(lo), len(hi)))
    return lo[:n]
