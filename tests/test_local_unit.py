"""Unit tests of kafkactl.local: rendering, tools, pid handling, and the CLI when nothing runs."""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from kafkactl import kafka_python_bridge
from kafkactl.cli.main import main
from kafkactl.connection import DEFAULT_BOOTSTRAP, DEFAULT_REGISTRY, load_client_config
from kafkactl.errors import LocalClusterError
from kafkactl.local import artifacts, config, procs, secure, tls, toolchain
from kafkactl.local.components import cluster_id
from kafkactl.local.layout import NODES, REGISTRY_URL, Layout, bootstrap_servers, home


def properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def test_layout_addresses_are_the_connection_defaults() -> None:
    assert bootstrap_servers() == DEFAULT_BOOTSTRAP == "127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094"
    assert REGISTRY_URL == DEFAULT_REGISTRY
    assert [n.metrics_url for n in NODES] == [f"http://127.0.0.1:{p}/metrics" for p in (17071, 17072, 17073)]


def test_home_is_kafkactl_home_when_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KAFKACTL_HOME", str(tmp_path))
    assert home() == tmp_path
    assert Layout.default().state == tmp_path / "local"
    monkeypatch.delenv("KAFKACTL_HOME")
    assert home().name == "kafkactl"


def test_server_properties_for_node_two(tmp_path: Path) -> None:
    props = properties(config.server_properties(NODES[1], NODES, tmp_path / "data", tmp_path / "ks.pem"))
    assert props["node.id"] == "2"
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19192,2@127.0.0.1:19193,3@127.0.0.1:19194"
    assert props["listeners"] == \
        "PLAINTEXT://127.0.0.1:19093,CONTROLLER://127.0.0.1:19193,SASL_SSL://127.0.0.1:19393"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19093,SASL_SSL://127.0.0.1:19393"
    assert props["broker.rack"] == "b"
    assert props["log.dirs"] == str(tmp_path / "data")
    assert {k: props[k] for k in (
        "default.replication.factor", "min.insync.replicas", "auto.create.topics.enable", "num.partitions",
        "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
        "group.initial.rebalance.delay.ms", "delete.topic.enable", "metadata.log.max.snapshot.interval.ms",
    )} == {
        "default.replication.factor": "3", "min.insync.replicas": "2", "auto.create.topics.enable": "false",
        "num.partitions": "1", "offsets.topic.replication.factor": "3",
        "transaction.state.log.replication.factor": "3", "group.initial.rebalance.delay.ms": "0",
        "delete.topic.enable": "true", "metadata.log.max.snapshot.interval.ms": "60000",
    }


def test_pom_pins_the_versions_and_escapes_paths(tmp_path: Path) -> None:
    libs = tmp_path / "a&b" / "libs"
    root = ET.fromstring(artifacts.render_pom(libs, tmp_path / "dl"))
    deps = {d.findtext("artifactId"): d.findtext("version")
            for d in root.iterfind("dependencies/dependency")}
    assert deps == {"kafka_2.13": artifacts.KAFKA_VERSION, "log4j-slf4j-impl": artifacts.LOG4J_VERSION}
    items = {i.findtext("artifactId"): i.findtext("version")
             for i in root.iterfind(".//artifactItem")}
    assert items == {"apicurio-registry-app": artifacts.APICURIO_VERSION,
                     "jmx_prometheus_javaagent": artifacts.JMX_EXPORTER_VERSION}
    assert root.findtext(".//configuration/outputDirectory") == str(libs)


def _exporter_name(bean: str) -> str | None:
    """Apply exporter.yaml's first matching rule the way the JMX exporter does ($n -> group n, lower-cased)."""
    rules = yaml.safe_load(config.template("exporter.yaml"))["rules"]
    for rule in rules:
        found = re.fullmatch(rule["pattern"], bean)
        if found:
            name: str = rule["name"]
            for i, value in enumerate(found.groups(), 1):
                name = name.replace(f"${i}", value)
            return name.lower()
    return None


def test_exporter_rules_turn_kafka_server_beans_into_kafka_server_series() -> None:
    doc = yaml.safe_load(config.template("exporter.yaml"))
    assert "kafka.server:*" in doc["includeObjectNames"]
    assert _exporter_name("kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec><>Count") == \
        "kafka_server_brokertopicmetrics_messagesinpersec"
    assert _exporter_name("kafka.server<type=ReplicaManager, name=PartitionCount><>Value") == \
        "kafka_server_replicamanager_partitioncount"


