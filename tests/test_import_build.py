"""Pure parts of import: value forms, tenant-template folding, and the files written. No cluster."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from kafkactl.errors import KafkactlError, UsageError
from kafkactl.folding import fold
from kafkactl.importer import build, config_value, scope, write
from kafkactl.model import LiveState, LiveSubject, LiveTopic, Reference, freeze


@pytest.mark.parametrize(
    ("key", "raw", "written"),
    [
        ("retention.ms", "604800000", "7d"),
        ("retention.ms", "604800001", 604800001),  # no exact unit: the number
        ("retention.ms", "-1", "forever"),
        ("segment.bytes", "1073741824", "1GiB"),
        ("retention.bytes", "-1", "unlimited"),
        ("min.insync.replicas", "2", 2),
        ("cleanup.policy", "compact,delete", "compact,delete"),
        ("min.cleanable.dirty.ratio", "0.5", "0.5"),
        ("unclean.leader.election.enable", "true", "true"),
    ],
)
def test_config_values_are_human_only_when_exact(key: str, raw: str, written: Any) -> None:
    assert config_value(key, raw) == written


def doc(partitions: int = 3, rf: int = 3, **configs: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"partitions": partitions, "replication_factor": rf}
    if configs:
        d["configs"] = {k.replace("_", "."): v for k, v in configs.items()}
    return d


def test_fold_common_settings_into_the_template_and_differences_into_members() -> None:
    topics = {
        "chat.messages.acme": doc(12, retention_ms="30d", cleanup_policy="delete"),
        "chat.messages.globex": doc(24, retention_ms="30d", cleanup_policy="delete"),
        "chat.messages.initech": doc(12, retention_ms="7d", cleanup_policy="delete", segment_bytes="1GiB"),
        "chat.messages.acme.dlq": doc(1),  # not a tenant id: stays a plain topic
        "chat.events": doc(6),
    }
    f = fold(topics, ["chat.messages.{tenant}"])
    assert sorted(f.topics) == ["chat.events", "chat.messages.acme.dlq"]
    assert f.templates == {"chat.messages.{tenant}": doc(12, retention_ms="30d", cleanup_policy="delete")}
    assert f.members == {
        "acme": None,
        "globex": {"chat.messages.{tenant}": {"partitions": 24}},
        "initech": {"chat.messages.{tenant}": {"configs": {"retention.ms": "7d", "segment.bytes": "1GiB"}}},
    }


def test_members_need_a_topic_for_every_template() -> None:
    topics = {"a.acme": doc(), "b.acme": doc(), "a.globex": doc()}
    f = fold(topics, ["a.{tenant}", "b.{tenant}"])
    assert list(f.members) == ["acme"]
    assert list(f.topics) == ["a.globex"]


def test_pattern_needs_one_placeholder() -> None:
    with pytest.raises(UsageError):
        fold({}, ["chat.messages"])


def live_state() -> LiveState:
    subjects = {
        "p.events-value": LiveSubject("p.events-value", "AVRO", '"string"', 1, 1),
        "p.msg.acme-value": LiveSubject("p.msg.acme-value", "AVRO", '"long"', 2, 1),
        "p.msg.globex-value": LiveSubject("p.msg.globex-value", "AVRO", '"long"', 2, 1),
        "p.Shared": LiveSubject("p.Shared", "JSON", "{}", 3, 2),
        "p.Uses": LiveSubject("p.Uses", "AVRO", '"x"', 4, 1, (Reference("p.Shared", "p.Shared", 2),)),
    }
    return LiveState(
        cluster_id="c1",
        broker_count=3,
        topics=MappingProxyType({
            "p.events": LiveTopic("p.events", 6, 3, freeze({"retention.ms": "86400000"})),
            "p.msg.acme": LiveTopic("p.msg.acme", 3, 3),
            "p.msg.globex": LiveTopic("p.msg.globex", 3, 3),
        }),
        cluster_configs=freeze({"log.cleaner.threads": "2"}),
        subjects=MappingProxyType(subjects),
        subject_compatibility=freeze({"p.Shared": "FULL"}),
    )


def test_build_writes_sections_and_schema_files() -> None:
    imported = build(live_state(), ["p.msg.{tenant}"])
    files: dict[str, Any] = {k: (yaml.safe_load(v) if k.endswith(".yaml") else v) for k, v in imported.files.items()}
    assert files["cluster.yaml"] == {"cluster": {"brokers": 3, "configs": {"log.cleaner.threads": 2}}}
    assert files["topics.yaml"]["topics"] == {
        "p.events": {"partitions": 6, "replication_factor": 3, "configs": {"retention.ms": "1d"},
                     "value_schema": "schemas/p.events-value.avsc"},
    }
    assert files["tenants.yaml"]["tenants"] == {
        "templates": {"p.msg.{tenant}": {"partitions": 3, "replication_factor": 3,
                                         "value_schema": "schemas/p.msg.{tenant}-value.avsc"}},
        "members": {"acme": None, "globex": None},
    }
    assert files["subjects.yaml"]["subjects"] == {
        "p.Shared": {"schema": "schemas/p.Shared.json", "type": "JSON", "compatibility": "FULL"},
        "p.Uses": {"schema": "schemas/p.Uses.avsc", "type": "AVRO",
                   "references": [{"name": "p.Shared", "subject": "p.Shared", "version": 2}]},
    }
    assert files["schemas/p.msg.{tenant}-value.avsc"] == '"long"\n'  # a schema file ends with a newline
    assert imported.files["tenants.yaml"].startswith("# Imported by 'kafkactl import' from cluster c1.\n")
    assert "    acme:\n" in imported.files["tenants.yaml"]  # null members written as `acme:`


def test_write_refuses_an_existing_topology(tmp_path: Path) -> None:
    imported = build(live_state(), [])
    written = write(tmp_path / "out", imported)
    assert {p.relative_to(tmp_path / "out").as_posix() for p in written} == set(imported.files)
    with pytest.raises(KafkactlError, match="already holds a topology"):
        write(tmp_path / "out", imported)


def test_import_scope_never_owns_internal_topics() -> None:
    everything = scope((), ())
    assert everything.owns_topic("chat.events")
    assert not everything.owns_topic("__consumer_offsets") and not everything.owns_topic("_schemas")
    narrow = scope(("chat.*",), ("t.{tenant}",))
    assert narrow.owns_topic("chat.events") and narrow.owns_topic("t.acme") and not narrow.owns_topic("other")
    assert narrow.owns_subject("chat.events-value") and not narrow.owns_subject("other-value")
