"""Subject drafts -> SubjectSpecs: schema files read once, checked, references resolved.

Rules:
- Each schema source (file, type, references) is read and checked once, however many
  subjects (tenants) use it; its problems are reported once, at the key that names it.
- AVRO is parsed by fastavro with the named types of the referenced subjects available.
  Without explicit ``references``, every named type the schema uses but does not define
  is looked up among the explicit subjects, and the one defining it becomes a reference
  (name = the type's full name, version latest).
- JSON must be a valid JSON Schema for its own ``$schema`` draft (2020-12 by default).
- PROTOBUF is checked at token level (``kafkactl.topology.proto``); each import must
  have a reference of that name, except Google's well-known types.
- A reference names a declared subject; references must not form a cycle.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from kafkactl.model import Location, Reference, SchemaType, SubjectSpec
from kafkactl.topology.problems import Problems
from kafkactl.topology.proto import proto_problems

EXTENSION_TYPES: dict[str, SchemaType] = {".avsc": "AVRO", ".json": "JSON", ".proto": "PROTOBUF"}
_NAMED_AVRO_TYPES = ("record", "error", "enum", "fixed")


@dataclass(frozen=True, eq=False)  # identity: the expander makes one per file, and hashing stays cheap
class SchemaSource:
    path: str
    schema_type: SchemaType
    references: tuple[Reference, ...] | None  # None: none given (inferred for AVRO)
    loc: Location  # the key naming the file


class SubjectDraft(NamedTuple):  # a tuple: one is made per tenant, so it must be cheap
    subject: str
    source: SchemaSource
    compatibility: str | None
    topic: str | None = None
    tenant: str | None = None
    explicit: bool = False  # declared under `subjects:`; only these provide Avro types


AvroResult = tuple[dict[str, Any], tuple[Reference, ...]]  # named types available after parsing, references


class SchemaBook:
    """Reads, checks and resolves every schema source of a topology, each once.

    A method returning None has reported why, at some source's location.
    """

    def __init__(self, drafts: Mapping[str, SubjectDraft], problems: Problems) -> None:
        self.drafts = drafts
        self.problems = problems
        self._texts: dict[str, str | None] = {}
        self._refs: dict[SchemaSource, tuple[Reference, ...] | None] = {}
        self._avro_results: dict[SchemaSource, AvroResult | None] = {}
        self._stack: list[SchemaSource] = []  # Avro sources being resolved, to find cycles
        self._providers: dict[str, str] | None = None

    def subjects(self) -> dict[str, SubjectSpec]:
        specs = {}
        checked: dict[int, tuple[str | None, tuple[Reference, ...] | None]] = {}  # id(source) -> (text, refs)
        for name, draft in self.drafts.items():
            src = draft.source
            if id(src) not in checked:
                checked[id(src)] = self.text(src), self.references(src)
            text, refs = checked[id(src)]
            if text is not None and refs is not None:
                specs[name] = SubjectSpec(  # positional: 100,000 of these must stay cheap
                    name, src.schema_type, text, draft.compatibility, refs, draft.topic, draft.tenant, src.path, src.loc
                )
        return specs

    def text(self, src: SchemaSource) -> str | None:
        if src.path not in self._texts:
            self._texts[src.path] = self._read(src)
        return self._texts[src.path]

    def _read(self, src: SchemaSource) -> str | None:
        try:
            with open(src.path, encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            self._error(src, f"schema file {src.path} does not exist (paths are relative to {src.loc.file})")
        except (OSError, UnicodeDecodeError) as e:
            self._error(src, f"cannot read schema file {src.path}: {getattr(e, 'strerror', None) or e}")
        return None

    def references(self, src: SchemaSource) -> tuple[Reference, ...] | None:
        """The source's references (given or inferred); None when the schema is broken."""
        if src not in self._refs:
            self._refs[src] = self._check(src)
        return self._refs[src]

    def _check(self, src: SchemaSource) -> tuple[Reference, ...] | None:
        if src.schema_type == "AVRO":
            resolved = self._avro(src)
            return resolved[1] if resolved else None
        text = self.text(src)
        if text is None or not self._references_declared(src):
            return None
        problems = _json_schema_problems(text) if src.schema_type == "JSON" else proto_problems(text, src.references or ())
        for problem in problems:
            self._error(src, f"{src.path}: {problem}")
        return None if problems else src.references or ()

    def _references_declared(self, src: SchemaSource) -> bool:
        missing = [r.subject for r in src.references or () if r.subject not in self.drafts]
        for subject in missing:
            self._error(src, f"reference to subject {subject!r}, which is not declared")
        return not missing

    def _avro(self, src: SchemaSource) -> AvroResult | None:
        if src in self._stack:
            cycle = " -> ".join(s.path for s in [*self._stack[self._stack.index(src):], src])
            self._error(src, f"schema references form a cycle: {cycle}")
            return None
        if src not in self._avro_results:
            self._stack.append(src)
            try:
                self._avro_results[src] = self._resolve_avro(src)
            finally:
                self._stack.pop()
        return self._avro_results[src]

    def _resolve_avro(self, src: SchemaSource) -> AvroResult | None:
        text = self.text(src)
        if text is None or not self._references_declared(src):
            return None
        try:
            schema = json.loads(text)
        except ValueError as e:
            self._error(src, f"{src.path}: is not JSON: {e}")
            return None
        refs = list(src.references or ())
        named: dict[str, Any] = {}
        for ref in refs:
            if not self._add_named(named, ref.subject, src):
                return None
        return self._parse_avro(src, schema, named, refs)

    def _parse_avro(self, src: SchemaSource, schema: Any, named: dict[str, Any], refs: list[Reference]) -> AvroResult | None:
        import fastavro  # lazily: a topology without Avro schemas does not pay for it at start-up
        from fastavro.schema import UnknownType

        while True:
            attempt = dict(named)
            try:
                fastavro.parse_schema(schema, named_schemas=attempt)
                return attempt, tuple(refs)
            except UnknownType as e:
                name = e.name if isinstance(e.name, str) else repr(e.name)  # fastavro may pass the bad value
                provider = self._provider(name) if src.references is None else None
                if provider is None or any(r.subject == provider for r in refs):
                    self._error(src, f"{src.path}: {self._unknown_type_text(name)}")
                    return None
                refs.append(Reference(name=name, subject=provider))
                if not self._add_named(named, provider, src):
                    return None
            except Exception as e:  # fastavro raises many types on malformed schemas
                self._error(src, f"{src.path}: invalid Avro schema: {e}")
                return None

    def _unknown_type_text(self, name: str) -> str:
        provider = self._provider(name)
        if provider:
            return f"Avro type {name!r} comes from subject {provider!r}: add it to references"
        return f"unknown Avro type {name!r}: declare a subject (under subjects:) whose schema defines it"

    def _add_named(self, named: dict[str, Any], subject: str, src: SchemaSource) -> bool:
        """Add the named types of the AVRO subject ``subject`` to ``named``."""
        other = self.drafts[subject].source
        if other.schema_type != "AVRO":
            self._error(src, f"subject {subject!r} is {other.schema_type}; an Avro schema can only use Avro types")
            return False
        resolved = self._avro(other)
        if resolved is not None:
            named.update(resolved[0])
        return resolved is not None

    def _provider(self, full_name: str) -> str | None:
        """The explicit AVRO subject whose own schema defines ``full_name``."""
        if self._providers is None:
            self._providers = {}
            for name, draft in self.drafts.items():
                if draft.explicit and draft.source.schema_type == "AVRO":
                    for defined in _defined_avro_names(self.text(draft.source)):
                        self._providers.setdefault(defined, name)
        return self._providers.get(full_name)

    def _error(self, src: SchemaSource, text: str) -> None:
        self.problems.error(src.loc, text)


