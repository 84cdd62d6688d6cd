"""The local cluster's SASL_SSL listener: kafkactl over SCRAM + TLS, a refused login, enforced ACLs.

Real clients against the real secured listener (ports 19392-19394); nothing is mocked.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import AdminClient, ScramMechanism, UserScramCredentialDeletion

from kafkactl.admin import Admin
from kafkactl.cli.main import main
from kafkactl.connection import Connection, resolve
from tests.one_topic import write_one_topic
from tests.secure import SecureCluster

pytestmark = pytest.mark.cluster


def _topology(d: Path, topic: str) -> Path:
    return write_one_topic(d, topic, 2, 3, {"retention.ms": "1h"})


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def _produce(conf: dict[str, str], topic: str) -> KafkaError | None:
    """Send one message; return the delivery error (None: delivered)."""
    errors: list[KafkaError | None] = []
    producer = Producer({**conf, "message.timeout.ms": 15000, "log_level": 0})
    producer.produce(topic, b"v", callback=lambda err, _msg: errors.append(err))
    producer.flush(20)
    assert errors, "no delivery report within 20 s"
    return errors[0]


@pytest.fixture
def scram_user(cluster: Connection, unique_name: Callable[[str], str]) -> Iterator[Callable[[str], tuple[str, str]]]:
    """A factory of SCRAM users with random passwords and no ACLs; their credentials are deleted afterwards."""
    made: list[tuple[str, str]] = []

    def make(mechanism: str = "SCRAM-SHA-512") -> tuple[str, str]:
        user, password = unique_name("user"), secrets.token_urlsafe(16)
        Admin(cluster).upsert_scram_credential(user, mechanism, 4096, password)
        made.append((user, mechanism))
        return user, password

    yield make
    client = AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
    deletions = [UserScramCredentialDeletion(u, ScramMechanism[m.replace("-", "_")]) for u, m in made]
    for fut in (client.alter_user_scram_credentials(deletions).values() if deletions else ()):
        fut.result(30)


@pytest.fixture
def topic(cluster: Connection, unique_name: Callable[[str], str]) -> Iterator[str]:
    name = unique_name("secure")
    yield name
    Admin(cluster).delete_topics([name])


def test_plan_and_apply_over_sasl_ssl_with_the_admin_config(
    secure_cluster: SecureCluster, cluster: Connection, topic: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    d = _topology(tmp_path / "topology", topic)
    config = str(secure_cluster.admin_client_config)
    rc, _, err = _run(capsys, "apply", str(d), "--auto-approve", "--client-config", config)
    assert rc == 0, err
    rc, out, err = _run(capsys, "plan", str(d), "--detailed-exitcode", "--client-config", config)
    assert rc == 0, out + err
    assert Admin(cluster).list_topics()[topic].partitions == 2  # seen through the PLAINTEXT door too


def test_the_kafka_python_bridge_works_over_sasl_ssl(secure_cluster: SecureCluster) -> None:
    admin = Admin(secure_cluster.admin_connection())
    outcomes = admin.alter_cluster_configs({"log.cleaner.threads": "1"}, validate_only=True)
    assert [(o.name, o.error) for o in outcomes] == [("cluster", None)]


def test_a_wrong_password_is_one_clean_line(
    secure_cluster: SecureCluster, topic: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    d = _topology(tmp_path / "topology", topic)
    wrong = "wrong-" + secrets.token_hex(8)
    bad = secure_cluster.client_config_as(tmp_path, "kafkactl-admin", wrong)
    rc, out, err = _run(capsys, "plan", str(d), "--client-config", str(bad))
    assert rc == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith("Error: cannot log in to Kafka at 127.0.0.1:19392"), err
    assert "Authentication failed" in lines[0]
    assert all(line.startswith("  hint:") for line in lines[1:]), err
    assert "Traceback" not in err and wrong not in out + err


def test_a_scram_user_without_acls_is_denied(
    secure_cluster: SecureCluster, cluster: Connection, topic: str, scram_user: Callable[[str], tuple[str, str]],
) -> None:
    assert [o.error for o in Admin(cluster).create_topics([(topic, 1, 3, {})])] == [None]
    assert Admin(cluster).await_metadata({topic: 1}) == []
    assert _produce(secure_cluster.librdkafka_config(), topic) is None  # the admin (a super user) may write
    user, password = scram_user("SCRAM-SHA-512")
    err = _produce(secure_cluster.librdkafka_config(user, password), topic)
    assert err is not None and err.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, err


def test_a_scram_sha_256_user_can_log_in(
    secure_cluster: SecureCluster, tmp_path: Path, scram_user: Callable[[str], tuple[str, str]],
) -> None:
    user, password = scram_user("SCRAM-SHA-256")
    config = secure_cluster.client_config_as(tmp_path, user, password, "SCRAM-SHA-256")
    info = Admin(resolve(client_config=str(config), env={})).cluster_info()
    assert info.broker_ids == (1, 2, 3)
