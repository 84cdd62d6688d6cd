"""The cluster every other test relies on: brokers, replication, produce/consume, registry, metrics."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from confluent_kafka import Consumer, KafkaError, Message, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from prometheus_client.parser import text_string_to_metric_families

from kafkactl.admin import Admin, TopicMeta
from kafkactl.cli.main import main
from kafkactl.connection import Connection
from kafkactl.local import cluster as local
from kafkactl.local.layout import Layout

DEADLINE_S = 30.0


def wait_for(check: Callable[[], bool], what: str, deadline_s: float = DEADLINE_S) -> None:
    """Poll ``check`` with a short backoff until it holds; fail naming ``what`` after the deadline."""
    end = time.monotonic() + deadline_s
    delay = 0.05
    while not check():
        if time.monotonic() > end:
            pytest.fail(f"timed out after {deadline_s:.0f} s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


@pytest.fixture
def topic(admin: Admin, unique_name: Callable[[str], str]) -> Iterator[str]:
    """A fresh 3-partition topic with replication factor 3, deleted afterwards."""
    name = unique_name("foundation")
    [outcome] = admin.create_topics([(name, 3, 3, {})])
    assert outcome.error is None, outcome.error
    yield name
    admin.delete_topics([name])


def fully_replicated(admin: Admin, name: str) -> TopicMeta | None:
    meta = admin.list_topics().get(name)
    return meta if meta is not None and meta.min_isr == 3 else None


def test_cluster_has_three_brokers(admin: Admin) -> None:
    info = admin.cluster_info()
    assert len(info.broker_ids) == 3
    assert info.cluster_id


def test_topic_with_rf3_has_three_in_sync_replicas_on_every_partition(admin: Admin, topic: str) -> None:
    seen: dict[str, Any] = {}

    def replicated() -> bool:  # the read that showed it is the one asserted on (ISR may shrink a moment later)
        seen["meta"] = fully_replicated(admin, topic)
        return seen["meta"] is not None

    wait_for(replicated, f"3 in-sync replicas on {topic}")
    meta = seen["meta"]
    assert meta is not None
    assert (meta.partitions, meta.replication_factor, meta.min_isr) == (3, 3, 3)


def test_record_produced_with_acks_all_is_consumed_back(cluster: Connection, topic: str) -> None:
    delivered: list[Message] = []
    producer = Producer({**cluster.kafka_config(), "acks": "all", "enable.idempotence": True})
    producer.produce(topic, key=b"conversation-1", value=b"hello", on_delivery=lambda err, msg: delivered.append(msg))
    assert producer.flush(DEADLINE_S) == 0
    assert len(delivered) == 1 and delivered[0].error() is None

    consumer = Consumer({**cluster.kafka_config(), "group.id": f"{topic}-reader", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    try:
        received = _first_record(consumer)
    finally:
        consumer.close()
    assert (received.key(), received.value(), received.partition()) == (b"conversation-1", b"hello",
                                                                        delivered[0].partition())


def _first_record(consumer: Consumer) -> Message:
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        msg = consumer.poll(0.5)
        if msg is None or (msg.error() and msg.error().code() == KafkaError._PARTITION_EOF):
            continue
        assert msg.error() is None, msg.error()
        return msg
    pytest.fail("no record consumed within the deadline")


def test_avro_schema_registers_and_reads_back(cluster: Connection, unique_name: Callable[[str], str]) -> None:
    subject = f"{unique_name('foundation')}-value"
    schema = {"type": "record", "name": "Event", "namespace": "test.kafkactl",
              "fields": [{"name": "id", "type": "string"}, {"name": "at", "type": "long"}]}
    client = SchemaRegistryClient({"url": cluster.schema_registry_url})
    try:
        schema_id = client.register_schema(subject, Schema(json.dumps(schema), "AVRO"))
        latest = client.get_latest_version(subject)
        assert latest.schema_id == schema_id
        assert latest.version == 1
        assert json.loads(latest.schema.schema_str) == schema
        assert json.loads(client.get_schema(schema_id).schema_str) == schema
        assert subject in client.get_subjects()
    finally:
        client.delete_subject(subject)
        client.delete_subject(subject, permanent=True)
    assert subject not in client.get_subjects()


def test_registry_defaults_to_backward_compatibility(cluster: Connection) -> None:
    """Confluent's default; Apicurio's own default is NONE unless a global rule is configured."""
    client = SchemaRegistryClient({"url": cluster.schema_registry_url})
    assert client.get_compatibility() == "BACKWARD"


def test_each_metrics_endpoint_serves_kafka_server_series(metrics_urls: list[str]) -> None:
    assert len(metrics_urls) == 3
    for url in metrics_urls:
        response = httpx.get(url, timeout=10)
        assert response.status_code == 200, url
        names = {family.name for family in text_string_to_metric_families(response.text)}
        assert any(name.startswith("kafka_server_") for name in names), url


def test_local_up_again_says_already_running(cluster: Connection, capsys: pytest.CaptureFixture[str]) -> None:
    """Idempotent `up`; the Makefile relies on this first line to know it did not start the cluster."""
    layout = Layout.default()
    if not all(row.pid for row in local.status(layout)):
        pytest.skip("the cluster under test is not kafkactl's local cluster")
    temporary = layout.temporary_marker.exists()
    try:
        assert main(["local", "up"]) == 0
    finally:
        if temporary:  # a plain `up` adopts a test session's cluster; hand it back to the session
            layout.temporary_marker.touch()
    out = capsys.readouterr().out
    assert out.startswith("Local cluster is already running (cluster id ")
    assert cluster.bootstrap_servers in out and cluster.schema_registry_url in out
