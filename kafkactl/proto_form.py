"""Protobuf schema text in a normal form: its declarations alone, always laid out one way. Pure.

Rules:
- Comments, blank lines, indentation and the spelling of literals (quotes, hex
  numbers) never show: the text is parsed (proto-schema-parser) and rendered
  again from its declarations, so two texts that differ only there have one form.
- Where a descriptor holds sets or separate lists, the form has one fixed order:
  the one Karapace 5 re-renders stored text in, so a stored text reads like its form.
  - file: syntax, package, imports (sorted), options, then messages, enums,
    extends, services;
  - message: reserved, options, fields, oneofs, extension ranges, then nested
    messages, enums, extends;
  - enum: reserved, options, values; service: options, methods;
  - every options list (file, message, field, enum value, method) sorted by name.
  Each kind keeps its declared order: the message order is the message index that
  Confluent-style serializers write, and field order is what a descriptor keeps.
- Type names stay as written: the files a schema imports are not at hand, so
  ``Foo`` and ``.pkg.Foo`` are different forms (the registry decides those).
- Text that does not parse has no form (None); the loader reports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from proto_schema_parser import ast

T = TypeVar("T")
INDENT = "  "


@lru_cache(maxsize=4096)  # a plan compares each text once per subject; templates repeat texts
def normal_form(text: str) -> str | None:
    """The normal form of a .proto text, or None when it does not parse."""
    parsed = _parse(text)
    if parsed is None:
        return None
    lines = [f'syntax = "{parsed.syntax}";' if parsed.syntax else f'edition = "{parsed.edition}";']
    elements = parsed.file_elements
    lines += [f"package {p.name};" for p in _only(elements, ast.Package)]
    lines += sorted(_import(i) for i in _only(elements, ast.Import))
    lines += _options(elements, 0)
    for block in _file_blocks(elements):
        lines += ["", *block]
    return "\n".join(lines) + "\n"


class _Unparsed(Exception):
    pass


def _parse(text: str) -> ast.File | None:
    from antlr4.error.ErrorListener import ErrorListener  # type: ignore[import-untyped]
    from proto_schema_parser.parser import Parser

    class Raising(ErrorListener):  # type: ignore[misc]
        def syntaxError(self, *args: Any) -> None:  # ANTLR calls it by this name
            raise _Unparsed

    def quiet(recognizer: Any) -> None:  # ANTLR prints syntax errors to stderr by default
        recognizer.removeErrorListeners()
        recognizer.addErrorListener(Raising())

    try:
        parsed = Parser(setup_lexer=quiet, setup_parser=quiet).parse(text)
    except (_Unparsed, ValueError, AttributeError, TypeError):  # a partial tree can trip the AST builder
        return None
    return parsed if parsed.syntax or parsed.edition else None


def _only(elements: Iterable[object], kind: type[T]) -> list[T]:
    return [e for e in elements if isinstance(e, kind)]


def _file_blocks(elements: Sequence[object]) -> list[list[str]]:
    return [
        *(_message(m, 0) for m in _only(elements, ast.Message)),
        *(_enum(e, 0) for e in _only(elements, ast.Enum)),
        *(_extend(x, 0) for x in _only(elements, ast.Extension)),
        *(_service(s) for s in _only(elements, ast.Service)),
    ]


def _import(i: ast.Import) -> str:
    modifier = "public " if i.public else "weak " if i.weak else ""
    return f'import {modifier}"{i.name}";'


def _block(head: str, depth: int, body: list[str]) -> list[str]:
    pad = INDENT * depth
    return [f"{pad}{head} {{", *body, f"{pad}}}"] if body else [f"{pad}{head} {{}}"]


def _message(m: ast.Message | ast.Group, depth: int, head: str | None = None) -> list[str]:
    es, inner = m.elements, depth + 1
    body = [
        *(_reserved(r, inner) for r in _only(es, ast.Reserved)),
        *_options(es, inner),
        *_fields(es, inner),
        *(line for o in _only(es, ast.OneOf) for line in _oneof(o, inner)),
        *(f"{INDENT * inner}extensions {_ranges(x.ranges)}{_compact(x.options)};" for x in _only(es, ast.ExtensionRange)),
        *(line for n in _only(es, ast.Message) for line in _message(n, inner)),
        *(line for e in _only(es, ast.Enum) for line in _enum(e, inner)),
        *(line for x in _only(es, ast.Extension) for line in _extend(x, inner)),
    ]
    return _block(head or f"message {m.name}", depth, body)


def _fields(elements: Sequence[object], depth: int) -> list[str]:
    """Fields, map fields and groups, in declared order."""
    out: list[str] = []
    for e in elements:
        if isinstance(e, ast.Field):
            out.append(f"{INDENT * depth}{_cardinality(e.cardinality)}{e.type} {e.name} = {e.number}{_compact(e.options)};")
        elif isinstance(e, ast.MapField):
            out.append(f"{INDENT * depth}map<{e.key_type}, {e.value_type}> {e.name} = {e.number}{_compact(e.options)};")
        elif isinstance(e, ast.Group):
            out += _message(e, depth, f"{_cardinality(e.cardinality)}group {e.name} = {e.number}")
    return out


def _cardinality(c: ast.FieldCardinality | None) -> str:
    return f"{c.value.lower()} " if c else ""


def _oneof(o: ast.OneOf, depth: int) -> list[str]:
    return _block(f"oneof {o.name}", depth, [*_options(o.elements, depth + 1), *_fields(o.elements, depth + 1)])


def _extend(x: ast.Extension, depth: int) -> list[str]:
    return _block(f"extend {x.typeName}", depth, _fields(x.elements, depth + 1))


def _enum(e: ast.Enum, depth: int) -> list[str]:
    pad = INDENT * (depth + 1)
    body = [
        *(_reserved(r, depth + 1) for r in _only(e.elements, ast.EnumReserved)),
        *_options(e.elements, depth + 1),
        *(f"{pad}{v.name} = {v.number}{_compact(v.options)};" for v in _only(e.elements, ast.EnumValue)),
    ]
    return _block(f"enum {e.name}", depth, body)


def _service(s: ast.Service) -> list[str]:
    body = [*_options(s.elements, 1)]
    for m in _only(s.elements, ast.Method):
        head = f"{INDENT}rpc {m.name} ({_stream(m.input_type)}) returns ({_stream(m.output_type)})"
        options = _options(m.elements, 2)
        body += [f"{head} {{", *options, f"{INDENT}}}"] if options else [f"{head};"]
    return _block(f"service {s.name}", 0, body)


def _stream(t: ast.MessageType) -> str:
    return f"stream {t.type}" if t.stream else t.type


def _reserved(r: ast.Reserved | ast.EnumReserved, depth: int) -> str:
    return f"{INDENT * depth}reserved {', '.join(filter(None, [_ranges(r.ranges), *(_string(n) for n in r.names)]))};"


def _ranges(ranges: Sequence[str]) -> str:
    return ", ".join(" ".join(r.split()) for r in ranges)  # the parser keeps a range's text as written


def _sorted_options(elements: Iterable[object]) -> list[ast.Option]:
    return sorted(_only(elements, ast.Option), key=lambda o: o.name)


def _options(elements: Iterable[object], depth: int) -> list[str]:
    return [f"{INDENT * depth}option {o.name} = {_value(o.value)};" for o in _sorted_options(elements)]


def _compact(options: Sequence[ast.Option]) -> str:
    return f" [{', '.join(f'{o.name} = {_value(o.value)}' for o in _sorted_options(options))}]" if options else ""


def _string(raw: str) -> str:
    return f'"{raw}"'  # the parser keeps escapes as written, so the text between the quotes is kept too


def _value(v: ast.MessageValue) -> str:
    if isinstance(v, ast.MessageLiteral):
        fields = _only(v.elements, ast.MessageLiteralField)
        return "{ " + ", ".join(f"{f.name}: {_value(f.value)}" for f in fields) + " }" if fields else "{}"
    if isinstance(v, list):
        return f"[{', '.join(_value(x) for x in v)}]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, ast.Identifier):
        return v.name
    return str(v)
