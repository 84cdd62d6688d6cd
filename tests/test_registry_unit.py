"""Pure helpers of kafkactl.registry and kafkactl.subject_rules: wire format, ordering, the local Avro check. No registry."""

from __future__ import annotations

import json

import httpx
import pytest

from kafkactl.model import LiveSubject, Reference, SubjectSpec
from kafkactl.plan import Action, Change, FieldChange
from kafkactl.registry import error_message, lookup_anchor, references_unsupported, safe_url
from kafkactl.registry_read import common_prefix
from kafkactl.subject_rules import (
    avro_incompatibility,
    direction,
    level_to_set,
    live_subject,
    registers,
    same_schema,
    schema_body,
    waves,
)


def rec(*fields: dict[str, object]) -> str:
    return json.dumps({"type": "record", "name": "E", "namespace": "x", "fields": list(fields)})


A = {"name": "a", "type": "string"}
B_DEFAULT = {"name": "b", "type": "int", "default": 0}
B_REQUIRED = {"name": "b", "type": "int"}


@pytest.mark.parametrize(("new", "old", "level", "compatible"), [
    (rec(A, B_DEFAULT), rec(A), "BACKWARD", True),
    (rec(A, B_REQUIRED), rec(A), "BACKWARD", False),   # the new reader needs b, old data has none
    (rec(A, B_REQUIRED), rec(A), "FORWARD", True),     # the old reader ignores b
    (rec(B_DEFAULT), rec(A), "BACKWARD", True),        # the new reader ignores a
    (rec(B_DEFAULT), rec(A), "FORWARD_TRANSITIVE", False),  # the old reader needs a
    (rec(B_DEFAULT), rec(A), "FULL", False),
    (rec(A, B_DEFAULT), rec(A), "FULL", True),
    (rec(A, B_REQUIRED), rec(A), "NONE", True),
])
def test_avro_incompatibility(new: str, old: str, level: str, compatible: bool) -> None:
    assert (avro_incompatibility(new, old, level) is None) is compatible


def test_avro_incompatibility_names_the_field() -> None:
    assert avro_incompatibility(rec(A, B_REQUIRED), rec(A), "BACKWARD") == (
        "reader_field_missing_default_value: b at /fields/1")


@pytest.mark.parametrize(("level", "expected"), [
    ("BACKWARD_TRANSITIVE", "BACKWARD"), ("FULL", "FULL"), (None, "NONE"), ("NONE", "NONE")])
def test_direction(level: str | None, expected: str) -> None:
    assert direction(level) == expected


def test_waves_put_a_name_after_what_it_waits_for() -> None:
    assert waves({"order": {"money"}, "money": set(), "other": {"not-in-plan"}, "audit": {"order"}}) == [
        ["money", "other"], ["order"], ["audit"]]


@pytest.mark.parametrize(("names", "prefix"), [
    (["chat.a-value", "chat.b-value"], "chat."), (["x"], "x"), ([], ""), (["ab", "abc"], "ab"), (["a", "b"], "")])
def test_common_prefix(names: list[str], prefix: str) -> None:
    assert common_prefix(names) == prefix


def test_safe_url_drops_credentials() -> None:
    assert safe_url("https://user:s3cret@sr.example:8081/apis/ccompat/v7") == "https://sr.example:8081/apis/ccompat/v7"
    assert safe_url("http://127.0.0.1:18081") == "http://127.0.0.1:18081"


@pytest.mark.parametrize(("body", "expected"), [
    ({"message": "io.apicurio.registry.rules.violation.RuleViolationException: Incompatible artifact: x",
      "error_code": 409}, "Incompatible artifact: x"),
    ({"error_code": 42201, "message": "Invalid schema\n  at line 1"}, "Invalid schema at line 1"),
])
def test_error_message_is_one_line_without_java_class(body: dict[str, object], expected: str) -> None:
    assert error_message(httpx.Response(409, json=body)) == expected


def test_schema_body_leaves_avro_type_out_and_sends_references() -> None:
    assert schema_body("AVRO", "{}", []) == {"schema": "{}"}
    assert schema_body("PROTOBUF", "p", [Reference("m.proto", "m", 2)]) == {
        "schema": "p", "schemaType": "PROTOBUF", "references": [{"name": "m.proto", "subject": "m", "version": 2}]}


def test_live_subject_from_a_registry_answer() -> None:
    doc = {"subject": "s", "version": 3, "id": 42, "schema": "x", "schemaType": "JSON",
           "references": [{"name": "n", "subject": "r", "version": 1}]}
    assert live_subject("s", doc) == LiveSubject("s", "JSON", "x", 42, 3, (Reference("n", "r", 1),))
    assert live_subject("s", {"version": 1, "id": 1, "schema": "y"}).schema_type == "AVRO"


@pytest.mark.parametrize(("desired", "live", "same"), [
    ('{"type": "string"}', '{"type":"string"}', True),
    ('{"a": 1, "b": 2}', '{"b":2,"a":1}', True),                 # key order does not matter
    ('{"default": 1}', '{"default": true}', False),             # 1 is not true
    ('{"default": 1}', '{"default": 1.0}', False),
    ('{"fields": [1, 2]}', '{"fields": [2, 1]}', False),         # list order does
])
def test_same_schema(desired: str, live: str, same: bool) -> None:
    spec = SubjectSpec("s", "AVRO", desired)
    assert same_schema(spec, LiveSubject("s", "AVRO", live, 1, 1)) is same
    assert not same_schema(spec, LiveSubject("s", "JSON", live, 1, 1))


def test_what_apply_does_for_each_change() -> None:
    create = Change("subject", "s", Action.CREATE, None, {"compatibility": "FULL"})
    level_only = Change("subject", "s", Action.UPDATE, {}, {}, (FieldChange("compatibility", "NONE", "FULL"),))
    rollback = Change("subject", "s", Action.UPDATE, {}, {}, (FieldChange("version", 3, 1),))
    new_version = Change("subject", "s", Action.UPDATE, {}, {}, (FieldChange("schema", "a", "b"),))
    delete = Change("subject", "s", Action.DELETE, {"compatibility": "FULL"}, None)
    assert [registers(c) for c in (create, level_only, rollback, new_version, delete)] == [
        True, False, False, True, False]
    assert [level_to_set(c) for c in (create, level_only, rollback, new_version, delete)] == [
        "FULL", "FULL", None, None, None]


@pytest.mark.parametrize(("subject", "referenced", "live", "anchor"), [
    ("s", ["r"], ["a", "r", "s"], "s"),     # the subject itself when it is live
    ("s", ["x", "r"], ["a", "r"], "r"),     # else a live subject it references
    ("s", ["x"], ["b", "c"], "b"),          # else any live subject
    ("s", ["x"], [], None),                 # an empty registry can't parse anything read-only
])
def test_lookup_anchor(subject: str, referenced: list[str], live: list[str], anchor: str | None) -> None:
    assert lookup_anchor(subject, referenced, live) == anchor


@pytest.mark.parametrize(("status", "body", "unsupported"), [
    # Karapace 5.0.3, POST /subjects/{s} with AVRO references
    (422, {"error_code": 44302, "message": "Schema references are not supported for 'AVRO' schema type"}, True),
    # Karapace 5.0.3, an unparseable schema
    (422, {"error_code": 42201, "message": "Error while looking up schema under subject s"}, False),
    (422, "not json", False),
])
def test_references_unsupported(status: int, body: object, unsupported: bool) -> None:
    content = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
    assert references_unsupported(httpx.Response(status, content=content)) is unsupported
