"""Each topology file against ``schema.json`` (JSON Schema draft 2020-12).

Rules:
- Every error of every file is reported, as ``file:line:col: json.path: message``.
- The position is the value's when it is a scalar, else its key's; an unknown key
  points at the key itself and suggests the nearest allowed one.
- ``schema.json`` is the one source of the format's shape; ``validate --print-schema``
  prints it for editors.
- Two validators, one verdict: jsonschema-rs (Rust) checks every document (0.06 s for
  100,000 topics, where jsonschema took 4.5 s); only a document it finds broken, or holds
  values it cannot read (YAML dates, bytes, sets), goes to jsonschema, whose errors give
  the messages. Of a large collection (``topics``, ``tenants.members``...) jsonschema then
  sees only the entries jsonschema-rs found broken: a collection's schema judges each
  entry alone (``_collections`` admits only such schemas), so the messages are the same.
- jsonschema is imported only then: a valid topology never loads it.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from kafkactl.model import Location
from kafkactl.topology.files import Document
from kafkactl.topology.marked import MarkedDict, MarkedList, Pos
from kafkactl.topology.problems import Problems

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_MESSAGE = 160
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "null": "nothing", "integer": "an integer",
               "number": "a number", "string": "a string", "boolean": "true or false"}


def schema_text() -> str:
    return resources.files("kafkactl.topology").joinpath("schema.json").read_text(encoding="utf-8")


Path = tuple[str | int, ...]
# Keywords that relate one key of an object to others: a schema with any of them does not
# judge each entry alone, so its object is never pruned.
_WHOLE_OBJECT = frozenset({"properties", "required", "minProperties", "maxProperties", "propertyNames",
                           "patternProperties", "dependentRequired", "dependentSchemas", "unevaluatedProperties",
                           "if", "then", "else", "allOf", "anyOf", "oneOf", "not", "$ref", "$dynamicRef", "enum",
                           "const"})


class SchemaCheck:
    """One JSON Schema (draft 2020-12), checked fast and explained exactly (see the module rules)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._fast = jsonschema_rs.validator_for(schema)
        self._collections = _collections(schema, schema, (), 3)
        self._full: Draft202012Validator | None = None

    def iter_errors(self, data: Any) -> Iterator[ValidationError]:
        """jsonschema's errors of ``data`` (positions and messages are made from them)."""
        try:
            broken = [tuple(e.instance_path) for e in self._fast.iter_errors(data)]
        except Exception:  # a value jsonschema-rs cannot read (YAML dates, bytes, sets, lone surrogates)
            broken = None
        if broken == []:
            return iter(())
        full = self._explained()
        if broken is not None:
            found = list(full.iter_errors(_pruned(data, broken, self._collections)))
            if found:
                return iter(found)
        # Not readable, or the paths misled the cut: the whole document, as jsonschema sees it.
        errors: Iterator[ValidationError] = full.iter_errors(data)
        return errors

    def _explained(self) -> Draft202012Validator:
        if self._full is None:
            from jsonschema import Draft202012Validator  # lazily: only broken documents need it

            self._full = Draft202012Validator(self.schema)
        return self._full


def _collections(schema: dict[str, Any], node: Any, path: Path, depth: int) -> frozenset[Path]:
    """Paths of objects whose entries the schema judges one by one: ``additionalProperties``
    with a schema and nothing relating entries (``topics``, ``tenants.members``...)."""
    if not isinstance(node, dict) or depth == 0:
        return frozenset()
    node = _resolved(schema, node)
    found: set[Path] = set()
    if isinstance(node.get("additionalProperties"), dict) and not _WHOLE_OBJECT & node.keys():
        found.add(path)
    for key, sub in (node.get("properties") or {}).items():
        found |= _collections(schema, sub, (*path, key), depth - 1)
    return frozenset(found)


