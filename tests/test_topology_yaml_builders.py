"""The event builder (``marked.parse``) means what the reference loader (``marked_nodes``) means.

Every document gets the same data, key order, positions and duplicate keys from both, or
the same error; documents of the common shape never need the reference loader.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kafkactl.topology import marked
from kafkactl.topology.marked import MarkedDict, MarkedList, parse
from kafkactl.topology.marked_nodes import parse_nodes

SAME = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _shape(data: Any) -> Any:
    """Data with every position and the key order spelled out, so == compares them too."""
    if isinstance(data, MarkedDict):
        return ("map", data.pos, [(k, data.key_pos[k], data.value_pos[k], _shape(v)) for k, v in data.items()])
    if isinstance(data, MarkedList):
        return ("seq", data.pos, [(p, _shape(v)) for p, v in zip(data.item_pos, data, strict=True)])
    return (type(data).__name__, repr(data))


def _outcome(fn: Any, text: str) -> Any:
    try:
        data, duplicates = fn(text)
    except Exception as e:  # both must fail alike, whatever the error is
        return ("error", type(e).__name__, str(e))
    return ("ok", _shape(data), sorted((d.key, d.first, d.again) for d in duplicates))


def assert_same(text: str) -> None:
    assert _outcome(parse, text) == _outcome(parse_nodes, text), text


def covered(text: str) -> bool:
    """Whether the event builder decides ``text`` without the reference loader."""
    try:
        marked._EventBuilder(text).run()
    except marked._NotCovered:
        return False
    return True


CASES = [
    "",
    "---\n",
    "# only a comment\n",
    "a: 1\n",
    "just a scalar\n",
    "- a\n- b\n",
    "topics:\n  a: {partitions: 3, configs: {retention.ms: 7d}}\n  b:\n    partitions: 6\n",
    "a: 1\nb: 2\na: 3\n",
    "a: {x: 1, x: 2}\na: {y: 1, y: 2}\n",  # duplicates inside a dropped duplicate's value
    "a: &x {p: 1}\nb: *x\nc: [*x, *x]\n",
    "base: &b {p: 1, q: 2}\nother:\n  q: 9\n  <<: *b\n  r: 3\n",
    "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc: {<<: [*a, *b], z: 3}\n",
    "a: &a {x: 1}\nb: &b {y: 2}\nc: {<<: *a, <<: *b}\n",
    "a: &a {x: 1, x: 2}\nc: {<<: *a}\n",  # merging a mapping with a duplicate key
    "c: {<<: {x: 1}, x: 2}\n",
    "c: {<<: 5}\n",
    "c: {<<: [1, 2]}\n",
    "a: <<\n",
    "? {a: 1}\n: x\n",
    "? [a]\n: x\n",
    "&k key: v\nother: *k\n",
    "a: &x 1\n*x : 2\n",
    "a: *nope\n",
    "a: &x 1\nb: &x 2\n",
    "a: &x [*x]\n",
    "a: !!str 123\nb: !!int '5'\nc: ! 7\n",
    "a: !custom x\n",
    "a: !!set {x, y}\n",
    "a: !!binary aGVsbG8=\n",
    "---\na: 1\n---\nb: 2\n",
    "a: [1, 2\n",
    "a: 'unterminated\n",
    "a:\tb\n",
    "a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\nc: 2001-02-30\n",
    "a: [yes, no, on, off, ~, null, '', 0x1f, 0o17, 017, 1_000, 1:30, .inf, -.nan, 1e3, 3.5, true]\n",
    "1e3: a\nno: b\n123: c\n'quoted': d\n\"dq\": e\n",
    "a: |\n  block\n  text\nb: >\n  folded\n",
    "= : 1\nb: =\n",
    "[" * 65 + "]" * 65,
    "[" * 64 + "]" * 64,
    "[" * 10_000 + "]" * 10_000,
    "\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
              + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]),
    "a: \x07\n",
    "\ufeffa: 1\n",
]


@pytest.mark.parametrize("text", CASES)
def test_hand_written_documents(text: str) -> None:
    assert_same(text)


def test_documents_of_the_common_shape_need_no_reference_loader() -> None:
    for text in CASES[:13]:
        assert covered(text), text
    assert not covered("a: !!str 1\n") and not covered("a: &a {x: 1, x: 2}\nb: {<<: *a}\n")


scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=12),
                    st.sampled_from(["7d", "yes", "no", "~", "<<", "=", "0x10", "017", "2001-12-14", "1:30", "!x"]))
data = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=6) | st.sampled_from(["a", "b", "<<", "no", "1"]), inner, max_size=4), max_leaves=15)


@SAME
@given(data, st.booleans())
def test_dumped_documents(value: Any, flow: bool) -> None:
    assert_same(yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True))


@SAME
@given(st.text(alphabet=st.sampled_from(list(":-?[]{}#&*!|>'\",\n ab<=1\t")), max_size=80))
def test_yaml_punctuation(text: str) -> None:
    assert_same(text)


@SAME
@given(st.lists(st.sampled_from(["a", "b", "c", "<<", "no"]), min_size=1, max_size=8),
       st.lists(st.sampled_from(["1", "&x 1", "*x", "&y {p: 1, q: 2}", "*y", "[*y]", "{a: 1, a: 2}", "&z {a: 1, a: 2}",
                                 "*z", "[*y, *z]", "!!str 2", "{}"]), min_size=8, max_size=8))
def test_anchors_merges_and_duplicates(keys: list[str], values: list[str]) -> None:
    assert_same("".join(f"{k}: {v}\n" for k, v in zip(keys, values, strict=False)))


def test_positions_are_kept_exactly_packed_or_not() -> None:
    data = MarkedDict((1, 1))
    data.place("a", (3, 5), (3, 8))
    data.place("wide", (2**40, 1), (7, 2**30))  # beyond the packed range: kept as given
    assert data.key_pos == {"a": (3, 5), "wide": (2**40, 1)} and data.value_pos["wide"] == (7, 2**30)
    data.key_pos["b"] = (9, 1)  # one half at a time, as overlays set them
    assert "b" in data.key_pos and "b" not in data.value_pos and data.value_pos.get("b") is None
    data.value_pos["b"] = (9, 4)
    assert (data.key_pos["b"], data.value_pos["b"], len(data.key_pos)) == ((9, 1), (9, 4), 3)
    del data.key_pos["a"]
    assert list(data.key_pos) == ["wide", "b"] and data.value_pos["a"] == (3, 8)
    parsed, _ = parse("x: 1\nm: {a: " + "z" * 2**24 + ", b: 2}\n")  # a column past 2**24
    assert parsed.key_pos["x"] == (1, 1) and parsed["m"].key_pos["b"] == (2, 2**24 + 10)
    assert parsed["m"].value_pos["b"] == (2, 2**24 + 13)
