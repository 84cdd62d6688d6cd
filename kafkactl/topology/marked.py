"""YAML text -> plain data that remembers where every key and value was written.

Rules:
- A key written twice in one mapping is reported with both positions (PyYAML would
  silently keep the last one); the first value is kept so later checks still run.
- Mapping keys are the key's source text (``no:`` is the tenant ``no``, ``123:`` the topic
  ``123``); a key that is itself a mapping or a list is an error.
- ``<<`` merge keys work; a key written next to a merge overrides the merged one.
- Nesting deeper than ``MAX_DEPTH`` and documents whose aliases expand beyond ``MAX_NODES``
  are refused before anything recursive or exponential runs on them.
- Positions are 1-based ``(line, column)``.
- Two builders, one meaning: documents are built straight from libyaml's events (no node
  tree: 100,000 topics in about a third of the time and memory), and every document that
  builder does not cover (explicit tags, aliases as keys, anchors on keys, merges of
  mappings with duplicate keys, several documents, anything past the limits, any other
  error) is parsed again by the reference loader in ``marked_nodes``, which decides what
  it means or which error it gets. Scalars resolve with PyYAML's SafeLoader rules either way.
- The cyclic garbage collector is paused while a document is built: the data holds no
  cycles, and collections triggered by a million new objects cost more than the build.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import ScalarNode

Pos = tuple[int, int]
MAX_DEPTH = 64
MAX_NODES = 5_000_000


class MarkedDict(dict[str, Any]):
    """A YAML mapping, with the position of the mapping, each key and each value.

    ``key_pos`` and ``value_pos`` read and write one packed int per key (``_at``): two
    dicts of tuples cost 100,000 topics about 60 MB more.
    """

    __slots__ = ("_at", "pos")

    def __init__(self, pos: Pos) -> None:
        super().__init__()
        self.pos = pos
        self._at: dict[str, _Packed] = {}

    @property
    def key_pos(self) -> Positions:
        return Positions(self._at, 0)

    @property
    def value_pos(self) -> Positions:
        return Positions(self._at, 1)

    def place(self, key: str, key_pos: Pos, value_pos: Pos) -> None:
        """Record where ``key`` and its value were written."""
        self._at[key] = _pack(key_pos, value_pos)


# Lines in the low 32 bits of each half, columns above them; what does not fit stays a tuple.
_Packed = int | tuple[Pos | None, Pos | None]
_LINE_BITS, _COL_BITS = 32, 24
_HALF = _LINE_BITS + _COL_BITS


def _pack(key_pos: Pos | None, value_pos: Pos | None) -> _Packed:
    if key_pos is not None and value_pos is not None:
        (key_line, key_col), (value_line, value_col) = key_pos, value_pos
        if (key_line | value_line) >> _LINE_BITS == 0 and (key_col | value_col) >> _COL_BITS == 0:
            return key_line | key_col << _LINE_BITS | value_line << _HALF | value_col << (_HALF + _LINE_BITS)
    return key_pos, value_pos


def _unpack(packed: _Packed, half: int) -> Pos | None:
    if type(packed) is tuple:
        return packed[half]
    assert isinstance(packed, int)
    bits = packed >> (_HALF * half)
    return bits & ((1 << _LINE_BITS) - 1), (bits >> _LINE_BITS) & ((1 << _COL_BITS) - 1)


class Positions(MutableMapping[str, Pos]):
    """The key (half 0) or value (half 1) positions of a MarkedDict, by key."""

    __slots__ = ("_at", "_half")

    def __init__(self, at: dict[str, _Packed], half: int) -> None:
        self._at, self._half = at, half

    def __getitem__(self, key: str) -> Pos:
        pos = _unpack(self._at[key], self._half)
        if pos is None:
            raise KeyError(key)
        return pos

    def get(self, key: str, default: Any = None) -> Any:  # Mapping.get's try/except costs 100,000 topics 0.3 s
        packed = self._at.get(key)
        pos = None if packed is None else _unpack(packed, self._half)
        return default if pos is None else pos

    def __setitem__(self, key: str, pos: Pos) -> None:
        old = self._at.get(key)
        halves: list[Pos | None] = [None, None] if old is None else [_unpack(old, 0), _unpack(old, 1)]
        halves[self._half] = pos
        self._at[key] = _pack(halves[0], halves[1])

    def __delitem__(self, key: str) -> None:
        other = _unpack(self._at[key], 1 - self._half)
        if other is None:
            del self._at[key]
        else:
            self._at[key] = (None, other) if self._half == 0 else (other, None)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._at and _unpack(self._at[key], self._half) is not None

    def __iter__(self) -> Iterator[str]:
        return (key for key, packed in self._at.items() if _unpack(packed, self._half) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class MarkedList(list[Any]):
    """A YAML sequence, with the position of the sequence and each item."""

    __slots__ = ("item_pos", "pos")

    def __init__(self, pos: Pos) -> None:
        super().__init__()
        self.pos = pos
        self.item_pos: list[Pos] = []


class Duplicate(yaml.YAMLError):
    """A key written twice in one mapping."""

    def __init__(self, key: str, first: Pos, again: Pos) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.first, self.again = key, first, again


class TooComplex(yaml.YAMLError):
    """Nesting or alias expansion beyond the limits."""


def parse(text: str) -> tuple[Any, list[Duplicate]]:
    """One YAML document -> (data, duplicate keys). Raises yaml.YAMLError (incl. TooComplex)."""
    with gc_paused():
        try:
            return _EventBuilder(text).run()
        except _NotCovered:
            from kafkactl.topology.marked_nodes import parse_nodes  # only for the documents it must decide

            return parse_nodes(text)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (reference counting still frees everything acyclic)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _NotCovered(Exception):
    """The event builder leaves this document to the reference loader."""


_STR_TAG = "tag:yaml.org,2002:str"
# Tags plain scalars may resolve to that SafeLoader constructs (merge, value and yaml are errors there).
_CONSTRUCTED = frozenset(f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "timestamp"))
_RESOLVERS: dict[str, list[tuple[str, Any]]] = yaml.SafeLoader.yaml_implicit_resolvers
assert None not in _RESOLVERS  # SafeLoader has no wildcard resolvers; _resolve relies on it
_IN_PROGRESS = object()
_NO_KEY = object()


class _Map:
    """A mapping being built: its own keys (duplicates recorded), and merges applied at its end."""

    __slots__ = ("anchor", "data", "dropped", "key", "key_at", "merges", "size")

    def __init__(self, pos: Pos, anchor: str | None) -> None:
        self.data = MarkedDict(pos)
        self.anchor = anchor
        self.key: Any = _NO_KEY  # the key whose value comes next: a str, or _MERGE for `<<`
        self.key_at: Pos = pos
        self.dropped = (0, 0)  # for a duplicate key: (duplicates, anchors) seen before its value
        self.merges: list[list[MarkedDict]] = []
        self.size = 1  # values below it, aliases expanded, counted as the reference loader does or more


class _Seq:
    __slots__ = ("anchor", "data", "size")

    def __init__(self, pos: Pos, anchor: str | None) -> None:
        self.data = MarkedList(pos)
        self.anchor = anchor
        self.size = 1


_MERGE = object()
_MISSING = object()


class _EventBuilder:
    """libyaml events -> MarkedDict / MarkedList, iteratively (no recursion, no node tree).

    ``_document`` is one loop with the common cases inline: it runs once per event, a
    million times for 100,000 topics, so every call it saves shows.
    """

    def __init__(self, text: str) -> None:
        self.loader = yaml.CSafeLoader(text)
        self.duplicates: list[Duplicate] = []
        self.anchors: dict[str, Any] = {}  # name -> (value, pos, size) or _IN_PROGRESS
        self.with_duplicates: set[int] = set()  # id() of mappings that had a duplicate key
        self.scalars: dict[str, Any] = {}  # plain scalar text -> its value (all immutable, so shared)
        self.keys: dict[str, str] = {}  # one str object per distinct key text

    def run(self) -> tuple[Any, list[Duplicate]]:
        try:
            get: Callable[[], Event | None] = self.loader.get_event
            _expect(get(), StreamStartEvent)
            first = get()
            if type(first) is StreamEndEvent:
                return None, []
            _expect(first, DocumentStartEvent)
            data = self._document(get)
            _expect(get(), StreamEndEvent)  # several documents: the reference loader's error
            return data, self.duplicates
        finally:
            self.loader.dispose()

    def _document(self, get: Callable[[], Event | None]) -> Any:
        stack: list[Any] = []
        top: Any = None  # stack[-1]
        in_map = False  # top is a _Map
        scalars, keys = self.scalars, self.keys
        while True:
            event: Any = get()
            kind = type(event)
            if kind is ScalarEvent:
                if event.tag is not None:
                    raise _NotCovered
                mark, text = event.start_mark, event.value
                if in_map and top.key is _NO_KEY:
                    if event.anchor is not None:
                        raise _NotCovered
                    top.key = _MERGE if text == "<<" and event.implicit[0] else keys.setdefault(text, text)
                    top.key_at = (mark.line + 1, mark.column + 1)
                    if top.key in top.data:
                        top.dropped = (len(self.duplicates), len(self.anchors))
                    continue
                if not event.implicit[0]:  # quoted or block scalars are strings
                    value = text
                elif (value := scalars.get(text, _MISSING)) is _MISSING:
                    value = scalars[text] = self._resolve(text)
                pos, size = (mark.line + 1, mark.column + 1), 1
                if event.anchor is not None:
                    self._anchor(event.anchor, (value, pos, size))
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.tag is not None or (in_map and top.key is _NO_KEY) or len(stack) >= MAX_DEPTH:
                    raise _NotCovered
                mark = event.start_mark
                in_map = kind is MappingStartEvent
                top = (_Map if in_map else _Seq)((mark.line + 1, mark.column + 1), event.anchor)
                stack.append(top)
                if event.anchor is not None:
                    self._anchor(event.anchor, _IN_PROGRESS)
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                done = stack.pop()
                value, pos, size = self._finish(done) if kind is MappingEndEvent else done.data, done.data.pos, done.size
                if done.anchor is not None:
                    self.anchors[done.anchor] = (value, pos, size)
                top = stack[-1] if stack else None
                in_map = type(top) is _Map
            elif kind is AliasEvent:
                found = self.anchors.get(event.anchor)
                if found is None or found is _IN_PROGRESS or (in_map and top.key is _NO_KEY):
                    raise _NotCovered
                value, pos, size = found
            else:
                raise _NotCovered
            if top is None:
                _expect(get(), DocumentEndEvent)
                return value
            top.size += size
            if top.size > MAX_NODES:
                raise _NotCovered
            if not in_map:
                top.data.append(value)
                top.data.item_pos.append(pos)
                continue
            key, top.key, data = top.key, _NO_KEY, top.data
            if key is _MERGE:
                top.merges.append(self._mergeable(value))
            elif key in data:
                self._drop(top.dropped)
                self.duplicates.append(Duplicate(key, data.key_pos[key], top.key_at))
                self.with_duplicates.add(id(data))
            else:
                data[key] = value
                data._at[key] = _pack(top.key_at, pos)

    def _drop(self, before: tuple[int, int]) -> None:
        """Forget what a duplicate key's value held: the reference loader never builds that value."""
        duplicates, anchors = before
        if len(self.anchors) != anchors:  # an anchor there is built when an alias uses it: its order
            raise _NotCovered
        del self.duplicates[duplicates:]

    def _anchor(self, name: str, found: object) -> None:
        if name in self.anchors:  # a duplicate anchor is the reference loader's error
            raise _NotCovered
        self.anchors[name] = found

    def _resolve(self, text: str) -> Any:
        """A plain scalar's value under SafeLoader's implicit resolvers."""
        for tag, regexp in _RESOLVERS.get(text[:1], ()):
            if regexp.match(text):
                if tag not in _CONSTRUCTED:
                    raise _NotCovered
                try:
                    return self.loader.yaml_constructors[tag](self.loader, ScalarNode(tag, text))
                except ValueError as e:  # such as 2001-02-30
                    raise _NotCovered from e
        return text

    def _mergeable(self, value: Any) -> list[MarkedDict]:
        """The mappings a `<<` value merges, lowest precedence first (PyYAML: the first listed wins)."""
        sources = list(reversed(value)) if type(value) is MarkedList else [value]
        if not all(type(s) is MarkedDict and id(s) not in self.with_duplicates for s in sources):
            raise _NotCovered
        return sources

    @staticmethod
    def _finish(done: _Map) -> MarkedDict:
        """The mapping, with its merges first and its own keys over them (as PyYAML orders them)."""
        if not done.merges:
            return done.data
        merged = MarkedDict(done.data.pos)
        for source in [s for group in done.merges for s in group] + [done.data]:
            for key, value in source.items():
                merged[key] = value
                merged._at[key] = source._at[key]
        return merged


def _expect(event: Event | None, kind: type[Event]) -> None:
    if type(event) is not kind:
        raise _NotCovered