def _resolved(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node`` itself, or the ``#/$defs/...`` schema it is only a reference to."""
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and node.keys() <= {"$ref", "description"}:
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return target if isinstance(target, dict) else node
    return node


def _pruned(data: Any, broken: list[Path], collections: frozenset[Path]) -> Any:
    """``data`` with each collection cut down to its broken entries (whole where it is broken itself).

    jsonschema-rs reports a key that looks like a number as an int and leaves an empty key
    out of its paths, so entries are matched by their text, and a collection with an empty
    key is kept whole.
    """
    keep: dict[Path, set[str]] = {}
    whole: set[Path] = set()
    for path in broken:
        for collection in collections:
            if path[: len(collection)] == collection:
                if len(path) > len(collection):
                    keep.setdefault(collection, set()).add(str(path[len(collection)]))
                else:
                    whole.add(collection)
    return _cut(data, (), keep, collections - whole)


def _cut(node: Any, path: Path, keep: dict[Path, set[str]], collections: frozenset[Path]) -> Any:
    if not isinstance(node, dict) or not any(c[: len(path)] == path for c in collections):
        return node
    if path in collections and "" not in node:
        wanted = keep.get(path, set())
        return {k: v for k, v in node.items() if str(k) in wanted}
    return {k: _cut(v, (*path, k), keep, collections) for k, v in node.items()}


@functools.cache
def _validator() -> SchemaCheck:
    # The schema is ours and is checked against the meta-schema by the unit tests
    # (tests/test_topology_load.py); checking it here cost 0.1-0.6 s on every command.
    return SchemaCheck(json.loads(schema_text()))


def check_structure(
    document: Document, problems: Problems, validator: SchemaCheck | Draft202012Validator | None = None
) -> None:
    """Report every place ``document`` breaks the schema (or ``validator``'s, e.g. an overlay's)."""
    for error in (validator or _validator()).iter_errors(document.data):
        for path, message, at_key in _explain(error):
            line, col = position(document.data, path, at_key)
            problems.error(Location(document.file, line), f"{json_path(path)}: {message}", col)


def _explain(error: ValidationError) -> Iterator[tuple[list[str | int], str, bool]]:
    """(path, message, whether to point at the path's key rather than its value)."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        for key in error.instance:
            if key not in allowed:
                yield [*path, key], _unknown_key(key, allowed), True
    elif error.validator == "type":
        yield path, f"expected {_expected(error.validator_value)}, got {_kind(error.instance)}", False
    else:
        yield path, _shorten(error.message), False


def _unknown_key(key: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
    return f"unknown key {_shorten(repr(key))}{hint}"


def _expected(types: object) -> str:
    names = [types] if isinstance(types, str) else [str(t) for t in types] if isinstance(types, list) else []
    if "number" in names and "integer" in names:
        names.remove("integer")
    words = [_TYPE_WORDS.get(name, name) for name in names]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float | str):
        noun = {"str": "string", "int": "integer", "float": "number"}.get(type(value).__name__, "value")
        return f"{noun} {_shorten(repr(value), 40)}"
    return f"a YAML {type(value).__name__}"


def _shorten(text: str, limit: int = _MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def position(data: Any, path: Sequence[str | int], at_key: bool = False) -> Pos:
    """Where the value at ``path`` was written: a scalar's own position, else its key's."""
    where: Pos = data.pos if isinstance(data, MarkedDict | MarkedList) else (1, 1)
    node = data
    for index, part in enumerate(path):
        if isinstance(node, MarkedDict) and isinstance(part, str) and part in node:
            child = node[part]
            use_key = isinstance(child, dict | list) or (at_key and index == len(path) - 1)
            where = node.key_pos[part] if use_key else node.value_pos[part]
        elif isinstance(node, MarkedList) and isinstance(part, int) and 0 <= part < len(node):
            child = node[part]
            where = node.item_pos[part]
        else:
            return where
        node = child
    return where


def json_path(path: Sequence[str | int]) -> str:
    """``topics["chat.events"].configs["retention.ms"]``; plain names stay dotted."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{_shorten(json.dumps(part), 80)}]"
    return text or "(top level)"