def test_broker_command_attaches_the_exporter_and_our_marker(tmp_path: Path) -> None:
    node_dir = tmp_path / "node-1"
    cmd = config.broker_command(Path("/jdk/bin/java"), tmp_path / "libs", tmp_path / "agent.jar", NODES[0], node_dir)
    assert cmd[0] == "/jdk/bin/java"
    assert {"-Xms2g", "-Xmx2g", f"-Dkafkactl.state={node_dir}"} <= set(cmd)
    assert f"-javaagent:{tmp_path / 'agent.jar'}=127.0.0.1:17071:{node_dir / 'exporter.yaml'}" in cmd
    assert cmd[-2:] == ["kafka.Kafka", str(node_dir / "server.properties")]


def test_registry_command_binds_loopback_only(tmp_path: Path) -> None:
    cmd = config.registry_command(Path("java"), tmp_path / "apicurio", tmp_path / "registry")
    assert {"-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=18081", "-Dquarkus.management.host=127.0.0.1",
            "-Xmx512m"} <= set(cmd)
    assert cmd[-2:] == ["-jar", str(tmp_path / "apicurio" / "quarkus-run.jar")]


def _fake_jdk(root: Path, version: str) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "release").write_text(f'JAVA_VERSION="{version}"\n')
    java = root / "bin" / "java"
    java.write_text("#!/bin/sh\nexit 1\n")
    java.chmod(0o755)
    return java


def test_java_version_reads_the_release_file(tmp_path: Path) -> None:
    assert toolchain.java_version(_fake_jdk(tmp_path / "jdk17", "17.0.15")) == 17
    assert toolchain.java_version(_fake_jdk(tmp_path / "jdk8", "1.8.0_412")) == 8


def test_find_java_picks_the_first_new_enough(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _fake_jdk(tmp_path / "jvm" / "a-17", "17.0.2")
    newer = _fake_jdk(tmp_path / "jvm" / "b-25", "25.0.1")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(toolchain, "JVM_DIRS", (tmp_path / "jvm",))
    assert toolchain.find_java(21, "the registry") == newer
    with pytest.raises(LocalClusterError) as err:
        toolchain.find_java(99, "the registry")
    assert err.value.summary == "no Java 99+ found for the registry"
    assert err.value.hint is not None and "JAVA_HOME" in err.value.hint


def test_missing_maven_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LocalClusterError) as err:
        toolchain.find_maven()
    assert "Maven" in err.value.summary and err.value.hint is not None and "install Maven" in err.value.hint


def test_failed_maven_fetch_reports_its_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "mvn"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho '[ERROR] Could not resolve org.apache.kafka:kafka_2.13'\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    layout = Layout(tmp_path / "home")
    with pytest.raises(LocalClusterError) as err:
        artifacts.ensure(layout, lambda _: None)
    assert err.value.summary.startswith(f"Maven could not fetch Kafka {artifacts.KAFKA_VERSION}")
    assert err.value.details == ("[ERROR] Could not resolve org.apache.kafka:kafka_2.13",)
    assert not artifacts.artifacts_for(layout).root.exists()
    assert [p.name for p in layout.artifacts.iterdir()] == ["maven.log"]  # no half-filled cache left


