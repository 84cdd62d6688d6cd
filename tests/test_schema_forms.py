"""Canonical forms of schema text (kafkactl.schema_forms, kafkactl.proto_form): pure, no registry.

The "stored" texts below are what the registries answered on GET .../versions/latest for
the declared text beside them, registered with normalize=true:
- Karapace 5.0.3: Avro and JSON compact with sorted keys, Protobuf re-rendered;
- Apicurio Registry 3.3.3: Avro and JSON compact in their own key order, ``{"type": "int"}`` as ``"int"``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastavro.schema import to_parsing_canonical_form

from kafkactl.model import LiveSubject, SubjectSpec
from kafkactl.proto_form import normal_form
from kafkactl.schema_forms import canonical, readable, same
from kafkactl.subject_rules import same_schema

EV: dict[str, Any] = {
    "type": "record", "name": "Ev", "namespace": "x", "doc": "An event", "aliases": ["OldEv"], "connect.name": "x.Ev",
    "fields": [
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}, "doc": "the id"},
        {"name": "inner", "type": {"type": "record", "name": "In", "fields": [{"name": "n", "type": {"type": "int"}}]}},
        {"name": "again", "type": "In", "default": {"n": 1}},
        {"name": "k", "type": {"type": "enum", "name": "K", "namespace": "y", "symbols": ["A", "B"], "default": "A"},
         "order": "descending", "aliases": ["kk"]},
        {"name": "m", "type": ["null", {"type": "map", "values": "long"}], "default": None},
        {"name": "d", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "f", "type": {"type": "fixed", "name": "F", "size": 4}},
    ],
}
EV_KARAPACE = (
    '{"aliases":["OldEv"],"connect.name":"x.Ev","doc":"An event","fields":[{"doc":"the id","name":"id","type":'
    '{"logicalType":"uuid","type":"string"}},{"name":"inner","type":{"fields":[{"name":"n","type":{"type":"int"}}],'
    '"name":"In","type":"record"}},{"default":{"n":1},"name":"again","type":"In"},{"aliases":["kk"],"name":"k",'
    '"order":"descending","type":{"default":"A","name":"K","namespace":"y","symbols":["A","B"],"type":"enum"}},'
    '{"default":null,"name":"m","type":["null",{"type":"map","values":"long"}]},{"name":"d","type":{"logicalType":'
    '"decimal","precision":10,"scale":2,"type":"bytes"}},{"name":"f","type":{"name":"F","size":4,"type":"fixed"}}],'
    '"name":"Ev","namespace":"x","type":"record"}'
)
EV_APICURIO = (
    '{"type":"record","name":"Ev","namespace":"x","doc":"An event","fields":[{"name":"id","type":{"type":"string",'
    '"logicalType":"uuid"},"doc":"the id"},{"name":"inner","type":{"type":"record","name":"In","fields":[{"name":"n",'
    '"type":"int"}]}},{"name":"again","type":"In","default":{"n":1}},{"name":"k","type":{"type":"enum","name":"K",'
    '"namespace":"y","symbols":["A","B"],"default":"A"},"order":"descending","aliases":["kk"]},{"name":"m","type":'
    '["null",{"type":"map","values":"long"}],"default":null},{"name":"d","type":{"type":"bytes","logicalType":'
    '"decimal","precision":10,"scale":2}},{"name":"f","type":{"type":"fixed","name":"F","size":4}}],'
    '"connect.name":"x.Ev","aliases":["OldEv"]}'
)
PCF_KEYS = {"name", "type", "fields", "symbols", "items", "values", "size"}


def _pcf_only(node: Any) -> Any:
    """The canonical form less what PCF strips: what is left must be PCF itself."""
    if isinstance(node, list):
        return [_pcf_only(n) for n in node]
    if isinstance(node, dict):
        kept = {k: _pcf_only(v) for k, v in node.items() if k in PCF_KEYS}
        return kept["type"] if set(kept) == {"type"} and isinstance(kept["type"], str) else kept
    return node


def test_avro_canonical_form_is_the_same_for_the_declared_and_both_stored_texts() -> None:
    declared = json.dumps(EV, indent=2)
    assert canonical("AVRO", declared) == canonical("AVRO", EV_KARAPACE) == canonical("AVRO", EV_APICURIO)
    assert same("AVRO", declared, EV_KARAPACE) and same("AVRO", declared, EV_APICURIO)


def test_avro_canonical_form_is_pcf_plus_the_kept_attributes() -> None:
    form = json.loads(canonical("AVRO", json.dumps(EV)))
    assert json.dumps(_pcf_only(form), separators=(",", ":")) == to_parsing_canonical_form(EV)  # fastavro's PCF
    assert list(form) == ["name", "type", "doc", "aliases", "fields", "connect.name"]
    assert form["name"] == "x.Ev" and form["aliases"] == ["x.OldEv"] and "namespace" not in form
    fields = {f["name"]: f for f in form["fields"]}
    assert fields["id"]["type"] == {"type": "string", "logicalType": "uuid"} and fields["id"]["doc"] == "the id"
    assert fields["inner"]["type"]["name"] == "x.In" and fields["inner"]["type"]["fields"][0]["type"] == "int"
    assert fields["again"] == {"name": "again", "type": "x.In", "default": {"n": 1}}
    assert list(fields["k"]) == ["name", "type", "aliases", "order"] and fields["k"]["type"]["name"] == "y.K"
    assert fields["d"]["type"] == {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}


def test_avro_canonical_form_text() -> None:
    text = '{"fields":[{"type":{"type":"int"},"name":"a","default":0,"doc":"A"}],"type":"record","name":"E"}'
    assert canonical("AVRO", text) == """\
{
  "name": "E",
  "type": "record",
  "fields": [
    {
      "name": "a",
      "type": "int",
      "doc": "A",
      "default": 0
    }
  ]
}"""


@pytest.mark.parametrize(("a", "b", "equal"), [
    ('{"type": "record", "name": "E", "namespace": "x", "fields": []}', '{"type": "record", "name": "x.E", "fields": []}',
     True),                                                                            # namespace given or in the name
    ('{"type": "record", "name": "E", "namespace": "", "fields": []}', '{"type": "record", "name": "E", "fields": []}',
     True),
    ('{"type": "int"}', '"int"', True),
    ('{"type": "record", "name": "E", "fields": [], "doc": "a"}', '{"type": "record", "name": "E", "fields": []}',
     False),                                                                           # docs count
    ('{"type": "enum", "name": "K", "symbols": ["A", "B"]}', '{"type": "enum", "name": "K", "symbols": ["B", "A"]}',
     False),                                                                           # list order counts
    ('{"type": "record", "name": "E", "fields": [{"name": "a", "type": "int", "default": 1}]}',
     '{"type": "record", "name": "E", "fields": [{"name": "a", "type": "int", "default": 1.0}]}', False),  # 1 is not 1.0
    ('{"type": "record", "name": "E", "fields": [{"name": "a", "type": "E2"}]}',
     '{"type": "record", "name": "E", "namespace": "n", "fields": [{"name": "a", "type": "E2"}]}', False),  # n.E2
])
def test_avro_sameness(a: str, b: str, equal: bool) -> None:
    assert same("AVRO", a, b) is equal
    assert (canonical("AVRO", a) == canonical("AVRO", b)) is equal  # same() is its shortcut


def test_json_schema_canonical_form_sorts_keys() -> None:
    declared = '{"type": "object", "properties": {"b": {"type": "integer"}, "a": {"type": "string", "description": "x"}},' \
               ' "required": ["b", "a"]}'
    karapace = '{"properties":{"a":{"description":"x","type":"string"},"b":{"type":"integer"}},"required":["b","a"],' \
               '"type":"object"}'
    assert canonical("JSON", declared) == canonical("JSON", karapace) == """\
{
  "properties": {
    "a": {
      "description": "x",
      "type": "string"
    },
    "b": {
      "type": "integer"
    }
  },
  "required": [
    "b",
    "a"
  ],
  "type": "object"
}"""
    assert not same("JSON", '{"required": ["a", "b"]}', '{"required": ["b", "a"]}')


def test_text_that_does_not_parse_is_shown_as_written() -> None:
    assert canonical("AVRO", "not json  \n") == "not json"
    assert canonical("PROTOBUF", 'syntax = "proto3";  \r\nmessage M {\n') == 'syntax = "proto3";\nmessage M {'
    assert normal_form('message M {}') is None  # no syntax line
    assert same("PROTOBUF", "garbage {", "garbage {  \n") and not same("PROTOBUF", "garbage {", "garbage }")


PROTO = """\
syntax = "proto3";
package chat.v1;

