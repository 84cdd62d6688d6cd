"""The schema check (jsonschema-rs first, jsonschema for what it finds broken) reports exactly
what jsonschema alone reports, for the topology schema and an overlay's."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from kafkactl.topology.environments import overlay_schema
from kafkactl.topology.structure import SchemaCheck, _validator, schema_text
from tests.test_topology_fuzz import topology_docs, valid_docs

SAME = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCHEMA = json.loads(schema_text())
REFERENCE = Draft202012Validator(SCHEMA)
CHECK = _validator()


def _errors(validator: Any, data: Any) -> list[tuple[str, ...]]:
    return sorted((*map(str, e.absolute_path), e.validator, e.message) for e in validator.iter_errors(data))


def assert_same(data: Any, check: SchemaCheck = CHECK, reference: Draft202012Validator = REFERENCE) -> None:
    assert _errors(check, data) == _errors(reference, data)


@SAME
@given(topology_docs)
def test_topology_shaped_documents_with_wrong_values(doc: Any) -> None:
    assert_same(doc)


@SAME
@given(valid_docs, st.sampled_from(["topics", "subjects", "tenants"]), st.integers(0, 3))
def test_valid_documents_with_one_entry_broken(doc: dict[str, Any], section: str, index: int) -> None:
    assert_same(doc)
    entries = doc.get(section)
    if isinstance(entries, dict) and section != "tenants" and entries:
        name = sorted(entries)[index % len(entries)]
        entries[name] = {**entries[name], "partitions": 0, "unknown": 1}
        assert_same(doc)


def test_a_large_collection_with_a_few_broken_entries() -> None:
    topics: dict[str, Any] = {f"t{i}": {"partitions": 3, "configs": {"retention.ms": "7d"}} for i in range(2000)}
    topics["t7"]["partitions"] = "six"
    topics["t1500"]["replicas"] = 3
    doc = {"topics": topics, "tenants": {"members": {"acme": None, "bad": {"t.{tenant}": {"partitions": -1}}}},
           "extra": 1}
    assert_same(doc)
    assert len(_errors(REFERENCE, doc)) == 4


def test_values_jsonschema_rs_cannot_read_are_still_checked() -> None:
    import datetime

    assert_same({"topics": {"a": {"partitions": datetime.date(2001, 1, 1)}}})
    assert_same({"topics": {"a": {"configs": {"x": b"bytes"}}}})
    assert_same({"cluster": {"name": "\ud800"}})


def test_keys_jsonschema_rs_reports_oddly() -> None:
    # It leaves empty keys out of its paths and reports "0" as the index 0.
    assert_same({"topics": {"": {"partitions": ""}, "partitions": {"partitions": 1}}})
    assert_same({"topics": {"0": {"partitions": ""}, "1": {}}})
    assert_same({"tenants": {"templates": {"": {"partitions": "x"}}, "members": {"7": {"": {"partitions": 0}}}}})


def test_a_collection_broken_as_a_whole_is_not_pruned() -> None:
    assert_same({"topics": [1, 2], "subjects": "none"})
    assert_same({"tenants": {"members": 5, "templates": {"a.{tenant}": {"partitions": "x"}}}})


def test_the_overlay_schema_too() -> None:
    schema = overlay_schema()
    check, reference = SchemaCheck(schema), Draft202012Validator(schema)
    assert_same({"tenants": {"members": {"add": ["x"], "remove": 5}}}, check, reference)
    assert_same({"topics": {"a": {"partitions": 0}}, "connection": {"bootstrap_servers": 5}}, check, reference)
