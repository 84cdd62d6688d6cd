"""The example topology's access rules, enforced on the secured listener for real clients (issue 13, done when).

kafkactl applies topology/ over SASL_SSL as the bootstrap admin; then real producers and consumers log in
as the services and the brokers allow or deny them. Nothing here reads ACLs back.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, Producer

from tests.conftest import EXAMPLE_PASSWORD_VARS
from tests.eventually import eventually
from tests.secure import SecureCluster
from tests.test_access_cluster import _plan_secure, run_secure

pytestmark = pytest.mark.cluster
ROOT = Path(__file__).resolve().parent.parent


def produce(secure: SecureCluster, user: str, password: str, topic: str, value: bytes) -> KafkaError | None:
    """One idempotent write as ``user``: None when acknowledged, else the delivery error."""
    outcome: list[KafkaError | None] = []
    producer = Producer({**secure.librdkafka_config(user, password), "enable.idempotence": True,
                         "message.timeout.ms": 15000, "log_level": 0})
    producer.produce(topic, value, on_delivery=lambda err, _msg: outcome.append(err))
    producer.flush(20)
    assert outcome, f"no delivery report for {topic}"
    return outcome[0]


def consume(secure: SecureCluster, user: str, password: str, topic: str, group: str, want: bytes) -> KafkaError | None:
    """Read ``topic`` from the start in ``group`` until ``want`` arrives (None) or the broker refuses (the error)."""
    consumer = Consumer({**secure.librdkafka_config(user, password), "group.id": group,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False, "log_level": 0})
    try:
        consumer.subscribe([topic])
        for _ in range(60):
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                return msg.error()  # type: ignore[no-any-return]
            if msg.value() == want:
                return None
        raise AssertionError(f"{user} read neither {want!r} nor an error from {topic} in group {group}")
    finally:
        consumer.close()


def test_example_topology_allows_and_denies_real_clients(
    tmp_path: Path, secure_cluster: SecureCluster, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copytree(ROOT / "topology", tmp_path / "topology", ignore=shutil.ignore_patterns("environments"))
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    d = tmp_path / "topology"
    # Other sessions apply variants of the example (environment overlays) on the shared cluster; the tenant
    # principals get a name of this test's own, so their ACLs never meet (the checks below are the services').
    chat = d / "chat.yaml"
    chat.write_text(chat.read_text().replace('"User:tenant-{tenant}"', f'"User:tenant-{uuid.uuid4().hex[:8]}-{{tenant}}"'))
    passwords = {var: uuid.uuid4().hex for var in EXAMPLE_PASSWORD_VARS}
    for var, value in passwords.items():
        monkeypatch.setenv(var, value)  # over SASL kafkactl sees that the passwords changed and sets them
    rc, out, err = run_secure(capsys, secure_cluster, "apply", str(d), "--auto-approve")
    assert rc == 0, err
    assert not [p for p in passwords.values() if p in out or p in err]
    rc, doc = _plan_secure(capsys, secure_cluster, d)
    assert (rc, doc["changes"], doc["errors"]) == (0, [], [])
    rc, out, _ = run_secure(capsys, secure_cluster, "apply", str(d), "--auto-approve")
    assert (rc, "No changes." in out) == (0, True)

    socket, analytics = passwords["SOCKET_SERVICE_PASSWORD"], passwords["ANALYTICS_SERVICE_PASSWORD"]
    marker = uuid.uuid4().hex.encode()
    # socket-service writes a tenant's messages (a prefix grant) but not the audit trail.
    assert eventually(lambda: _ok(produce(secure_cluster, "socket-service", socket, "chat.messages.acme", marker))) is None
    denied = produce(secure_cluster, "socket-service", socket, "audit.log", marker)
    assert denied is not None and denied.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # Only its writer may write the audit trail.
    writer = passwords["AUDIT_LOG_WRITER_PASSWORD"]
    assert produce(secure_cluster, "audit-log-writer", writer, "audit.log", marker) is None

    # analytics-service reads analytics.events with its own group, and is refused with another one.
    assert produce(secure_cluster, "analytics-service", analytics, "analytics.events", marker) is None
    assert consume(secure_cluster, "analytics-service", analytics, "analytics.events", "analytics-service", marker) is None
    refused = consume(secure_cluster, "analytics-service", analytics, "analytics.events", "someone-else", marker)
    assert refused is not None and refused.code() == KafkaError.GROUP_AUTHORIZATION_FAILED


def _ok(err: Any) -> Any:
    """A first write may race the brokers learning the new ACLs and credential: retried until acknowledged."""
    if err is not None:
        raise AssertionError(str(err))
    return err
