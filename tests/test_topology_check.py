"""Semantic rules: one broken topology per rule under tests/topologies/, plus the rule helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kafkactl.errors import TopologyError
from kafkactl.model import Reference
from kafkactl.topology import load
from kafkactl.topology.check import topic_name_problem
from kafkactl.topology.proto import proto_problems

FIXTURES = Path(__file__).parent / "topologies"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def _expected(case: str) -> list[str]:
    return [line for line in (FIXTURES / case / "expect.txt").read_text(encoding="utf-8").splitlines() if line]


def test_every_fixture_says_what_it_expects() -> None:
    assert len(CASES) >= 35
    for case in CASES:
        assert _expected(case), f"{case}/expect.txt is empty"


@pytest.mark.parametrize("case", [c for c in CASES if not c.startswith("warn-")])
def test_broken_topology_reports_exactly_its_problems(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    with pytest.raises(TopologyError) as caught:
        load(case)
    expected = _expected(case)
    assert list(caught.value.details) == expected
    n = len(expected)
    assert caught.value.summary == f"{case}/ is invalid: {n} problem{'s' if n != 1 else ''}"


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("warn-")])
def test_warnings_do_not_stop_a_load(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    result = load(case)
    assert [f"warning: {w}" for w in result.warnings] == _expected(case)


def test_every_problem_of_every_stage_names_file_and_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    for case in CASES:
        for line in _expected(case):
            assert line.removeprefix("warning: ").startswith(f"{case}/a.yaml:") or line.startswith(f"{case}/b.yaml:")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("chat.events", None),
        ("a-b_c.D9", None),
        ("x" * 249, None),
        ("x" * 250, "at most 249"),
        ("", "not a legal topic name"),
        (".", "not a legal topic name"),
        ("..", "not a legal topic name"),
        ("...", None),
        ("chat events", "characters Kafka refuses (' ')"),
        ("chat/events", "characters Kafka refuses ('/')"),
        ("chät", "characters Kafka refuses ('ä')"),
        ("_schemas", "internal"),
        ("__consumer_offsets", "internal"),
    ],
)
def test_topic_name_rules(name: str, problem: str | None) -> None:
    found = topic_name_problem(name)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


PROTO_OK = """
syntax = "proto3";
package com.chat;
import "google/protobuf/timestamp.proto";
import "attachment.proto";
option java_multiple_files = true;
// comment { not a brace
message Message {
  string id = 1;                 /* block } comment */
  google.protobuf.Timestamp at = 2;
  repeated com.chat.Attachment attachments = 3;
  map<string, string> labels = 4;
  oneof body { string text = 5; bytes blob = 6; }
  reserved 7 to 9;
  string note = 10 [deprecated = true];
}
enum Kind { KIND_UNSPECIFIED = 0; TEXT = 1; }
service Chat { rpc Send (Message) returns (Message); }
"""


def test_protobuf_accepts_a_real_schema() -> None:
    assert proto_problems(PROTO_OK, [Reference("attachment.proto", "com.chat.Attachment")]) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("message A {}", 'must start with syntax = "proto3";'),
        ('syntax = "proto4"; message A {}', "unknown syntax"),
        ('syntax = "proto3";', "declares no message, enum or service"),
        ('syntax = "proto3"; message A { string a = 1;', "line 1: '{' is never closed"),
        ('syntax = "proto3";\nmessage A { }\n}', "line 3: unmatched '}'"),
        ('syntax = "proto3"; message { }', "expected message NAME { ... }"),
        ('syntax = "proto3"; mesage A { }', "unexpected 'mesage' at the top level"),
        ('syntax = "proto3"; message A { string s = 1; } @', "unexpected character '@'"),
        ('syntax = "proto3"; import "b.proto"; message A {}', "import \"b.proto\" has no reference named 'b.proto'"),
        ('syntax = "proto3"; package a message A {}', "package statement has no closing ';'"),
        ('syntax = "proto3"; message A { string s = 1 "; }', "unexpected character '\"'"),
    ],
)
def test_protobuf_problems(text: str, problem: str) -> None:
    problems = proto_problems(text, [])
    assert len(problems) == 1 and problem in problems[0], problems
