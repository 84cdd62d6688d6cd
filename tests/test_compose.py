"""compose/docker-compose.yml describes the same cluster as `kafkactl local`, on the CONTRACT addresses.

Docker is not needed: the file is parsed and checked; `docker compose config` runs too where Docker exists.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from kafkactl.local import artifacts, config
from kafkactl.local.layout import NODES, REGISTRY_PORT

COMPOSE = Path(__file__).resolve().parent.parent / "compose" / "docker-compose.yml"
CONTRACT_ADDRESSES = {
    "127.0.0.1:19092", "127.0.0.1:19093", "127.0.0.1:19094",  # brokers
    "127.0.0.1:19392", "127.0.0.1:19393", "127.0.0.1:19394",  # secured brokers (SASL_SSL)
    "127.0.0.1:18081",  # schema registry
    "127.0.0.1:17071", "127.0.0.1:17072", "127.0.0.1:17073",  # broker metrics
}


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return dict(doc["services"])


def brokers(services: dict[str, Any]) -> dict[str, Any]:
    """The Kafka nodes (the one-shot ``tls`` and ``admin-user`` services run the same image)."""
    return {name: s for name, s in services.items()
            if str(s.get("image", "")).startswith("apache/kafka:") and "KAFKA_NODE_ID" in s.get("environment", {})}


def published(service: dict[str, Any]) -> list[str]:
    """host_ip:host_port of each short-syntax port mapping."""
    return [p.rsplit(":", 1)[0] for p in service.get("ports", [])]


def test_three_brokers_and_a_registry_at_the_pinned_versions(services: dict[str, Any]) -> None:
    assert {s["image"] for s in brokers(services).values()} == {f"apache/kafka:{artifacts.KAFKA_VERSION}"}
    assert len(brokers(services)) == 3
    registries = [s for s in services.values() if str(s.get("image", "")).startswith("apicurio/")]
    assert [s["image"] for s in registries] == [f"apicurio/apicurio-registry:{artifacts.APICURIO_VERSION}"]
    assert f"jmx_prometheus_javaagent:{artifacts.JMX_EXPORTER_VERSION}" in " ".join(services["jmx-agent"]["command"])


def test_publishes_exactly_the_contract_addresses(services: dict[str, Any]) -> None:
    addresses = [a for s in services.values() for a in published(s)]
    assert sorted(addresses) == sorted(CONTRACT_ADDRESSES)
    ours = {n.broker_address for n in NODES} | {f"127.0.0.1:{n.metrics_port}" for n in NODES}
    ours |= {n.secure_address for n in NODES}
    assert ours | {f"127.0.0.1:{REGISTRY_PORT}"} == CONTRACT_ADDRESSES


def test_brokers_form_one_kraft_quorum_advertising_their_published_port(services: dict[str, Any]) -> None:
    ids = set()
    for service in brokers(services).values():
        env = service["environment"]
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert len(env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == 3
        broker_address = published(service)[0]
        assert f"EXTERNAL://{broker_address}" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
        ids.add(env["KAFKA_NODE_ID"])
    assert ids == {"1", "2", "3"}


def test_broker_defaults_match_the_local_cluster(services: dict[str, Any]) -> None:
    local = dict(line.split("=", 1) for line in config.template("server.properties").splitlines()
                 if line and not line.startswith("#") and "{" not in line)
    keys = ("default.replication.factor", "min.insync.replicas", "auto.create.topics.enable", "num.partitions",
            "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
            "transaction.state.log.min.isr", "group.initial.rebalance.delay.ms")
    for service in brokers(services).values():
        env = service["environment"]
        assert {k: env["KAFKA_" + k.upper().replace(".", "_")] for k in keys} == {k: local[k] for k in keys}


def test_brokers_secure_their_sasl_ssl_listener_like_the_local_cluster(services: dict[str, Any]) -> None:
    rendered = config.server_properties(NODES[0], NODES, Path("data"), Path("keystore.pem"))
    local = dict(line.split("=", 1) for line in rendered.splitlines() if line and not line.startswith("#"))
    racks = set()
    for service in brokers(services).values():
        env = service["environment"]
        secure = published(service)[1]
        assert f"SECURE://{secure}" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
        assert "SECURE:SASL_SSL" in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
        for key in ("sasl.enabled.mechanisms", "authorizer.class.name", "allow.everyone.if.no.acl.found",
                    "super.users"):
            assert env["KAFKA_" + key.upper().replace(".", "_")] == local[key]
        racks.add(env["KAFKA_BROKER_RACK"])
    assert racks == {"a", "b", "c"}


def test_mounted_files_exist(services: dict[str, Any]) -> None:
    """Read-only mounts from the repository are files that exist (``./secrets`` is an output dir)."""
    sources = [v.split(":")[0] for s in services.values() for v in s.get("volumes", [])
               if v.startswith(".") and v.endswith(":ro")]
    assert sources, "exporter.yaml and registry.properties are mounted from kafkactl/local"
    for source in sources:
        assert (COMPOSE.parent / source).is_file(), source


def _has_compose() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30, check=False).returncode == 0


@pytest.mark.skipif(not _has_compose(), reason="docker compose not installed")
def test_docker_compose_accepts_the_file() -> None:
    done = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
