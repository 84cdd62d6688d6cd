"""Expansion into the frozen model: defaults, templates x members, overrides, DLQs, subjects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kafkactl.errors import TopologyError
from kafkactl.model import ClusterSpec, Location, Reference, TemplateInfo, Topology
from kafkactl.topology import load

ROOT = Path(__file__).resolve().parent.parent
Make = Callable[[dict[str, str]], Topology]
ATTACHMENT = '{"type": "record", "name": "Attachment", "namespace": "com.chat", "fields": [{"name": "id", "type": "string"}]}'
MESSAGE = ('{"type": "record", "name": "Message", "namespace": "com.chat", "fields": '
           '[{"name": "files", "type": {"type": "array", "items": "Attachment"}}]}')


@pytest.fixture
def make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Make:
    """{relative file name: text} under ./topo, loaded (messages read ``topo/FILE:LINE``)."""
    monkeypatch.chdir(tmp_path)

    def _make(files: dict[str, str]) -> Topology:
        for name, text in files.items():
            (tmp_path / "topo" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "topo" / name).write_text(text, encoding="utf-8")
        return load("topo").topology

    return _make


@pytest.fixture(scope="module")
def example() -> Topology:
    return load(ROOT / "topology", "prod").topology  # prod is the base but for retention and its connection


def test_example_counts(example: Topology) -> None:
    assert len(example.topics) == 25
    assert sum(1 for t in example.topics.values() if t.tenant) == 18
    assert example.tenants == ("acme", "globex", "initech")
    assert len(example.subjects) == 9
    assert example.default_compatibility == "BACKWARD"
    assert example.tenant_files == (str(ROOT / "topology" / "tenants.yaml"),)


def test_example_cluster(example: Topology) -> None:
    assert example.cluster == ClusterSpec(name="chat-platform", brokers=3, owns=("chat.*",), protect=("audit.*",),
                                          owns_principals=("User:*-service",))
    assert example.is_protected("audit.log")
    assert example.is_protected("chat.messages.removed-tenant")  # protect: true on the template
    assert not example.is_protected("chat.typing.acme")


def test_template_topics_get_defaults_template_and_override_configs(example: Topology) -> None:
    acme, globex = example.topics["chat.messages.acme"], example.topics["chat.messages.globex"]
    assert (acme.partitions, acme.replication_factor) == (12, 3)
    assert dict(acme.configs) == {"min.insync.replicas": "2", "retention.ms": "2592000000"}
    assert (acme.template, acme.tenant) == ("chat.messages.{tenant}", "acme")
    assert globex.partitions == 24
    assert dict(globex.configs) == {"min.insync.replicas": "2", "retention.ms": "7776000000"}
    assert acme.location == Location(str(ROOT / "topology" / "chat.yaml"), 15, 5)
    assert TemplateInfo("chat.messages.{tenant}", protect=True) in example.templates


def test_declared_topic_configs_are_canonical(example: Topology) -> None:
    events = example.topics["chat.events"]
    assert (events.partitions, events.replication_factor, events.template, events.tenant) == (12, 3, None, None)
    assert dict(events.configs) == {
        "cleanup.policy": "delete", "compression.type": "zstd", "min.insync.replicas": "2", "retention.ms": "604800000",
    }
    assert example.topics["audit.log"].configs["retention.ms"] == "-1"
    assert example.topics["analytics.events"].configs["retention.bytes"] == "10737418240"
    assert example.topics["chat.reactions.acme"].configs["cleanup.policy"] == "compact,delete"


def test_dlq_companions(example: Topology) -> None:
    dlq = example.topics["notifications.pending.dlq"]
    assert (dlq.partitions, dlq.replication_factor) == (3, 3)
    assert dict(dlq.configs) == {"min.insync.replicas": "2", "retention.ms": "1209600000"}
    tenant_dlq = example.topics["chat.moderation.acme.dlq"]
    parent = example.topics["chat.moderation.acme"]
    assert (tenant_dlq.partitions, tenant_dlq.tenant, tenant_dlq.template) == (parent.partitions, "acme", parent.template)
    assert dict(tenant_dlq.configs) == {"min.insync.replicas": "2"}  # the parent's retention is not inherited


def test_subjects_of_the_example(example: Topology) -> None:
    value = example.subjects["chat.messages.acme-value"]
    assert value.schema_type == "AVRO" and value.topic == "chat.messages.acme" and value.tenant == "acme"
    assert value.references == (Reference("com.chat.Attachment", "com.chat.Attachment", None),)
    assert value.compatibility == "BACKWARD"
    assert value.schema == (ROOT / "schemas/chat/message.avsc").read_text(encoding="utf-8")
    shared = example.subjects["com.chat.Attachment"]
    assert (shared.compatibility, shared.topic, shared.references) == ("FULL", None, ())
    assert example.subjects["presence.updates-value"].schema_type == "JSON"
    commands = example.subjects["internal.commands-value"]
    assert (commands.schema_type, commands.compatibility) == ("PROTOBUF", "FULL")
    assert example.subjects["chat.events-key"].schema_path.endswith("schemas/chat/conversation-key.avsc")  # type: ignore[union-attr]


def test_compatibility_precedence_and_paths_relative_to_the_declaring_file(make: Make) -> None:
    subjects = make({
        "a.yaml": "defaults: {partitions: 1, replication_factor: 1}\n",
        "deep/er/t.yaml": (
            "topics:\n"
            "  plain: {value_schema: ../s/v.avsc}\n"
            "  own: {value_schema: ../s/v.avsc, key_schema: ../s/k.json, compatibility: NONE}\n"
            "tenants:\n"
            "  templates:\n"
            "    \"t.{tenant}\": {value_schema: ../s/v.avsc, compatibility: FORWARD}\n"
            "  members:\n"
            "    a:\n"
            "    b: {\"t.{tenant}\": {compatibility: FULL}}\n"
        ),
        "deep/s/v.avsc": '"string"',
        "deep/s/k.json": '{"type": "string"}',
    }).subjects
    assert subjects["plain-value"].compatibility is None  # no defaults.compatibility
    assert subjects["own-value"].compatibility == "NONE"
    assert subjects["own-key"].schema_type == "JSON"
    assert subjects["t.a-value"].compatibility == "FORWARD"
    assert subjects["t.b-value"].compatibility == "FULL"
    assert subjects["plain-value"].schema_path == "topo/deep/s/v.avsc"


def test_override_configs_merge_on_top_of_the_template(make: Make) -> None:
    topics = make({"a.yaml": (
        "defaults: {partitions: 1, replication_factor: 1, configs: {retention.ms: 1d, segment.ms: 1h}}\n"
        "tenants:\n"
        "  templates:\n"
        "    \"t.{tenant}\": {partitions: 2, configs: {retention.ms: 2d, cleanup.policy: delete}, dlq: true}\n"
        "  members:\n"
        "    a:\n"
        "    b:\n"
        "      \"t.{tenant}\": {configs: {retention.ms: 3d}, dlq: {partitions: 5}}\n"
    )}).topics
    assert dict(topics["t.b"].configs) == {"cleanup.policy": "delete", "retention.ms": "259200000", "segment.ms": "3600000"}
    assert topics["t.b"].partitions == 2
    assert (topics["t.a.dlq"].partitions, topics["t.b.dlq"].partitions) == (2, 5)
    assert dict(topics["t.b.dlq"].configs) == {"retention.ms": "86400000", "segment.ms": "3600000"}


def test_explicit_subjects_references_types_and_topic_attachment(make: Make) -> None:
    subjects = make({
        "a.yaml": (
            "defaults: {partitions: 1, replication_factor: 1, compatibility: BACKWARD}\n"
            "topics: {orders: {}}\n"
            "subjects:\n"
            "  com.chat.Attachment: {schema: att.avsc}\n"
            "  orders-value:\n"
            "    schema: msg.avsc\n"
            "    references: [{name: com.chat.Attachment, subject: com.chat.Attachment, version: 2}]\n"
            "  other:\n"
            "    schema: msg.avsc\n"
            "    references: [{name: com.chat.Attachment, subject: com.chat.Attachment, version: latest}]\n"
            "  typed: {schema: schema.txt, type: JSON}\n"
        ),
        "att.avsc": ATTACHMENT,
        "msg.avsc": MESSAGE,
        "schema.txt": '{"type": "object"}',
    }).subjects
    assert subjects["orders-value"].references == (Reference("com.chat.Attachment", "com.chat.Attachment", 2),)
    assert subjects["orders-value"].topic == "orders"
    assert subjects["other"].references == (Reference("com.chat.Attachment", "com.chat.Attachment", None),)
    assert subjects["other"].topic is None
    assert subjects["typed"].schema_type == "JSON"
    assert subjects["com.chat.Attachment"].compatibility == "BACKWARD"


def test_explicit_references_are_not_guessed(make: Make) -> None:
    files = {
        "a.yaml": "subjects:\n  com.chat.Attachment: {schema: att.avsc}\n  m: {schema: msg.avsc, references: []}\n",
        "att.avsc": ATTACHMENT,
        "msg.avsc": MESSAGE,
    }
    with pytest.raises(TopologyError) as caught:
        make(files)
    assert caught.value.details == (
        "topo/a.yaml:3: topo/msg.avsc: Avro type 'com.chat.Attachment' comes from subject 'com.chat.Attachment': "
        "add it to references",
    )


def test_cluster_configs_are_canonical_and_brokers_default_to_3(make: Make) -> None:
    cluster = make({"a.yaml": "cluster:\n  configs: {log.cleaner.threads: 2, message.max.bytes: 1MiB}\n"}).cluster
    assert cluster.brokers == 3
    assert dict(cluster.configs) == {"log.cleaner.threads": "2", "message.max.bytes": "1048576"}


def test_topics_and_tenants_are_sorted(make: Make) -> None:
    topology = make({"a.yaml": "defaults: {partitions: 1, replication_factor: 1}\ntopics: {b: {}, a: {}, c.x: {}}\n"
                               "tenants: {templates: {\"t.{tenant}\": {}}, members: {z: null, y: null}}\n"})
    assert list(topology.topics) == ["a", "b", "c.x", "t.y", "t.z"]
    assert topology.tenants == ("y", "z")
