"""Replication-factor changes on the real cluster, with data: RF 1 -> 3 -> 2 through throttled reassignment."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer

from kafkactl.admin import Admin
from kafkactl.cli.main import main
from kafkactl.connection import Connection
from kafkactl.replication import THROTTLE_RATES, THROTTLED_REPLICAS
from tests.eventually import eventually
from tests.one_topic import write_one_topic

pytestmark = pytest.mark.cluster
MESSAGES = 50_000


def _write(d: Path, topic: str, rf: int, min_isr: int) -> Path:
    return write_one_topic(d, topic, 3, rf, {"min.insync.replicas": min_isr})


def _kafkactl(capsys: pytest.CaptureFixture[str], conn: Connection, *args: str) -> tuple[int, str, str]:
    rc = main([*args, "--bootstrap-servers", conn.bootstrap_servers, "--schema-registry-url", conn.schema_registry_url])
    out, err = capsys.readouterr()
    return rc, out, err


def _apply(capsys: pytest.CaptureFixture[str], conn: Connection, d: Path, *extra: str) -> str:
    rc, out, err = _kafkactl(capsys, conn, "apply", str(d), "--auto-approve", *extra)
    assert rc == 0, out + err
    return out


def _plan(capsys: pytest.CaptureFixture[str], conn: Connection, d: Path) -> dict[str, Any]:
    rc, out, err = _kafkactl(capsys, conn, "plan", str(d), "--json")
    assert rc == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def _produce(conn: Connection, topic: str) -> None:
    producer = Producer({"bootstrap.servers": conn.bootstrap_servers, "acks": "all", "linger.ms": 20})
    for i in range(MESSAGES):
        producer.produce(topic, key=str(i % 97).encode(), value=f"{i:08d}".encode() + b"x" * 92)
        if i % 10_000 == 0:
            producer.poll(0)
    assert producer.flush(60) == 0


def _read_all(conn: Connection, topic: str) -> set[int]:
    consumer = Consumer({"bootstrap.servers": conn.bootstrap_servers, "group.id": f"rf-{uuid.uuid4().hex[:8]}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    seen: set[int] = set()
    try:
        consumer.subscribe([topic])
        idle = 0
        while len(seen) < MESSAGES and idle < 30:
            batch = consumer.consume(num_messages=5000, timeout=1.0)
            idle = 0 if batch else idle + 1
            for msg in batch:
                assert msg.error() is None, msg.error()
                seen.add(int((msg.value() or b"")[:8]))
    finally:
        consumer.close()
    return seen


def _assert(condition: bool) -> None:
    assert condition


def _throttles(admin: Admin, topic: str) -> dict[str, Any]:
    topic_keys = {k: v for k, v in admin.describe_topic_configs([topic]).topics[topic].dynamic.items()
                  if k in THROTTLED_REPLICAS}
    brokers = {b: r for b, r in admin.describe_broker_throttles(admin.cluster_info().broker_ids).items() if r}
    return {"topic": topic_keys, "brokers": brokers}


@pytest.fixture(autouse=True)
def _wait_for_the_apply_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other tests' applies may hold the apply lock (CONTRACT 9): wait for it instead of refusing."""
    monkeypatch.setenv("KAFKACTL_LOCK_TIMEOUT", "5m")


@pytest.fixture
def topic(admin: Admin, unique_name: Callable[[str], str]) -> Iterator[str]:
    name = unique_name("rf")
    yield name
    admin.delete_topics([name])


def test_rf_one_to_three_to_two_keeps_every_message_and_leaves_no_throttle(
    cluster: Connection, admin: Admin, topic: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    d = tmp_path / "topology"
    _apply(capsys, cluster, _write(d, topic, 1, 1))
    _produce(cluster, topic)

    # 1 -> 3, throttled so the move outlasts the next plan: that plan shows it as a state, not a change
    _write(d, topic, 3, 1)
    planned = _plan(capsys, cluster, d)
    (change,) = planned["changes"]
    paths = [f["path"] for f in change["fields"]]
    assert paths == ["replication_factor", "replicas.0", "replicas.1", "replicas.2"]
    assert all(sorted(f["after"]) == [1, 2, 3] for f in change["fields"][1:])
    _apply(capsys, cluster, d, "--throttle", "256KiB")
    running = _plan(capsys, cluster, d)
    assert running["changes"] == [], running["changes"]
    assert any(f"topic {topic}: reassigning, " in w for w in running["warnings"]), running["warnings"]
    assert _throttles(admin, topic)["topic"]  # kafkactl's marker while it moves
    out = _apply(capsys, cluster, d, "--wait")  # nothing to change: waits for the move, then removes throttles
    assert "no replication throttles left" in out
    assert {len(r) for r in admin.list_topics()[topic].replicas} == {3}
    assert _read_all(cluster, topic) == set(range(MESSAGES))
    assert _throttles(admin, topic) == {"topic": {}, "brokers": {}}
    assert _plan(capsys, cluster, d)["changes"] == []

    # 3 -> 2 in one run
    _write(d, topic, 2, 1)
    _apply(capsys, cluster, d, "--wait")
    assert {len(r) for r in admin.list_topics()[topic].replicas} == {2}
    assert _read_all(cluster, topic) == set(range(MESSAGES))
    assert _throttles(admin, topic) == {"topic": {}, "brokers": {}}
    assert _plan(capsys, cluster, d)["changes"] == []


def test_a_finished_move_s_throttles_are_removed_by_the_next_apply(
    cluster: Connection, admin: Admin, topic: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    d = _write(tmp_path / "topology", topic, 1, 1)
    _apply(capsys, cluster, d)
    _apply(capsys, cluster, _write(d, topic, 2, 1))  # no --wait: apply returns, the throttles stay
    eventually(lambda: _assert(topic not in admin.list_reassignments()))  # an empty topic moves in a moment
    left = _throttles(admin, topic)
    assert set(left["topic"]) == set(THROTTLED_REPLICAS)
    assert left["brokers"] and all(set(r) == set(THROTTLE_RATES) for r in left["brokers"].values())
    cleanup = _plan(capsys, cluster, d)["changes"]
    assert {(c["kind"], c["name"]) for c in cleanup} == {("topic", topic)} | {
        ("cluster_config", f"broker {b}") for b in left["brokers"]}
    _apply(capsys, cluster, d)
    assert _throttles(admin, topic) == {"topic": {}, "brokers": {}}
    assert _plan(capsys, cluster, d)["changes"] == []


def test_min_insync_replicas_above_the_new_factor_is_a_plan_error(
    cluster: Connection, admin: Admin, topic: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """Declared, the offline check refuses it; inherited from the cluster-wide default (2 here), the plan does."""
    d = write_one_topic(tmp_path / "topology", topic, 3, 2, {})
    _apply(capsys, cluster, d)
    write_one_topic(d, topic, 3, 1, {})
    rc, out, err = _kafkactl(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 1
    assert "min.insync.replicas 2 would exceed replication_factor 1" in out + err
    assert "Traceback" not in err
    assert {len(r) for r in admin.list_topics()[topic].replicas} == {2}  # nothing moved
