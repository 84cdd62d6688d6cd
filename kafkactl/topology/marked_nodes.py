"""The reference YAML loader: libyaml's composer, then PyYAML constructors that keep positions.

``marked.parse`` falls back to this loader for every document its event builder does not
cover (explicit tags, aliases as keys, merges it cannot prove equal, anything that raises),
so this module decides what such documents mean and which error they get.

Rules (besides those in ``marked``):
- libyaml's C composer overflows the C stack near 30,000 levels, so a document that could
  nest beyond ``_C_SAFE_DEPTH`` is first measured with libyaml's iterative parser.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kafkactl.topology.marked import MAX_DEPTH, MAX_NODES, Duplicate, MarkedDict, MarkedList, Pos, TooComplex

_C_SAFE_DEPTH = 5_000
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _pos(node: Node) -> Pos:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _MarkedLoader(yaml.CSafeLoader):
    """libyaml's parser and composer, with constructors that keep positions and refuse duplicates."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.duplicates: list[Duplicate] = []
        self.sizes: dict[int, int] = {}  # id(container) -> node count with aliases expanded
        self.depth = 0

    def construct_marked_map(self, node: MappingNode) -> MarkedDict:
        own = sum(1 for key, _ in node.value if key.tag != _MERGE_TAG)
        self.flatten_mapping(node)
        first_own = len(node.value) - own
        data = MarkedDict(_pos(node))
        seen: set[str] = set()
        self._descend(node)
        for index, (key_node, value_node) in enumerate(node.value):
            key = self._key(key_node)
            if index >= first_own:
                if key in seen:
                    self.duplicates.append(Duplicate(key, data.key_pos[key], _pos(key_node)))
                    continue
                seen.add(key)
            data[key] = self._child(value_node)
            data.place(key, _pos(key_node), _pos(value_node))
        self.depth -= 1
        self._count(data, data.values())
        return data

    def construct_marked_seq(self, node: SequenceNode) -> MarkedList:
        data = MarkedList(_pos(node))
        self._descend(node)
        for item in node.value:
            data.append(self._child(item))
            data.item_pos.append(_pos(item))
        self.depth -= 1
        self._count(data, data)
        return data

    def _child(self, node: Node) -> Any:
        return self.construct_object(node, deep=True)  # type: ignore[no-untyped-call]  # PyYAML is untyped here

    def _key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise ConstructorError(None, None, "a mapping key must be a plain value, not a list or mapping", node.start_mark)
        return str(node.value)

    def _descend(self, node: Node) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise TooComplex(f"line {node.start_mark.line + 1}: values are nested more than {MAX_DEPTH} levels deep")

    def _count(self, container: object, children: Any) -> None:
        size = 1 + sum(self.sizes.get(id(child), 1) for child in children)
        if size > MAX_NODES:
            raise TooComplex(f"the document expands to more than {MAX_NODES:,} values (aliases repeat too much)")
        self.sizes[id(container)] = size


_MarkedLoader.add_constructor("tag:yaml.org,2002:map", _MarkedLoader.construct_marked_map)
_MarkedLoader.add_constructor("tag:yaml.org,2002:seq", _MarkedLoader.construct_marked_seq)


def parse_nodes(text: str) -> tuple[Any, list[Duplicate]]:
    """One YAML document -> (data, duplicate keys). Raises yaml.YAMLError (incl. TooComplex)."""
    _refuse_deep_nesting(text)
    loader = _MarkedLoader(text)
    try:
        return loader.get_single_data(), loader.duplicates
    finally:
        loader.dispose()


def _refuse_deep_nesting(text: str) -> None:
    # Each nesting level needs a flow bracket, or a character of indentation or `- ` on one
    # line, so a document under this bound is safe for the C composer without a scan.
    widest_line = max(map(len, text.splitlines()), default=0)
    if text.count("[") + text.count("{") + widest_line < _C_SAFE_DEPTH:
        return
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise TooComplex(f"values are nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
