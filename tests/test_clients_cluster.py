"""kafkactl.clients on the real cluster: poison messages and the DLQ, a consumer killed mid-batch,
a broker killed while producing, and `kafkactl dlq inspect | replay` through the CLI.

Each test declares its own topics (unique prefix) in a temporary topology and applies it first.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kafkactl.clients import ConsumerLoop, Delivery, HandlerFailed, Producer, Record, Retry
from kafkactl.connection import Connection
from kafkactl.local import cluster as local
from kafkactl.local.components import components
from kafkactl.local.layout import NODES, Layout
from kafkactl.topology import load
from tests.test_plan_apply import run

ROOT = Path(__file__).resolve().parent.parent
FAST = Retry(attempts=3, backoff_s=0.01, max_backoff_s=0.05)
ORDER_SCHEMA = {"type": "record", "name": "Order", "namespace": "kafkactl.test",
                "fields": [{"name": "key", "type": "string"}, {"name": "seq", "type": "long"}]}


class Poison(Exception):
    pass


def declare(tmp_path: Path, capsys: pytest.CaptureFixture[str], conn: Connection, prefix: str, topics: str) -> Path:
    """A topology of ``topics`` (Avro values of ORDER_SCHEMA), applied."""
    d = tmp_path / "topology"
    d.mkdir()
    (tmp_path / "order.avsc").write_text(json.dumps(ORDER_SCHEMA), encoding="utf-8")
    body = f"""
    cluster:
      owns: ["{prefix}.*"]
    defaults:
      partitions: 3
      replication_factor: 3
      configs:
        min.insync.replicas: 2
      compatibility: BACKWARD
    topics:
    """
    (d / "topics.yaml").write_text(textwrap.dedent(body) + textwrap.indent(textwrap.dedent(topics), "  "),
                                   encoding="utf-8")
    apply(capsys, conn, d)
    return d


def apply(capsys: pytest.CaptureFixture[str], conn: Connection, d: Path, *extra: str) -> None:
    """apply --auto-approve, waiting while another test's apply holds the cluster lock."""
    deadline = time.monotonic() + 300
    while True:
        rc, out, err = run(capsys, conn, "apply", str(d), "--auto-approve", *extra)
        if rc == 0 or "cluster is locked" not in err or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert rc == 0, out + err