def test_cluster_id_is_generated_once(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    first = cluster_id(layout)
    assert cluster_id(layout) == first
    assert len(base64.urlsafe_b64decode(first + "==")) == 16


def test_stop_signals_only_processes_holding_the_marker(tmp_path: Path) -> None:
    marker = f"-Dkafkactl.state={tmp_path}"
    cmd = [sys.executable, "-c", "import time; time.sleep(60)", marker]
    proc = procs.spawn(cmd, tmp_path, tmp_path / "sleeper.log", tmp_path / "pid")
    assert procs.running_pid(tmp_path / "pid", marker) == proc.pid
    assert not procs.is_ours(os.getpid(), marker)
    procs.stop([(proc.pid, "-Dkafkactl.state=/somewhere/else")], timeout_s=1)
    assert proc.poll() is None  # not ours under that marker: left alone
    start = time.monotonic()
    procs.stop([(proc.pid, marker)], timeout_s=10)
    assert proc.wait(timeout=5) == -15  # SIGTERM was enough
    assert time.monotonic() - start < 10
    assert procs.running_pid(tmp_path / "pid", marker) is None


def test_local_status_when_down(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KAFKACTL_HOME", str(tmp_path))
    assert main(["local", "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = [line for line in lines[1:] if not line.startswith(" ")]
    rows = {" ".join(w for w in line.split()[:2] if not w[0].isdigit() and "/" not in w): line for line in table}
    assert set(rows) == {"node-1", "node-2", "node-3", "node-1 metrics", "node-2 metrics", "node-3 metrics",
                         "node-1 secure", "node-2 secure", "node-3 secure", "registry"}
    assert all(" down " in line and line.rstrip().endswith("-") for line in rows.values())
    assert "127.0.0.1:19092" in rows["node-1"] and REGISTRY_URL in rows["registry"]
    assert "127.0.0.1:19392" in rows["node-1 secure"]
    paths = [line.split() for line in lines if line.startswith("  ")]
    assert ["CA", "certificate", str(tmp_path / "local" / "tls" / "ca.pem")] in paths
    assert ["admin", "config", str(tmp_path / "local" / "admin-client.properties")] in paths


def test_local_status_json_names_addresses_and_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KAFKACTL_HOME", str(tmp_path))
    assert main(["local", "status", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {k: doc[k] for k in ("bootstrap_servers", "schema_registry_url", "metrics_urls",
                                "secure_bootstrap_servers", "admin_client_config", "ca_certificate")} == {
        "bootstrap_servers": DEFAULT_BOOTSTRAP, "schema_registry_url": DEFAULT_REGISTRY,
        "metrics_urls": [n.metrics_url for n in NODES],
        "secure_bootstrap_servers": "127.0.0.1:19392,127.0.0.1:19393,127.0.0.1:19394",
        "admin_client_config": str(tmp_path / "local" / "admin-client.properties"),
        "ca_certificate": str(tmp_path / "local" / "tls" / "ca.pem"),
    }
    assert len(doc["components"]) == 10 and not any(c["up"] for c in doc["components"])


def test_local_status_check_fails_when_down(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KAFKACTL_HOME", str(tmp_path))
    assert main(["local", "status", "--check"]) == 1
    assert "local cluster is not fully up" in capsys.readouterr().err


def test_local_down_when_nothing_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KAFKACTL_HOME", str(tmp_path))
    assert main(["local", "down"]) == 0
    assert capsys.readouterr().out.strip() == "Local cluster is not running."


def test_tls_material_is_made_once_and_the_broker_certificate_names_loopback(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

    files = tls.ensure(secure.tls_files(Layout(tmp_path)))
    assert files.ca_certificate == Layout(tmp_path).ca_certificate
    first = {p: p.read_bytes() for p in (files.ca_certificate, files.ca_key, files.broker_keystore)}
    assert {p.name: p.stat().st_mode & 0o777 for p in first} == {
        "ca.pem": 0o644, "ca-key.pem": 0o600, "broker-keystore.pem": 0o600}
    tls.ensure(files)
    assert {p: p.read_bytes() for p in first} == first  # reused, not regenerated
    ca = x509.load_pem_x509_certificate(first[files.ca_certificate])
    keystore = first[files.broker_keystore]
    assert keystore.startswith(b"-----BEGIN PRIVATE KEY-----")  # unencrypted PKCS#8, then the chain
    broker, chained_ca = x509.load_pem_x509_certificates(keystore)
    assert chained_ca == ca
    san = broker.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    public = ca.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    broker.verify_directly_issued_by(ca)


def test_server_properties_secure_the_sasl_listener_only(tmp_path: Path) -> None:
    props = properties(config.server_properties(NODES[0], NODES, tmp_path / "data", tmp_path / "ks.pem"))
    assert props["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL"
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512,SCRAM-SHA-256"
    assert props["listener.name.sasl_ssl.ssl.keystore.type"] == "PEM"
    assert props["listener.name.sasl_ssl.ssl.keystore.location"] == str(tmp_path / "ks.pem")
    assert props["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:ANONYMOUS;User:kafkactl-admin"
    assert [n.rack for n in NODES] == ["a", "b", "c"]
    assert all(addr.split("//")[1].startswith("127.0.0.1:") for addr in props["listeners"].split(","))


def test_admin_client_config_keeps_its_password_and_loads_everywhere(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    path = secure.ensure_client_config(layout)
    assert path == layout.admin_client_config and path.stat().st_mode & 0o777 == 0o600
    password = load_client_config(str(path))["sasl.password"]
    assert len(password) >= 24
    secure.ensure_client_config(layout)
    assert load_client_config(str(path))["sasl.password"] == password  # generated once
    conn = secure.admin_connection(layout)
    assert conn.bootstrap_servers == "127.0.0.1:19392,127.0.0.1:19393,127.0.0.1:19394"
    assert dict(conn.client_config) == {
        "security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "kafkactl-admin",
        "sasl.password": password, "ssl.ca.location": str(layout.ca_certificate)}
    assert password not in repr(conn)
    kwargs = kafka_python_bridge._client_kwargs(conn)
    assert {k: kwargs[k] for k in ("security_protocol", "sasl_mechanism", "sasl_plain_username", "ssl_cafile")} == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "kafkactl-admin",
        "ssl_cafile": str(layout.ca_certificate)}
    assert "ssl_check_hostname" not in kwargs  # kafka-python checks the hostname by default, like librdkafka
