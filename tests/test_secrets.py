"""Secrets from --client-config and the registry auth never appear in output, plan files or errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kafkactl.cli.main import main
from kafkactl.connection import Connection, from_java_properties, resolve

SECRET = "hunter2-s3cr3t"


def client_config(tmp_path: Path, bootstrap: str) -> Path:
    p = tmp_path / "client.properties"
    p.write_text(
        "# PLAINTEXT with credentials configured: librdkafka ignores the SASL keys, the values must still stay hidden\n"
        f"bootstrap.servers={bootstrap}\n"
        "sasl.username=alice\n"
        f"sasl.password={SECRET}\n"
        f"sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required password=\"{SECRET}\";\n",
        encoding="utf-8",
    )
    return p


def test_connection_repr_redacts_every_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKACTL_SCHEMA_REGISTRY_AUTH", f"bob:{SECRET}")
    conn = resolve(client_config=str(client_config(tmp_path, "127.0.0.1:1")))
    assert conn.kafka_config()["sasl.password"] == SECRET  # the client gets it...
    assert SECRET not in repr(conn) and SECRET not in str(conn)  # ...nothing that prints it does
    assert "alice" in repr(conn) and "bob" in repr(conn)


def test_java_jaas_config_becomes_librdkafka_credentials() -> None:
    jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="p\\"w";'
    assert from_java_properties({"sasl.jaas.config": jaas, "sasl.mechanism": "SCRAM-SHA-512"}) == {
        "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "alice", "sasl.password": 'p"w'}


def test_unreachable_cluster_error_does_not_leak_credentials(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "t"
    d.mkdir()
    (d / "t.yaml").write_text("topics:\n  secret-test.a: {partitions: 1, replication_factor: 1}\n", encoding="utf-8")
    rc = main(["plan", str(d), "--client-config", str(client_config(tmp_path, "127.0.0.1:1")), "--timeout", "2"])
    out, err = capsys.readouterr()
    assert rc == 1 and "cannot reach Kafka" in err
    assert SECRET not in out + err


@pytest.mark.cluster
def test_plan_and_apply_output_and_plan_file_never_contain_secrets(
    tmp_path: Path, cluster: Connection, unique_name: Any, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKACTL_SCHEMA_REGISTRY_AUTH", f"bob:{SECRET}")
    monkeypatch.setenv("KAFKACTL_DEBUG", "1")
    p = unique_name("sec")
    d = tmp_path / "t"
    d.mkdir()
    (d / "t.yaml").write_text(textwrap.dedent(f"""
        cluster: {{brokers: 3, owns: ["{p}.*"]}}
        topics:
          {p}.a: {{partitions: 1, replication_factor: 3, configs: {{retention.ms: 1h}}}}
        """), encoding="utf-8")
    cfg = str(client_config(tmp_path, cluster.bootstrap_servers))
    plan_file = tmp_path / "plan.json"
    assert main(["plan", str(d), "--client-config", cfg, "--out", str(plan_file)]) == 0
    assert main(["apply", str(d), "--client-config", cfg, "--plan", str(plan_file)]) == 0
    assert main(["plan", str(d), "--client-config", cfg, "--json"]) == 0
    out, err = capsys.readouterr()
    assert "Apply complete!" in out
    assert json.loads(plan_file.read_text())["summary"]["create"] == 1
    assert SECRET not in out + err + plan_file.read_text()