def produce(d: Path, topic: str, conn: Connection, count: int, keys: int = 10) -> list[Delivery]:
    delivered: list[Delivery] = []
    with Producer.for_topic(load(d).topology, topic, conn) as producer:
        for i in range(count):
            key = f"k{i % keys}"
            producer.produce(key, {"key": key, "seq": i // keys}, on_delivery=delivered.append)
    assert all(x.ok for x in delivered) and len(delivered) == count
    return delivered


def in_order_per_key(records: list[tuple[str, int]]) -> bool:
    last: dict[str, int] = {}
    for key, seq in records:
        if seq <= last.get(key, -1):
            return False
        last[key] = seq
    return True


def test_poison_message_goes_to_the_dlq_and_replay_delivers_it(
    tmp_path: Path, cluster: Connection, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("cl")
    topic = f"{p}.orders"
    d = declare(tmp_path, capsys, cluster, p, f"""
    {topic}:
      value_schema: ../order.avsc
      dlq: true
    """)
    delivered = produce(d, topic, cluster, 1000)
    poison = [x for x in delivered if x.key == b"k3"][50]  # one key, one partition: reports come in order
    handled: list[tuple[str, int]] = []

    def handler(r: Record) -> None:
        if (r.value["key"], r.value["seq"]) == ("k3", 50):  # message 503
            raise Poison("cannot handle k3/50")
        handled.append((r.value["key"], r.value["seq"]))

    topology = load(d).topology
    loop = ConsumerLoop.for_topic(topology, topic, f"{p}-g", handler, cluster, retry=FAST)
    stats = loop.run(until=lambda: len(handled) >= 999 and loop.stats.dead_lettered == 1, idle_timeout_s=20)
    assert (len(handled), len(set(handled)), stats.dead_lettered, stats.retried) == (999, 999, 1, 2)
    assert in_order_per_key(handled) and ("k3", 50) not in handled

    rc, out, err = run(capsys, cluster, "dlq", "inspect", topic, "--json")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["dlq"] == f"{topic}.dlq" and len(doc["messages"]) == 1
    headers = doc["messages"][0]["headers"]
    assert headers["topic"] == topic and headers["partition"] == str(poison.partition)
    assert headers["offset"] == str(poison.offset) and headers["attempts"] == "3"
    assert headers["error.type"] == "Poison" and headers["error.message"] == "cannot handle k3/50"
    assert int(headers["timestamp"]) > 0 and doc["messages"][0]["key"] == "k3"

    rc, out, err = run(capsys, cluster, "dlq", "replay", topic, "--dry-run")
    assert rc == 0 and "Would replay 1 message(s)" in out, err
    rc, out, err = run(capsys, cluster, "dlq", "replay", f"{topic}.dlq")
    assert rc == 0 and "Replayed 1 message(s)" in out, err
    rc, out, err = run(capsys, cluster, "dlq", "replay", topic)
    assert rc == 0 and "Replayed 0 message(s)" in out, err  # its own committed group: never twice

    fixed: list[tuple[str, int]] = []
    loop = ConsumerLoop.for_topic(topology, topic, f"{p}-g", lambda r: fixed.append((r.value["key"], r.value["seq"])),
                                  cluster, retry=FAST)
    loop.run(until=lambda: len(fixed) >= 1, idle_timeout_s=20)
    assert fixed == [("k3", 50)]


def test_a_topic_without_dlq_stops_the_loop_and_never_skips(
    tmp_path: Path, cluster: Connection, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("cl")
    topic = f"{p}.plain"
    d = declare(tmp_path, capsys, cluster, p, f"""
    {topic}:
      partitions: 1
      value_schema: ../order.avsc
    """)
    produce(d, topic, cluster, 20, keys=1)
    topology = load(d).topology
    seen: list[int] = []

    def fails_at_7(r: Record) -> None:
        if r.value["seq"] == 7:
            raise Poison("seven")
        seen.append(r.value["seq"])

    with pytest.raises(HandlerFailed) as failed:
        ConsumerLoop.for_topic(topology, topic, f"{p}-g", fails_at_7, cluster, retry=FAST).run(idle_timeout_s=20)
    assert f"{topic}[0]@7 failed after 3 attempt(s): Poison: seven" in failed.value.summary
    assert "no DLQ" in failed.value.summary and seen == list(range(7))
    rest: list[int] = []
    ConsumerLoop.for_topic(topology, topic, f"{p}-g", lambda r: rest.append(r.value["seq"]), cluster).run(
        until=lambda: len(rest) >= 13, idle_timeout_s=20)
    assert rest == list(range(7, 20))  # the committed offset stopped before the failed message


def test_consumer_killed_mid_batch_resumes_without_loss(
    tmp_path: Path, cluster: Connection, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("cl")
    topic = f"{p}.crash"
    d = declare(tmp_path, capsys, cluster, p, f"""
    {topic}:
      value_schema: ../order.avsc
    """)
    total = 3000
    produce(d, topic, cluster, total)
    out = tmp_path / "handled.txt"
    out.touch()
    env = {**os.environ, "KAFKACTL_BOOTSTRAP_SERVERS": cluster.bootstrap_servers,
           "KAFKACTL_SCHEMA_REGISTRY_URL": cluster.schema_registry_url}
    cmd = [sys.executable, "-m", "tests.clients_worker", str(d), topic, f"{p}-g", str(out)]
    worker = subprocess.Popen([*cmd, "0.002"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while len(out.read_text().splitlines()) < total // 3:
            assert worker.poll() is None and time.monotonic() < deadline, "the worker ended early"
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)  # mid-batch: offsets of the last handled messages are not committed
    finally:
        worker.kill()
        worker.wait()
    before = len(out.read_text().splitlines())
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, timeout=120)
    lines = [tuple(line.split()) for line in out.read_text().splitlines()]
    counts = Counter((key, int(seq)) for _p, _o, key, seq in lines)
    redelivered = sum(n - 1 for n in counts.values())
    print(f"handled before the kill: {before}; redelivered after it: {redelivered}")
    assert len(counts) == total  # nothing lost
    assert redelivered <= before  # only what the first consumer had handled comes again
    second_run = [(key, int(seq)) for _p, _o, key, seq in lines[before:]]
    assert in_order_per_key(second_run)


def test_broker_killed_while_producing_loses_and_duplicates_nothing(
    tmp_path: Path, cluster: Connection, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = Layout.default()
    nodes = [c for c in components(layout) if c.node is not None]
    if os.environ.get("KAFKACTL_TEST_BOOTSTRAP_SERVERS") or any(c.running_pid() is None for c in nodes):
        pytest.skip("needs the local cluster started by kafkactl (pid files)")
    p = unique_name("cl")
    topic = f"{p}.kill"
    d = declare(tmp_path, capsys, cluster, p, f"""
    {topic}:
      partitions: 6
      value_schema: ../order.avsc
    """)
    total, keys = 20_000, 50
    delivered: list[Delivery] = []
    victim = nodes[len(NODES) - 1]
    try:
        with Producer.for_topic(load(d).topology, topic, cluster) as producer:
            for i in range(total):
                key = f"k{i % keys}"
                producer.produce(key, {"key": key, "seq": i // keys}, on_delivery=delivered.append)
                if i == total // 4:
                    producer.flush()
                    pid = victim.running_pid()
                    assert pid is not None
                    os.kill(pid, signal.SIGKILL)
    finally:
        local.up(layout, lambda _m: None, temporary=layout.temporary_marker.exists())
    ok = [x for x in delivered if x.ok]
    assert len(delivered) == total and len(ok) == total, {x.error for x in delivered if not x.ok}
    seen: list[tuple[str, int]] = []
    loop = ConsumerLoop.for_topic(load(d).topology, topic, f"{p}-g",
                                  lambda r: seen.append((r.value["key"], r.value["seq"])), cluster)
    loop.run(until=lambda: len(seen) >= total, idle_timeout_s=20)
    assert len(seen) == total and len(set(seen)) == total  # exactly once: idempotence left no duplicates
    assert in_order_per_key(seen)
