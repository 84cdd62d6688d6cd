"""Pure parts of kafkactl.clients and verify: .proto text to descriptors, sample values from schemas,
topic bindings, retry backoff and probe shapes. No cluster."""

from __future__ import annotations

import json
from pathlib import Path

import fastavro
import jsonschema
import pytest
from google.protobuf import json_format
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message_factory import GetMessageClass

from kafkactl.clients import Retry, bind
from kafkactl.clients.dlq import dlq_name
from kafkactl.clients.protobuf import _is_base64_descriptor, descriptor_of
from kafkactl.errors import KafkactlError
from kafkactl.model import SubjectSpec, Topology
from kafkactl.topology import load
from kafkactl.verify.checks import probe_topics
from kafkactl.verify.samples import sample
from tests.example_topology import example_copy

ROOT = Path(__file__).resolve().parent.parent
PROTO = """syntax = "proto3";
package t.v1;
message Outer {
  string id = 1;
  repeated int64 counts = 2;
  map<string, Inner> by_name = 3;
  oneof choice { string text = 4; bytes data = 5; }
  optional bool flag = 6;
  Kind kind = 7;
  message Inner { double score = 1; }
  enum Kind { KIND_UNSPECIFIED = 0; BIG = 1; }
}
"""


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    d = example_copy(tmp_path_factory.mktemp("ex"), "u")
    return load(d, "prod").topology


def _message_class(text: str):  # type: ignore[no-untyped-def]
    pool = DescriptorPool()
    fd = descriptor_of(text)
    pool.Add(fd)
    return GetMessageClass(pool.FindMessageTypeByName(f"{fd.package}.{fd.message_type[0].name}"))


def test_proto_text_becomes_a_descriptor_with_maps_oneofs_and_proto3_optional() -> None:
    cls = _message_class(PROTO)
    desc = cls.DESCRIPTOR
    assert [f.name for f in desc.fields] == ["id", "counts", "by_name", "text", "data", "flag", "kind"]
    assert desc.fields_by_name["by_name"].message_type.GetOptions().map_entry
    assert desc.fields_by_name["by_name"].message_type.fields_by_name["value"].message_type.full_name == "t.v1.Outer.Inner"
    assert desc.fields_by_name["kind"].enum_type.full_name == "t.v1.Outer.Kind"
    assert [o.name for o in desc.oneofs] == ["choice", "_flag"]
    msg = json_format.ParseDict({"id": "a", "counts": [1], "by_name": {"x": {"score": 1.5}}, "text": "t", "flag": False,
                                 "kind": "BIG"}, cls())
    assert msg.HasField("flag") and cls.FromString(msg.SerializeToString()) == msg


def test_base64_descriptors_are_told_from_proto_text() -> None:
    import base64

    assert not _is_base64_descriptor(PROTO)
    assert _is_base64_descriptor(base64.b64encode(descriptor_of(PROTO).SerializeToString()).decode())


def test_protobuf_sample_fills_every_field_once_per_oneof() -> None:
    spec = SubjectSpec("t-value", "PROTOBUF", PROTO)
    value = sample(spec, Topology())
    assert set(value) == {"id", "counts", "by_name", "text", "flag", "kind"}  # "data" shares the oneof with "text"
    json_format.ParseDict(value, _message_class(PROTO)())  # the sample fits its own schema


def test_avro_sample_fits_its_schema_with_references(topology) -> None:  # type: ignore[no-untyped-def]
    spec = topology.subjects["u.chat.messages.acme-value"]
    value = sample(spec, topology)
    named: dict[str, object] = {}
    fastavro.parse_schema(json.loads(topology.subjects["com.chat.Attachment"].schema), named_schemas=named)
    assert fastavro.validate(value, fastavro.parse_schema(json.loads(spec.schema), named_schemas=named))


def test_json_sample_fits_its_schema(topology) -> None:  # type: ignore[no-untyped-def]
    spec = topology.subjects["u.presence.updates-value"]
    jsonschema.validate(sample(spec, topology), json.loads(spec.schema))
    nested = {"type": "object", "definitions": {"n": {"type": "integer", "minimum": 5}},
              "properties": {"a": {"$ref": "#/definitions/n"}, "b": {"type": ["null", "string"], "minLength": 3},
                             "c": {"type": "array", "items": {"enum": ["x", "y"]}, "minItems": 2}}}
    value = sample(SubjectSpec("n", "JSON", json.dumps(nested)), Topology())
    assert value == {"a": 5, "b": "sample", "c": ["x", "x"]}
    jsonschema.validate(value, nested)


def test_bind_names_subjects_and_dlq_of_template_topics(topology) -> None:  # type: ignore[no-untyped-def]
    b = bind(topology, "u.chat.moderation.{tenant}", tenant="acme")
    assert b.name == "u.chat.moderation.acme" and b.dlq is not None and b.dlq.name == "u.chat.moderation.acme.dlq"
    m = bind(topology, "u.chat.messages.acme")
    assert m.value_subject is not None and m.value_subject.subject == "u.chat.messages.acme-value" and m.dlq is None
    with pytest.raises(KafkactlError, match="not declared"):
        bind(topology, "u.chat.nope")
    with pytest.raises(KafkactlError, match="say which tenant"):
        bind(topology, "u.chat.messages.{tenant}")


def test_probe_topics_one_per_distinct_shape(topology) -> None:  # type: ignore[no-untyped-def]
    probes = probe_topics(topology, list(topology.topics.values()), "run1")
    shapes = [p.shape for p in probes]
    assert len(set(shapes)) == len(shapes) and all(p.name.startswith("kafkactl-probe-run1-") for p in probes)
    by_topic = {t: p for p in probes for t in p.topics}
    assert set(by_topic) == set(topology.topics)
    assert by_topic["u.chat.receipts.acme"] is by_topic["u.chat.receipts.initech"]  # same shape, one probe
    assert by_topic["u.chat.messages.globex"] is not by_topic["u.chat.messages.acme"]  # 24 partitions vs 12
    assert by_topic["u.notifications.pending"].dlq == f"{by_topic['u.notifications.pending'].name}.dlq"


def test_retry_backoff_doubles_up_to_its_bound_and_dlq_names() -> None:
    r = Retry(attempts=5, backoff_s=0.1, max_backoff_s=0.3)
    assert [r.delay(n) for n in (1, 2, 3, 4)] == [0.1, 0.2, 0.3, 0.3]
    assert dlq_name("chat.events") == dlq_name("chat.events.dlq") == "chat.events.dlq"
