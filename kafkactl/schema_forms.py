"""Canonical forms of schema text: what a schema diff shows, what "the same schema" means,
and how an imported schema is written. Pure.

Rules:
- Both sides of a diff are shown in one canonical form, so the diff shows what
  changed in meaning and never how a registry stored the text (Karapace stores Avro
  and JSON compact with sorted keys and re-renders Protobuf; Apicurio compacts Avro
  and JSON when asked to normalise).
  - Avro: the Parsing Canonical Form's transformations (full names, no namespace,
    ``{"type": "int"}`` as ``"int"``, keys in the order name, type, fields, symbols,
    items, values, size) keeping what PCF strips but readers and tools use: doc,
    aliases, logicalType, precision, scale, default, order, and any other property
    (after those, sorted). Values that are data (defaults, properties) get sorted keys.
  - JSON Schema: sorted keys.
  - Protobuf: the normal form of its declarations (``kafkactl.proto_form``), so
    comments and formatting never show.
  All pretty-printed, two spaces a level. Text that does not parse is shown as
  written, trailing spaces trimmed (the loader reports it).
- Two schemas of one type are the same when their canonical forms are.
- ``readable`` keeps a schema's meaning and its own names (namespace as given): a compact
  Avro or JSON text is pretty-printed (Avro keys in the order above), any other text kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kafkactl.proto_form import normal_form

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED = frozenset({"record", "error", "enum", "fixed"})
COMPLEX = NAMED | {"array", "map"}
# PCF's order (name, type, fields, symbols, items, values, size), with the kept attributes in between and after.
KEY_ORDER = ("name", "namespace", "type", "doc", "aliases", "fields", "symbols", "items", "values", "size",
             "logicalType", "precision", "scale", "default", "order")
_RANKS = {k: (i, "") for i, k in enumerate(KEY_ORDER)}
SCHEMA_KEYS = frozenset({"type", "fields", "items", "values"})  # keys whose values are schemas, not data


def canonical(schema_type: str, text: str) -> str:
    """The form a schema diff shows (see the rules above)."""
    if schema_type == "PROTOBUF":
        form = normal_form(text)
        return form.rstrip("\n") if form is not None else _trimmed(text)
    try:
        doc = json.loads(text)
    except ValueError:
        return _trimmed(text)
    if schema_type == "AVRO":
        return _pretty(_avro(doc, ""))
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)


def same(schema_type: str, a: str, b: str) -> bool:
    """Whether two texts of one schema type are the same schema: equal canonical forms (compared compactly)."""
    if a.strip() == b.strip():
        return True
    if schema_type == "PROTOBUF":
        form_a, form_b = normal_form(a), normal_form(b)
        return form_a == form_b if form_a is not None and form_b is not None else _trimmed(a) == _trimmed(b)
    try:
        doc_a, doc_b = json.loads(a), json.loads(b)
    except ValueError:
        return _trimmed(a) == _trimmed(b)
    if _compact(doc_a) == _compact(doc_b):  # the same JSON: the common case, and the cheap one
        return True
    return schema_type == "AVRO" and _compact(_avro(doc_a, "")) == _compact(_avro(doc_b, ""))


def readable(schema_type: str, text: str) -> str:
    """The text an imported schema file holds: compact JSON pretty-printed, anything else as registered."""
    if schema_type == "PROTOBUF" or "\n" in text.strip():
        return text if text.endswith("\n") else text + "\n"
    try:
        doc = json.loads(text)
    except ValueError:
        return text + "\n"
    return _pretty(_ordered(doc) if schema_type == "AVRO" else doc) + "\n"


def _trimmed(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _compact(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # 1, 1.0 and true differ


def _pretty(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _rank(key: str) -> tuple[int, str]:
    return _RANKS.get(key, (len(KEY_ORDER), key))


def _avro(node: Any, namespace: str) -> Any:
    """A schema in canonical form; ``namespace`` is the enclosing one (names without a dot live in it)."""
    if isinstance(node, str):
        return node if node in PRIMITIVES else _full_name(node, namespace)
    if isinstance(node, list):
        return [_avro(member, namespace) for member in node]
    if not isinstance(node, Mapping):
        return node
    kind = node.get("type")
    if isinstance(kind, str) and kind in PRIMITIVES and set(node) == {"type"}:
        return kind
    named = isinstance(kind, str) and kind in NAMED and isinstance(node.get("name"), str)
    out: dict[str, Any] = {}
    if named:  # an explicit "namespace": "" is the null namespace, so only a missing one is inherited
        out["name"] = _full_name(node["name"], str(node.get("namespace", namespace) or ""))
        namespace = out["name"].rpartition(".")[0]
    for key, value in node.items():
        if not (named and key in ("name", "namespace")):
            out[key] = _avro_part(key, value, namespace, named)
    return dict(sorted(out.items(), key=lambda kv: _rank(kv[0])))


def _avro_part(key: str, value: Any, namespace: str, named: bool) -> Any:
    if key == "fields" and isinstance(value, list):
        return [_field(f, namespace) for f in value]
    if key == "type" and isinstance(value, str) and value in COMPLEX:
        return value
    if key == "aliases" and named and isinstance(value, list):
        return [_full_name(a, namespace) if isinstance(a, str) else a for a in value]
    return _avro(value, namespace) if key in SCHEMA_KEYS else _data(value)


def _field(field: Any, namespace: str) -> Any:
    if not isinstance(field, Mapping):
        return field
    out = {k: _avro(v, namespace) if k == "type" else _data(v) for k, v in field.items()}
    return dict(sorted(out.items(), key=lambda kv: _rank(kv[0])))


def _full_name(name: str, namespace: str) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _data(value: Any) -> Any:
    """JSON data (a default, a property): keys sorted, as a normalising registry stores them."""
    if isinstance(value, Mapping):
        return {k: _data(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_data(v) for v in value]
    return value


def _ordered(node: Any, schema: bool = True) -> Any:
    """An Avro schema with its keys in ``KEY_ORDER`` at every schema level; data kept as it is."""
    if isinstance(node, list):
        return [_ordered(v, schema) for v in node]
    if not isinstance(node, Mapping) or not schema:
        return node
    return {k: _ordered(node[k], k in SCHEMA_KEYS) for k in sorted(node, key=_rank)}
