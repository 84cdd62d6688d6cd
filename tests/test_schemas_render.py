"""The human rendering of subject changes, compared as exact text (plans built by the pure subject diff)."""

from __future__ import annotations

import io
import json
from types import MappingProxyType
from typing import Literal

from rich.console import Console

from kafkactl.diff_subjects import diff_subjects
from kafkactl.model import LiveState, LiveSubject, Reference, SubjectSpec, Topology
from kafkactl.plan import Plan
from kafkactl.render import render_plan

V1 = json.dumps({"type": "record", "name": "E", "fields": [{"name": "a", "type": "string"}]})
V2 = json.dumps({"type": "record", "name": "E", "fields": [{"name": "a", "type": "string"},
                                                            {"name": "b", "type": "int", "default": 0}]})


def text(plan: Plan) -> str:
    buf = io.StringIO()
    render_plan(plan, Console(file=buf, width=200, no_color=True, highlight=False, soft_wrap=True))
    return buf.getvalue()


def test_subject_create_update_and_rollback() -> None:
    money = Reference("com.x.Money", "com.x.Money")
    desired = Topology(subjects=MappingProxyType({
        "a-value": SubjectSpec("a-value", "AVRO", '{"type": "string"}', "FULL", (money,)),
        "b-value": SubjectSpec("b-value", "AVRO", V2, "FULL"),
        "c-value": SubjectSpec("c-value", "AVRO", V1),
    }))
    live = LiveState(
        cluster_id="abc", broker_count=3, registry_read=True, global_compatibility="BACKWARD",
        subjects=MappingProxyType({"b-value": LiveSubject("b-value", "AVRO", V1, 1, 1),
                                   "c-value": LiveSubject("c-value", "AVRO", V2, 2, 2)}),
        schema_matches=MappingProxyType({"c-value": 1}),
        reference_versions=MappingProxyType({"com.x.Money": 2}),
    )
    out = diff_subjects(desired, live)
    assert text(Plan("abc", "sha256:0", tuple(out.changes))) == """\
kafkactl will perform the following actions on cluster abc:

  + subject a-value
      + schema_type: AVRO
      + schema:
          {"type": "string"}
      + compatibility: FULL
      + references: com.x.Money=com.x.Money@2

  ~ subject b-value
      ~ schema:
          --- registered
          +++ declared
          @@ -6,4 +6,9 @@
                 "name": "a",
                 "type": "string"
          +    },
          +    {
          +      "name": "b",
          +      "type": "int",
          +      "default": 0
               }
             ]
      ~ compatibility: BACKWARD → FULL

  ~ subject c-value
      ~ version: 2 → 1

Plan: 1 to add, 2 to change, 0 to destroy.
"""


def _one_update(schema_type: Literal["AVRO", "PROTOBUF"], declared: str, stored: str) -> str:
    desired = Topology(subjects=MappingProxyType({"e-value": SubjectSpec("e-value", schema_type, declared)}))
    live = LiveState(cluster_id="abc", broker_count=3, registry_read=True,
                     subjects=MappingProxyType({"e-value": LiveSubject("e-value", schema_type, stored, 1, 1)}))
    return text(Plan("abc", "sha256:0", tuple(diff_subjects(desired, live).changes)))


def test_an_added_avro_field_against_a_normalising_registry_shows_that_field_alone() -> None:
    declared = json.dumps({"type": "record", "name": "Ev", "namespace": "x", "fields": [
        {"name": "id", "type": "string", "doc": "the id"}, {"name": "n", "type": {"type": "int"}},
        {"name": "b", "type": "int", "default": 0}]}, indent=2)
    # Karapace 5.0.3's stored text for the declared schema without "b": compact, keys sorted
    stored = ('{"fields":[{"doc":"the id","name":"id","type":"string"},{"name":"n","type":{"type":"int"}}],'
              '"name":"Ev","namespace":"x","type":"record"}')
    assert _one_update("AVRO", declared, stored) == """\
kafkactl will perform the following actions on cluster abc:

  ~ subject e-value
      ~ schema:
          --- registered
          +++ declared
          @@ -11,4 +11,9 @@
                 "name": "n",
                 "type": "int"
          +    },
          +    {
          +      "name": "b",
          +      "type": "int",
          +      "default": 0
               }
             ]

Plan: 0 to add, 1 to change, 0 to destroy.
"""


def test_an_added_protobuf_field_against_a_re_rendered_text_shows_that_field_alone() -> None:
    declared = 'syntax = "proto3";\n// events\nmessage Ev {\n  string id = 1; // the id\n  oneof o { string t = 2; }\n' \
               '  int64 at = 3;\n}\n'
    # Karapace 5.0.3's re-rendering of the declared schema without "at"
    stored = 'syntax = "proto3";\n\n// events\nmessage Ev {\n  // the id\n  string id = 1;\n\n  oneof o {\n' \
             '    string t = 2;\n  }\n}\n'
    assert _one_update("PROTOBUF", declared, stored) == """\
kafkactl will perform the following actions on cluster abc:

  ~ subject e-value
      ~ schema:
          --- registered
          +++ declared
          @@ -3,4 +3,5 @@
           message Ev {
             string id = 1;
          +  int64 at = 3;
             oneof o {
               string t = 2;

Plan: 0 to add, 1 to change, 0 to destroy.
"""
