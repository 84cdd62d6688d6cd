"""Loading: files found and merged, YAML positions and duplicate keys, the JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from kafkactl.errors import TopologyError
from kafkactl.model import COMPATIBILITY_LEVELS
from kafkactl.topology import load, schema_text
from kafkactl.topology.files import yaml_files
from kafkactl.topology.marked import MAX_DEPTH, MarkedDict, TooComplex, parse

ROOT = Path(__file__).resolve().parent.parent
BASE = "defaults: {partitions: 1, replication_factor: 1}\n"

Write = Callable[[str, str], Path]


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Write:
    """Write a file under ./topo (relative, so messages read ``topo/FILE:LINE``)."""
    monkeypatch.chdir(tmp_path)

    def _write(name: str, text: str) -> Path:
        path = tmp_path / "topo" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def _details(directory: str = "topo") -> tuple[str, ...]:
    with pytest.raises(TopologyError) as caught:
        load(directory)
    return caught.value.details


def test_files_are_found_recursively_sorted_and_hidden_ones_skipped(write: Write) -> None:
    for name in ("b.yaml", "a/z.yml", "a/b.yaml", ".hidden.yaml", ".git/x.yaml", "notes.txt", "c.json"):
        write(name, "")
    assert yaml_files(Path("topo")) == ["a/b.yaml", "a/z.yml", "b.yaml"]


def test_sections_merge_across_files(write: Write) -> None:
    write("cluster.yaml", "cluster: {name: c, brokers: 1, owns: ['a.*']}\n" + BASE)
    write("more/cluster.yaml", "cluster: {owns: ['b.*', 'a.*'], protect: ['a.keep']}\ndefaults: {configs: {retention.ms: 1d}}\n")
    write("topics/a.yaml", "topics: {a.one: {}}\n")
    write("topics/b.yaml", "topics: {a.two: {partitions: 2}}\n")
    write("empty.yaml", "")
    write("comments.yaml", "# nothing but a comment\n")
    topology = load("topo").topology
    assert list(topology.topics) == ["a.one", "a.two"]
    assert topology.topics["a.two"].partitions == 2
    assert dict(topology.topics["a.one"].configs) == {"retention.ms": "86400000"}
    assert topology.cluster.owns == ("a.*", "b.*")
    assert topology.cluster.protect == ("a.keep",)


def test_a_name_defined_in_two_files_names_both_places(write: Write) -> None:
    write("a.yaml", BASE + "tenants:\n  templates:\n    \"t.{tenant}\": {}\nsubjects:\n  s: {schema: s.avsc}\n")
    write("b.yaml", "tenants:\n  templates:\n    \"t.{tenant}\": {}\nsubjects:\n  s: {schema: s.avsc}\n")
    write("s.avsc", '"string"')
    assert _details() == (
        "topo/b.yaml:3: template 't.{tenant}' is defined twice: at topo/a.yaml:4 and at topo/b.yaml:3",
        "topo/b.yaml:5: subject 's' is defined twice: at topo/a.yaml:6 and at topo/b.yaml:5",
    )


def test_duplicate_keys_in_one_file_are_all_reported_with_both_lines(write: Write) -> None:
    write("a.yaml", BASE + "topics:\n  x:\n    partitions: 1\n    partitions: 2\n  x: {}\ncluster: {}\ncluster: {}\n")
    assert _details() == (
        "topo/a.yaml:5:5: duplicate key 'partitions': first at topo/a.yaml:4, again at topo/a.yaml:5",
        "topo/a.yaml:6:3: duplicate key 'x': first at topo/a.yaml:3, again at topo/a.yaml:6",
        "topo/a.yaml:8:1: duplicate key 'cluster': first at topo/a.yaml:7, again at topo/a.yaml:8",
    )


def test_schema_errors_of_every_file_are_reported_together(write: Write) -> None:
    write("a.yaml", "topics:\n  x: {partitions: -1}\n")
    write("b.yaml", "tenants:\n  members:\n    acme: {x: {replication_factors: 1}}\nextra: 1\n")
    with pytest.raises(TopologyError) as caught:
        load("topo")
    assert caught.value.summary == "topo/ is invalid: 3 problems"
    assert caught.value.details == (
        "topo/a.yaml:2:19: topics.x.partitions: -1 is less than the minimum of 1",
        "topo/b.yaml:3:16: tenants.members.acme.x.replication_factors: unknown key 'replication_factors' "
        "(did you mean 'replication_factor'?)",
        "topo/b.yaml:4:1: extra: unknown key 'extra' (allowed: cluster, defaults, principals, quotas, subjects, tenants, topics, users)",
    )
    assert caught.value.hint is not None and "--print-schema" in caught.value.hint


def test_keys_are_their_source_text(write: Write) -> None:
    # YAML 1.1 would read `no` as false, `123` as an int and `1e3` as a float.
    write("a.yaml", BASE + "tenants:\n  templates: {\"t.{tenant}\": {}}\n  members:\n    no:\n    123:\ntopics:\n  1e3: {}\n")
    topology = load("topo").topology
    assert topology.tenants == ("123", "no")
    assert set(topology.topics) == {"1e3", "t.123", "t.no"}


def test_anchors_aliases_and_merge_keys(write: Write) -> None:
    write("a.yaml", BASE + (
        "topics:\n"
        "  base: &common\n"
        "    partitions: 3\n"
        "    configs: {retention.ms: 1h}\n"
        "  other:\n"
        "    <<: *common\n"
        "    partitions: 4\n"  # a key next to a merge overrides the merged one; not a duplicate
    ))
    topics = load("topo").topology.topics
    assert (topics["base"].partitions, topics["other"].partitions) == (3, 4)
    assert dict(topics["other"].configs) == {"retention.ms": "3600000"}


def test_a_missing_directory_or_a_file_is_a_topology_error(tmp_path: Path) -> None:
    with pytest.raises(TopologyError, match="does not exist"):
        load(tmp_path / "nope")
    (tmp_path / "file.yaml").write_text("")
    with pytest.raises(TopologyError, match="is not a directory"):
        load(tmp_path / "file.yaml")


def test_an_empty_directory_is_an_empty_topology(tmp_path: Path) -> None:
    topology = load(tmp_path).topology
    assert not topology.topics and not topology.subjects and topology.cluster.brokers == 3


def test_deep_nesting_is_refused_before_it_can_crash() -> None:
    with pytest.raises(TooComplex):
        parse("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(TooComplex):  # beyond what libyaml's C composer survives
        parse("[" * 100_000 + "]" * 100_000)
    data, _ = parse("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))
    assert isinstance(data, list)


def test_alias_bombs_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(TooComplex, match="expands to more than"):
        parse("\n".join(lines))


def test_positions_are_one_based_for_keys_and_values() -> None:
    data, duplicates = parse("a:\n  b: 1\n  c: [x, y]\n")
    assert not duplicates and isinstance(data, MarkedDict)
    inner = data["a"]
    assert inner.key_pos == {"b": (2, 3), "c": (3, 3)}
    assert inner.value_pos["b"] == (2, 6)
    assert inner["c"].item_pos == [(3, 7), (3, 10)]


def test_a_key_that_is_a_mapping_is_an_error(write: Write) -> None:
    write("a.yaml", "topics:\n  ? {a: 1}\n  : {}\n")
    assert _details() == ("topo/a.yaml:2:5: invalid YAML: a mapping key must be a plain value, not a list or mapping",)


# ---- the JSON Schema ------------------------------------------------------------------------


def _schema() -> dict[str, Any]:
    return dict(json.loads(schema_text()))


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def test_schema_is_valid_draft_2020_12_and_closed_everywhere() -> None:
    schema = _schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == Draft202012Validator.META_SCHEMA["$id"]
    for node in _objects(schema):
        if "properties" in node:
            assert node.get("additionalProperties") is False, node


def test_schema_compatibility_levels_are_the_models() -> None:
    assert tuple(_schema()["$defs"]["compatibility"]["enum"]) == COMPATIBILITY_LEVELS


def test_example_files_point_editors_at_the_schema() -> None:
    files = sorted((ROOT / "topology").glob("*.yaml"))
    assert len(files) >= 3
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../kafkactl/topology/schema.json"
        assert (path.parent / "../kafkactl/topology/schema.json").resolve().is_file()
