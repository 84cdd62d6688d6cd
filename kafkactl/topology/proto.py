"""A token-level check of Protobuf schema text (no protoc offline).

Rules:
- Strings and block comments are closed; only Protobuf's characters appear.
- The first statement is ``syntax = "proto2"|"proto3";`` or ``edition = "...";``.
- Braces, brackets and parentheses balance.
- Top-level statements are ``package``, ``import``, ``option``, ``syntax``/``edition``,
  or ``message``/``enum``/``service``/``extend`` NAME ``{...}``; at least one
  message, enum or service is declared.
- Every ``import "x";`` has a reference named ``x``, except Google's well-known types.
The registry parses the schema fully at plan time; this catches what a typo breaks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kafkactl.model import Reference

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<comment>//[^\n]*|/\*.*?\*/)
      | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<number>\.?[0-9][A-Za-z0-9_.]*(?:[eE][+-]?[0-9]+)?)
      | (?P<punct>[{}()\[\]<>;=,:.+\-/])""",
    re.VERBOSE | re.DOTALL,
)
_PAIRS = {"}": "{", ")": "(", "]": "["}
_STATEMENTS = ("syntax", "edition", "package", "import", "option")
_BLOCKS = ("message", "enum", "service", "extend")
_WELL_KNOWN = "google/protobuf/"


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int


class ProtoSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")


def proto_problems(text: str, references: Sequence[Reference]) -> list[str]:
    """Every problem found in a Protobuf schema, as ``line N: message`` strings."""
    try:
        tokens = tokenize(text)
        _check_balanced(tokens)
        _check_syntax_first(tokens)
        imports = _check_top_level(tokens)
    except ProtoSyntaxError as e:
        return [f"invalid Protobuf schema: {e}"]
    names = {r.name for r in references}
    return [
        f"invalid Protobuf schema: line {token.line}: import {token.text} has no reference named {token.text[1:-1]!r}"
        for token in imports
        if token.text[1:-1] not in names and not token.text[1:-1].startswith(_WELL_KNOWN)
    ]


def tokenize(text: str) -> list[Token]:
    tokens, pos, line = [], 0, 1
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ProtoSyntaxError(line, f"unexpected character {text[pos]!r}")
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, match.group(), line))
        line += match.group().count("\n")
        pos = match.end()
    return tokens


def _check_balanced(tokens: Sequence[Token]) -> None:
    stack: list[Token] = []
    for token in tokens:
        if token.text in "{([" and token.kind == "punct":
            stack.append(token)
        elif token.kind == "punct" and token.text in _PAIRS:
            if not stack or stack[-1].text != _PAIRS[token.text]:
                raise ProtoSyntaxError(token.line, f"unmatched {token.text!r}")
            stack.pop()
    if stack:
        raise ProtoSyntaxError(stack[-1].line, f"{stack[-1].text!r} is never closed")


def _check_syntax_first(tokens: Sequence[Token]) -> None:
    head = [t.text for t in tokens[:4]]
    line = tokens[0].line if tokens else 1
    if len(head) < 4 or head[0] not in ("syntax", "edition") or head[1] != "=" or head[3] != ";":
        raise ProtoSyntaxError(line, 'the schema must start with syntax = "proto3"; (or proto2, or an edition)')
    if head[0] == "syntax" and head[2][1:-1] not in ("proto2", "proto3"):
        raise ProtoSyntaxError(line, f"unknown syntax {head[2]}: use proto2 or proto3")


def _check_top_level(tokens: Sequence[Token]) -> list[Token]:
    """Walk the top-level statements; return the import path tokens."""
    imports: list[Token] = []
    declared = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.text == ";":
            i += 1
        elif token.kind == "word" and token.text in _STATEMENTS:
            end = _index_of(tokens, ";", i)
            if token.text == "import":
                imports.extend(t for t in tokens[i + 1 : end] if t.kind == "string")
            i = end + 1
        elif token.kind == "word" and token.text in _BLOCKS:
            i = _skip_block(tokens, i)
            declared = declared or token.text != "extend"
        else:
            raise ProtoSyntaxError(token.line, f"unexpected {token.text!r} at the top level")
    if not declared:
        raise ProtoSyntaxError(tokens[-1].line if tokens else 1, "declares no message, enum or service")
    return imports


def _skip_block(tokens: Sequence[Token], start: int) -> int:
    """``KEYWORD Name {...}`` from ``start``; the index after its closing brace."""
    i = start + 1
    while i < len(tokens) and (tokens[i].kind == "word" or tokens[i].text == "."):
        i += 1
    if i == start + 1 or i >= len(tokens) or tokens[i].text != "{":
        raise ProtoSyntaxError(tokens[start].line, f"expected {tokens[start].text} NAME {{ ... }}")
    depth = 0
    for j in range(i, len(tokens)):
        depth += {"{": 1, "}": -1}.get(tokens[j].text, 0) if tokens[j].kind == "punct" else 0
        if depth == 0:
            return j + 1
    raise ProtoSyntaxError(tokens[i].line, "'{' is never closed")  # pragma: no cover - balanced already


def _index_of(tokens: Sequence[Token], text: str, start: int) -> int:
    for j in range(start, len(tokens)):
        if tokens[j].text == text and tokens[j].kind == "punct":
            return j
        if tokens[j].text in "{}" and tokens[j].kind == "punct":
            break
    raise ProtoSyntaxError(tokens[start].line, f"{tokens[start].text} statement has no closing ';'")