import "google/protobuf/timestamp.proto";
option java_package = "com.chat";
// A message
message Msg {
  // the id
  string id = 1; // trailing
  enum Kind { KIND_UNSPECIFIED = 0; TEXT = 1; }
  Kind kind = 2;
  map<string, int64> counts = 3;
  oneof body { string text = 4; bytes blob = 5; }
  google.protobuf.Timestamp at = 6 [deprecated = true];
  reserved 10, 12 to 15;
  reserved "old";
  Inner inner = 7;
  message Inner { repeated int32 xs = 1; }
}
service S { rpc Get(Msg) returns (Msg); }
"""
# Karapace 5.0.3's stored text for PROTO: comments kept, declarations re-ordered and re-indented.
PROTO_KARAPACE = """\
syntax = "proto3";
package chat.v1;

import "google/protobuf/timestamp.proto";

option java_package = "com.chat";

// A message
message Msg {
  reserved 10, 12 to 15;
  reserved "old";

  // the id
  // trailing
  string id = 1;
  Kind kind = 2;
  map<string, int64> counts = 3;
  google.protobuf.Timestamp at = 6 [deprecated = true];
  Inner inner = 7;

  oneof body {
    string text = 4;
    bytes blob = 5;
  }

  message Inner {
    repeated int32 xs = 1;
  }
  enum Kind {
    KIND_UNSPECIFIED = 0;
    TEXT = 1;
  }
}

