"""The human rendering of subject changes, compared as exact text (plans built by the pure subject diff)."""

from __future__ import annotations

import io
import json
from types import MappingProxyType

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