def _defined_avro_names(text: str | None) -> Iterator[str]:
    """Full names of the named types an Avro schema text defines (best effort; fastavro judges)."""
    try:
        schema = json.loads(text) if text is not None else None
    except ValueError:
        return
    yield from _walk_avro(schema, "")


def _walk_avro(schema: Any, namespace: str) -> Iterator[str]:
    if isinstance(schema, list):
        for branch in schema:
            yield from _walk_avro(branch, namespace)
        return
    if not isinstance(schema, dict):
        return
    kind, name = schema.get("type"), schema.get("name")
    if kind in _NAMED_AVRO_TYPES and isinstance(name, str):
        ns = name.rpartition(".")[0] if "." in name else str(schema.get("namespace", namespace) or "")
        yield name if "." in name or not ns else f"{ns}.{name}"
        fields = schema.get("fields")
        for item in fields if isinstance(fields, list) else ():
            if isinstance(item, dict):
                yield from _walk_avro(item.get("type"), ns)
    elif kind in ("array", "map"):
        yield from _walk_avro(schema.get("items" if kind == "array" else "values"), namespace)
    elif isinstance(kind, dict | list):
        yield from _walk_avro(kind, namespace)


def _json_schema_problems(text: str) -> list[str]:
    try:
        schema = json.loads(text)
    except ValueError as e:
        return [f"is not JSON: {e}"]
    if not isinstance(schema, dict | bool):
        return ["a JSON Schema must be an object or a boolean"]
    import jsonschema  # lazily: only topologies with JSON schemas need it

    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        validator.check_schema(schema)
    except jsonschema.SchemaError as e:
        where = "/".join(str(p) for p in e.absolute_path)
        return [f"invalid JSON Schema{' at ' + where if where else ''}: {e.message}"]
    return []