service S {
  rpc Get (Msg) returns (Msg);
}
"""


def test_protobuf_normal_form() -> None:
    assert canonical("PROTOBUF", PROTO) == """\
syntax = "proto3";
package chat.v1;
import "google/protobuf/timestamp.proto";
option java_package = "com.chat";

message Msg {
  reserved 10, 12 to 15;
  reserved "old";
  string id = 1;
  Kind kind = 2;
  map<string, int64> counts = 3;
  google.protobuf.Timestamp at = 6 [deprecated = true];
  Inner inner = 7;
  oneof body {
    string text = 4;
    bytes blob = 5;
  }
  message Inner {
    repeated int32 xs = 1;
  }
  enum Kind {
    KIND_UNSPECIFIED = 0;
    TEXT = 1;
  }
}

service S {
  rpc Get (Msg) returns (Msg);
}"""


def test_protobuf_stored_by_karapace_is_the_same() -> None:
    assert canonical("PROTOBUF", PROTO) == canonical("PROTOBUF", PROTO_KARAPACE)
    assert same("PROTOBUF", PROTO, PROTO_KARAPACE)


def test_protobuf_comment_only_change_is_the_same() -> None:
    changed = PROTO.replace("// the id", "/* the identifier,\n     rewritten */").replace("// A message\n", "")
    assert same("PROTOBUF", PROTO, changed + "// a new trailing comment\n")


def test_protobuf_formatting_only_change_is_the_same() -> None:
    reformatted = (PROTO.replace("{ string text = 4; bytes blob = 5; }", "{\n    string text = 4;\n\n    bytes blob = 5;\n  }")
                   .replace("  ", "\t").replace(" = ", "=").replace("10, 12 to 15", "10,12   to 15")
                   .replace('"com.chat"', "'com.chat'"))
    assert reformatted != PROTO
    assert same("PROTOBUF", PROTO, reformatted)


@pytest.mark.parametrize(("old", "new"), [
    ("string id = 1;", "string id = 11;"),                   # a field number
    ("string id = 1;", "bytes id = 1;"),                     # a type
    ("TEXT = 1;", "TEXT = 1 [deprecated = true];"),          # an enum value option
    ("counts = 3;", "counts = 3 [deprecated = true];"),      # a map field option
    ('option java_package = "com.chat";', 'option java_package = "com.chat2";'),
    ("rpc Get(Msg) returns (Msg);", "rpc Get(Msg) returns (stream Msg);"),
    ("package chat.v1;", "package chat.v2;"),
    ('reserved "old";', 'reserved "older";'),
])
def test_protobuf_real_change_is_not_the_same(old: str, new: str) -> None:
    assert old in PROTO
    assert not same("PROTOBUF", PROTO, PROTO.replace(old, new))


def test_protobuf_sets_have_one_order_and_message_order_stays() -> None:
    a = 'syntax = "proto3";\nimport "b.proto";\nimport "a.proto";\noption x = 1;\noption w = SPEED;\n' \
        'message M { int32 f = 1 [json_name = "g", deprecated = true]; }\nenum E { E0 = 0; }\nmessage N {}\n'
    b = 'syntax = "proto3";\nimport "a.proto";\nimport "b.proto";\noption w = SPEED;\noption x = 1;\nenum E { E0 = 0; }\n' \
        'message M { int32 f = 1 [deprecated = true, json_name = "g"]; }\nmessage N {}\n'
    assert same("PROTOBUF", a, b)
    assert not same("PROTOBUF", a, a.replace("message M", "message Z").replace("message N", "message M"))
    assert not same("PROTOBUF", b, b.replace("message M { int32 f = 1 [deprecated = true, json_name = \"g\"]; }\n", "")
                    + "message M { int32 f = 1 [deprecated = true, json_name = \"g\"]; }\n")  # message index moves


def test_readable_pretty_prints_compact_text_and_keeps_the_rest() -> None:
    assert readable("AVRO", EV_KARAPACE).startswith('{\n  "name": "Ev",\n  "namespace": "x",\n  "type": "record",\n'
                                                    '  "doc": "An event",\n')
    assert readable("AVRO", EV_KARAPACE).endswith("}\n")
    assert same("AVRO", readable("AVRO", EV_KARAPACE), EV_KARAPACE)
    assert json.loads(readable("AVRO", EV_KARAPACE)) == json.loads(EV_KARAPACE)  # nothing renamed or dropped
    assert readable("JSON", '{"b":1,"a":{"z":[1]}}') == '{\n  "b": 1,\n  "a": {\n    "z": [\n      1\n    ]\n  }\n}\n'
    assert readable("AVRO", '{\n "type": "string"}') == '{\n "type": "string"}\n'  # written by a person: kept
    assert readable("PROTOBUF", PROTO_KARAPACE) == PROTO_KARAPACE


def test_same_schema_compares_canonical_forms_of_one_type() -> None:
    declared = SubjectSpec("s", "PROTOBUF", PROTO)
    assert same_schema(declared, LiveSubject("s", "PROTOBUF", PROTO_KARAPACE, 1, 1))
    assert not same_schema(declared, LiveSubject("s", "JSON", PROTO_KARAPACE, 1, 1))
    assert same_schema(SubjectSpec("s", "AVRO", json.dumps(EV)), LiveSubject("s", "AVRO", EV_KARAPACE, 1, 1))


@pytest.mark.parametrize("schema_type", ["AVRO", "JSON", "PROTOBUF"])
def test_same_means_equal_canonical_forms(schema_type: str) -> None:
    texts = [json.dumps(EV), EV_KARAPACE, EV_APICURIO, EV_KARAPACE.replace("the id", "an id"), '{"a": 1}',
             '{"a": 1.0}', '{"a": true}', "not json", PROTO, PROTO_KARAPACE, PROTO.replace("= 7", "= 8")]
    for a in texts:
        for b in texts:
            assert same(schema_type, a, b) is (canonical(schema_type, a) == canonical(schema_type, b)), (a, b)
