"""Pure rendering of the local cluster's configs and command lines (no I/O but reading packaged templates).

Rules:
- Every command line carries ``-Dkafkactl.state=<component dir>``: ``down`` signals a pid
  only if its /proc cmdline still holds that marker, so a recycled pid is never killed.
- Heaps are fixed (-Xms = -Xmx): 3 x 1 GiB brokers (512 MiB ran out of heap at ~10k partition replicas per broker) + 512 MiB registry, well within 24 GiB.
- Quarkus binds 127.0.0.1 only, for the API and the management interface alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from kafkactl.local.layout import ADMIN_USER, HOST, REGISTRY_MANAGEMENT_PORT, REGISTRY_PORT, Node

# 2 GiB: with 1 GiB a broker+controller node ran out of heap holding 10,000 RF 3 topics (benchmarks).
BROKER_HEAP = "2g"
REGISTRY_HEAP = "512m"
_COMMON_JVM = ("-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true")
# The registry starts about twice as fast with the C1 compiler only (measured: 42 s -> 20 s on a
# busy 2-core machine); brokers keep C2, since benchmarks lean on their throughput.
_REGISTRY_JVM = ("-XX:TieredStopAtLevel=1",)


def template(name: str) -> str:
    """A file packaged in kafkactl/local (server.properties, log4j2.xml, exporter.yaml, ...)."""
    return resources.files("kafkactl.local").joinpath(name).read_text(encoding="utf-8")


def marker(component_dir: Path) -> str:
    return f"-Dkafkactl.state={component_dir}"


def quorum_voters(nodes: Sequence[Node]) -> str:
    return ",".join(f"{n.node_id}@{HOST}:{n.controller_port}" for n in nodes)


def server_properties(node: Node, nodes: Sequence[Node], log_dir: Path, keystore: Path, latency: bool = False) -> str:
    """``keystore``: the PEM key + certificate chain of the SASL_SSL listener (see ``kafkactl.local.tls``).
    ``latency``: add the LATENCY listener (bench facility, off by default; see ``Node.latency_port``)."""
    return template("server.properties").format(
        latency_listener=f",LATENCY://{HOST}:{node.latency_port}" if latency else "",
        latency_advertised=f",LATENCY://{HOST}:{node.latency_proxy_port}" if latency else "",
        latency_protocol=",LATENCY:PLAINTEXT" if latency else "",
        node_id=node.node_id,
        voters=quorum_voters(nodes),
        host=HOST,
        broker_port=node.broker_port,
        controller_port=node.controller_port,
        secure_port=node.secure_port,
        rack=node.rack,
        log_dir=log_dir,
        keystore=keystore,
        admin_user=ADMIN_USER,
    )


def format_command(java: Path, libs: Path, cluster_id: str, properties: Path, log4j: Path) -> list[str]:
    """Format one node's storage. With static ``controller.quorum.voters`` the tool takes no quorum flag."""
    return [
        str(java), f"-Dlog4j2.configurationFile={log4j}", "-cp", f"{libs}/*",
        "kafka.tools.StorageTool", "format", "--cluster-id", cluster_id, "--config", str(properties),
    ]


def broker_command(java: Path, libs: Path, agent: Path, node: Node, node_dir: Path) -> list[str]:
    return [
        str(java), f"-Xms{BROKER_HEAP}", f"-Xmx{BROKER_HEAP}", *_COMMON_JVM, marker(node_dir),
        f"-Dlog4j2.configurationFile={node_dir / 'log4j2.xml'}",
        f"-javaagent:{agent}={HOST}:{node.metrics_port}:{node_dir / 'exporter.yaml'}",
        "-cp", f"{libs}/*", "kafka.Kafka", str(node_dir / "server.properties"),
    ]


def registry_command(java: Path, registry: Path, registry_dir: Path) -> list[str]:
    """Apicurio, storing in memory, with the settings of ``registry.properties`` in ``registry_dir``."""
    return [
        str(java), f"-Xms{REGISTRY_HEAP}", f"-Xmx{REGISTRY_HEAP}", *_COMMON_JVM, *_REGISTRY_JVM, marker(registry_dir),
        f"-Dquarkus.http.host={HOST}", f"-Dquarkus.http.port={REGISTRY_PORT}",
        f"-Dquarkus.management.host={HOST}", f"-Dquarkus.management.port={REGISTRY_MANAGEMENT_PORT}",
        f"-Dquarkus.config.locations={registry_dir / 'registry.properties'}",
        "-jar", str(registry / "quarkus-run.jar"),
    ]
