"""Fuzzing the loader: whatever the files hold, ``load`` returns or raises TopologyError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kafkactl.errors import TopologyError
from kafkactl.topology import load

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["7d", "forever", "1GiB", "-1", "{tenant}", "x.{tenant}", "BACKWARD", "latest", "s.avsc",
                     "s.json", "s.proto", "../s.avsc", "_internal", "a" * 260, "*", "[", "chat.*"]),
)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=10,
)
names = st.sampled_from(["a", "chat.events", "chat_events", "t.{tenant}", "x.{tenant}.{tenant}", "acme", "Acme",
                         "no", "_x", "", "a b", "com.chat.Attachment", "a-value", "x" * 250])
FIELDS = ["partitions", "replication_factor", "configs", "key_schema", "value_schema", "compatibility", "dlq",
          "protect", "schema", "type", "references", "name", "subject", "version", "brokers", "owns", "protect",
          "ignore_configs", "templates", "members", "min.insync.replicas", "retention.ms", "cleanup.policy"]


@st.composite
def shaped_value(draw: st.DrawFn, depth: int = 0) -> Any:
    """Values shaped like the topology format, with a wrong type or value anywhere."""
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        return draw(scalars)
    keys = st.one_of(st.sampled_from(FIELDS), names)
    return draw(st.dictionaries(keys, shaped_value(depth + 1), max_size=3))


topology_docs = st.fixed_dictionaries(
    {},
    optional={
        "cluster": shaped_value(1),
        "defaults": shaped_value(1),
        "topics": st.dictionaries(names, shaped_value(1), max_size=4),
        "tenants": st.fixed_dictionaries(
            {}, optional={"templates": st.dictionaries(names, shaped_value(1), max_size=3),
                          "members": st.dictionaries(names, st.none() | shaped_value(1), max_size=3)}),
        "subjects": st.dictionaries(names, shaped_value(1), max_size=3),
        "extra": scalars,
    },
)
schema_texts = st.one_of(
    st.text(max_size=80),
    st.sampled_from(['"string"', '{"type": "record", "name": "R", "fields": []}', '{"type": "object"}',
                     'syntax = "proto3"; message A {}', '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "X"}]}',
                     '{"type": 5}', '{"properties": {"a": {"type": "strng"}}}',
                     '{"type": "record", "name": "R", "namespace": 5, "fields": 5}',
                     '{"type": "record", "name": "R", "namespace": "com.chat", "fields": [{"name": "a", "type": "com.chat.R"}]}']),
)


# ---- documents that pass the JSON Schema, so every semantic rule gets random input --------------

LEVELS = ["BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"]
config_keys = st.sampled_from(["retention.ms", "retention.bytes", "min.insync.replicas", "cleanup.policy",
                               "segment.ms", "max.message.bytes", "retention.msx", "x.y"]) | st.text(max_size=10)
config_values = st.one_of(st.text(max_size=10), st.integers(-3, 2**64), st.booleans(), st.floats(),
                          st.sampled_from(["7d", "1GiB", "forever", "2", "7x"]),
                          st.lists(st.text(max_size=5) | st.integers(), max_size=3))
configs = st.dictionaries(config_keys, config_values, max_size=3)
paths = st.sampled_from(["s.avsc", "s.json", "s.proto", "missing.avsc", "s.txt", "../s.avsc", "r.avsc"])
small = st.integers(1, 5)
topic_names = names | st.text(max_size=12)
topic = st.fixed_dictionaries({}, optional={
    "partitions": small, "replication_factor": small, "configs": configs, "key_schema": paths,
    "value_schema": paths, "compatibility": st.sampled_from(LEVELS),
    "dlq": st.booleans() | st.fixed_dictionaries({}, optional={"partitions": small, "configs": configs}),
})
template = topic.flatmap(lambda t: st.fixed_dictionaries({k: st.just(v) for k, v in t.items()},
                                                          optional={"protect": st.booleans()}))
reference = st.fixed_dictionaries({"name": st.sampled_from(["com.chat.R", "x.proto", "r"]),
                                   "subject": names.filter(bool)},
                                  optional={"version": st.integers(1, 3) | st.just("latest")})
subject = st.fixed_dictionaries({"schema": paths}, optional={
    "type": st.sampled_from(["AVRO", "JSON", "PROTOBUF"]), "compatibility": st.sampled_from(LEVELS),
    "references": st.lists(reference, max_size=2)})
globs = st.lists(st.sampled_from(["chat.*", "*", "_x*", "a b", "[ab", "audit.log"]) | st.text(min_size=1, max_size=6),
                 max_size=2)
valid_docs = st.fixed_dictionaries({}, optional={
    "cluster": st.fixed_dictionaries({}, optional={"name": st.text(min_size=1, max_size=5), "brokers": small,
                                                   "configs": configs, "owns": globs, "protect": globs}),
    "defaults": st.fixed_dictionaries({}, optional={"partitions": small, "replication_factor": small,
                                                    "configs": configs, "compatibility": st.sampled_from(LEVELS)}),
    "topics": st.dictionaries(topic_names, topic, max_size=4),
    "tenants": st.fixed_dictionaries({}, optional={
        "templates": st.dictionaries(names | st.sampled_from(["c.{tenant}.x", "{tenant}"]), template, max_size=3),
        "members": st.dictionaries(names | st.text(max_size=6),
                                   st.none() | st.dictionaries(names, topic, max_size=2), max_size=4)}),
    "subjects": st.dictionaries(names, subject, max_size=3),
})


@FUZZ
@given(st.lists(valid_docs, min_size=1, max_size=3), schema_texts, schema_texts, schema_texts)
def test_schema_valid_documents_reach_every_semantic_rule(docs: list[Any], avsc: str, js: str, proto: str) -> None:
    files = {f"{i}.yaml": _dump(doc) for i, doc in enumerate(docs)}
    files.update({"s.avsc": avsc.encode(), "s.json": js.encode(), "s.proto": proto.encode(),
                  "r.avsc": b'{"type": "record", "name": "R", "namespace": "com.chat", "fields": []}'})
    _load_files(files, schema_valid=True)


def _load_files(files: dict[str, bytes], schema_valid: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in files.items():
            (Path(tmp) / name).write_bytes(content)
        try:
            load(tmp)
        except TopologyError as e:
            assert e.summary and e.details and all(isinstance(line, str) for line in e.details)
            if schema_valid:  # the generator must really get past the schema stage
                assert e.hint is None, e.details


def _dump(doc: Any) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")


@FUZZ
@given(anything)
def test_random_yaml_documents(doc: Any) -> None:
    _load_files({"a.yaml": _dump(doc)})


@FUZZ
@given(st.lists(topology_docs, min_size=1, max_size=3), schema_texts, schema_texts, schema_texts)
def test_topology_shaped_documents_with_wrong_types_everywhere(docs: list[Any], avsc: str, js: str, proto: str) -> None:
    files = {f"{i}.yaml": _dump(doc) for i, doc in enumerate(docs)}
    files.update({"s.avsc": avsc.encode(), "s.json": js.encode(), "s.proto": proto.encode()})
    _load_files(files)


@FUZZ
@given(st.binary(max_size=300))
def test_binary_garbage(content: bytes) -> None:
    _load_files({"a.yaml": content})


@FUZZ
@given(st.text(alphabet=st.sampled_from(list(":-?[]{}#&*!|>'\"%@`,\n\t ab\\\x00\ufeff")), max_size=120))
def test_yaml_punctuation_soup(text: str) -> None:
    _load_files({"a.yaml": text.encode("utf-8")})


def test_empty_and_whitespace_files() -> None:
    _load_files({"a.yaml": b"", "b.yml": b"\n\n   \n", "c.yaml": b"# only a comment\n", "d.yaml": b"---\n"})


def test_very_large_files() -> None:
    members = "tenants:\n  templates: {\"t.{tenant}\": {}}\n  members:\n" + "".join(f"    t{i}:\n" for i in range(50_000))
    defaults = "defaults: {partitions: 1, replication_factor: 1}\n"
    _load_files({"a.yaml": (defaults + members).encode(), "b.yaml": b"x" * 2_000_000, "c.yaml": b"[" * 200_000})
