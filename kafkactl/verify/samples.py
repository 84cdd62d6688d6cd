"""Sample values generated from a declared schema, for the schema round trip of ``verify``.

Rules:
- The sample comes from the schema the topology declares (the file), not from the
  registry: the round trip then shows that the latest registered version accepts
  what the declared schema describes.
- Avro: fastavro's generator (``fastavro.utils.generate_one``), with referenced
  subjects parsed first as named types.
- JSON Schema: a minimal generator (no well-kept library does it outside a
  property-testing framework): every property, the first of each enum/oneOf/anyOf,
  the smallest value the bounds allow, ``$ref`` to local definitions.
- Protobuf: every field of the first message, parsed from the declared text
  (``kafkactl.clients.protobuf.descriptor_of``), as a dict ``json_format`` accepts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kafkactl.errors import KafkactlError
from kafkactl.model import SubjectSpec, Topology

MAX_DEPTH = 6  # nested messages / objects beyond this stay empty (recursive types)


class SampleError(KafkactlError):
    """No sample value can be made from a declared schema."""


def sample(spec: SubjectSpec, topology: Topology) -> Any:
    try:
        if spec.schema_type == "AVRO":
            return _avro(spec, topology)
        if spec.schema_type == "JSON":
            doc = json.loads(spec.schema)
            return _json(doc, doc, 0)
        return _protobuf(spec, topology)
    except SampleError:
        raise
    except Exception as e:  # fastavro, json and protobuf raise their own types on schemas they refuse
        raise SampleError(f"cannot make a sample value for {spec.subject}: {type(e).__name__}: {e}") from None


def _avro(spec: SubjectSpec, topology: Topology) -> Any:
    from fastavro import parse_schema
    from fastavro.utils import generate_one

    named: dict[str, Any] = {}
    for ref in _references(spec, topology):
        parse_schema(json.loads(ref.schema), named_schemas=named)
    return generate_one(parse_schema(json.loads(spec.schema), named_schemas=named))


def _references(spec: SubjectSpec, topology: Topology, seen: frozenset[str] = frozenset()) -> list[SubjectSpec]:
    """Referenced declared subjects, dependencies first."""
    out: list[SubjectSpec] = []
    for ref in spec.references:
        target = topology.subjects.get(ref.subject)
        if target is None or ref.subject in seen:
            continue
        out += [*_references(target, topology, seen | {ref.subject}), target]
    return out


def _json(node: Any, root: Mapping[str, Any], depth: int) -> Any:
    if not isinstance(node, Mapping):
        return None
    if "$ref" in node:
        return _json(_resolve(root, str(node["$ref"])), root, depth + 1)
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][0]
    for key in ("oneOf", "anyOf"):
        if node.get(key):
            return _json(node[key][0], root, depth + 1)
    if node.get("allOf"):
        merged: dict[str, Any] = {}
        for part in node["allOf"]:
            value = _json(part, root, depth + 1)
            merged.update(value if isinstance(value, dict) else {})
        return merged
    return _json_typed(node, root, depth)


def _json_typed(node: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> Any:
    kind = node.get("type", "object" if "properties" in node else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = node.get("properties", {}) if depth < MAX_DEPTH else {}
        return {name: _json(sub, root, depth + 1) for name, sub in props.items()}
    if kind == "array":
        count = max(1, int(node.get("minItems", 1))) if depth < MAX_DEPTH else 0
        return [_json(node.get("items", {}), root, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        low = node.get("minimum", node.get("exclusiveMinimum", 0))
        value = low + 1 if "exclusiveMinimum" in node or low < 1 else low
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _json_string(node)


def _json_string(node: Mapping[str, Any]) -> str:
    formats = {"date-time": "2026-01-01T00:00:00Z", "date": "2026-01-01", "email": "probe@example.com",
               "uri": "https://example.com/probe", "uuid": "00000000-0000-4000-8000-000000000000"}
    text = formats.get(str(node.get("format")), "sample")
    return text.ljust(int(node.get("minLength", 0)), "x")[: int(node.get("maxLength", 1 << 20))]


def _resolve(root: Mapping[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise SampleError(f"cannot follow $ref {ref!r}: only local references (#/...) are supported")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _protobuf(spec: SubjectSpec, topology: Topology) -> Any:
    from google.protobuf.descriptor_pool import DescriptorPool

    from kafkactl.clients.protobuf import descriptor_of

    pool = DescriptorPool()
    for ref in _references(spec, topology):
        pool.Add(descriptor_of(ref.schema, next(r.name for r in spec.references if r.subject == ref.subject)))
    fd = descriptor_of(spec.schema)
    pool.Add(fd)
    first = fd.message_type[0].name
    return _message(pool.FindMessageTypeByName(f"{fd.package}.{first}" if fd.package else first), 0)


def _message(desc: Any, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if depth >= MAX_DEPTH:
        return out
    filled_oneofs: set[str] = set()
    for field in desc.fields:
        oneof = field.containing_oneof
        if oneof is not None:
            if oneof.name in filled_oneofs:
                continue
            filled_oneofs.add(oneof.name)
        out[field.name] = _proto_field(field, depth)
    return out


def _proto_field(field: Any, depth: int) -> Any:
    message = field.message_type
    if message is not None and message.GetOptions().map_entry:
        key = _proto_scalar(message.fields_by_name["key"], depth)
        return {str(key): _proto_scalar(message.fields_by_name["value"], depth)}
    value = _proto_scalar(field, depth)
    return [value] if field.is_repeated else value


def _proto_scalar(field: Any, depth: int) -> Any:
    if field.message_type is not None:
        return _message(field.message_type, depth + 1)
    if field.enum_type is not None:
        return field.enum_type.values[-1].name  # the last: a proto3 zero value would not be written
    kind = field.type
    if kind == field.TYPE_STRING:
        return "sample"
    if kind == field.TYPE_BYTES:
        return "c2FtcGxl"  # base64 of "sample", as json_format expects bytes
    if kind == field.TYPE_BOOL:
        return True
    if kind in (field.TYPE_DOUBLE, field.TYPE_FLOAT):
        return 1.5
    return 1
