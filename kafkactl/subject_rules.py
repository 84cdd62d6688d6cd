"""Pure rules about subjects and schemas, shared by the registry client: no HTTP here.

Rules:
- Nothing here talks to a registry; every function is deterministic and unit-tested
  (tests/test_registry_unit.py).
- The local Avro check follows the registry's directions: BACKWARD means the new
  schema reads data written with the old one; FORWARD the reverse; FULL both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from graphlib import TopologicalSorter
from typing import Any

from kafkactl.model import LiveSubject, Reference, SchemaType, SubjectSpec
from kafkactl.plan import Action, Change
from kafkactl.schema_forms import same

REGISTER_FIELDS = ("schema_type", "schema", "references")  # an UPDATE with one of these registers a new version


def schema_type_of(value: object) -> SchemaType:
    """A registry's ``schemaType``; absent means AVRO."""
    if value == "JSON":
        return "JSON"
    if value == "PROTOBUF":
        return "PROTOBUF"
    return "AVRO"


def live_subject(subject: str, doc: Mapping[str, Any]) -> LiveSubject:
    return LiveSubject(
        subject=subject,
        schema_type=schema_type_of(doc.get("schemaType")),
        schema=str(doc["schema"]),
        schema_id=int(doc["id"]),
        version=int(doc["version"]),
        references=tuple(Reference(r["name"], r["subject"], int(r["version"])) for r in doc.get("references") or []),
    )


def avro_incompatibility(new: str, old: str, level: str) -> str | None:
    """None if ``new`` may follow ``old`` under ``level``'s direction, else why not (BACKWARD: new reads old)."""
    import avro.schema  # lazily: only a plan with a new Avro version needs the parser
    from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
    from avro.errors import AvroException

    try:
        new_s, old_s = avro.schema.parse(new), avro.schema.parse(old)
    except (AvroException, ValueError):
        return None  # not parseable here (the loader checked it): registration checks it at apply
    pairs = {"BACKWARD": [(new_s, old_s)], "FORWARD": [(old_s, new_s)], "FULL": [(new_s, old_s), (old_s, new_s)]}
    for reader, writer in pairs.get(direction(level), []):
        checker = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
        found = checker.get_compatibility(reader, writer)
        if found.compatibility is SchemaCompatibilityType.incompatible:
            kinds = ", ".join(sorted(k.value for k in found.incompatibilities))
            return f"{kinds}: {', '.join(sorted(found.messages))} at {', '.join(sorted(found.locations))}"
    return None


def same_schema(spec: SubjectSpec, live: LiveSubject) -> bool:
    """Identical schemas: the same type and the same canonical form (``kafkactl.schema_forms``), so key order,
    Protobuf comments and formatting never count; 1, 1.0 and true stay different."""
    return spec.schema_type == live.schema_type and same(spec.schema_type, spec.schema, live.schema)


def schema_body(schema_type: str, schema: str, refs: Sequence[Reference]) -> dict[str, Any]:
    """A register / lookup / compatibility request body. AVRO is the default ``schemaType`` and is left out."""
    body: dict[str, Any] = {"schema": schema}
    if schema_type != "AVRO":
        body["schemaType"] = schema_type
    if refs:
        body["references"] = [{"name": r.name, "subject": r.subject, "version": r.version} for r in refs]
    return body


def refs_of(items: Iterable[Mapping[str, Any]]) -> list[Reference]:
    return [Reference(str(r["name"]), str(r["subject"]), r.get("version")) for r in items]


def ref_subjects(c: Change, side: str = "after") -> set[str]:
    doc = (c.after if side == "after" else c.before) or {}
    return {str(r["subject"]) for r in doc.get("references", [])}


def registers(c: Change) -> bool:
    """A CREATE, or an UPDATE that changes the schema, its type or its references, registers a new version."""
    if c.action is Action.CREATE:
        return True
    return c.action is Action.UPDATE and any(c.field_change(p) for p in REGISTER_FIELDS)


def level_to_set(c: Change) -> str | None:
    if c.action is Action.CREATE:
        level = (c.after or {}).get("compatibility")
        return str(level) if level else None
    change = c.field_change("compatibility") if c.action is Action.UPDATE else None
    return str(change.after) if change and change.after else None


def purge_text(purge: Sequence[Mapping[str, Any]]) -> str:
    """A delete's ``purge`` field (the referrer versions deleted permanently first) on one line."""
    return ", ".join(f"{p['subject']} version {p['version']}" for p in purge)


def purges(c: Change) -> list[tuple[str, int]]:
    """(subject, version) pairs a subject delete removes permanently before it (see kafkactl.diff_subjects)."""
    field = c.field_change("purge") if c.action is Action.DELETE else None
    return [(str(p["subject"]), int(p["version"])) for p in (field.after if field else [])]


def direction(level: str | None) -> str:
    """BACKWARD_TRANSITIVE -> BACKWARD; unset counts as NONE."""
    return (level or "NONE").removesuffix("_TRANSITIVE")


def waves(waits: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Names in groups: each after the names it waits for (those that are keys too); sorted within a group."""
    graph: TopologicalSorter[str] = TopologicalSorter()
    for name, deps in waits.items():
        graph.add(name, *(d for d in deps if d in waits and d != name))
    graph.prepare()
    out: list[list[str]] = []
    while graph.is_active():
        ready = sorted(graph.get_ready())
        out.append(ready)
        graph.done(*ready)
    return out
