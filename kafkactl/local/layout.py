"""Where the local cluster lives: ports (CONTRACT section 5) and directories.

Rules:
- The addresses here are the CONTRACT addresses; ``kafkactl.connection`` defaults
  must equal ``bootstrap_servers()`` and ``REGISTRY_URL`` (a unit test checks it).
- Everything the local cluster writes goes under ``home()``: ``KAFKACTL_HOME`` if set,
  else the platform's user cache dir for ``kafkactl``. Artifacts are shared by every
  state; ``local/`` holds one cluster's configs, data, logs and pid files.
- Every component binds 127.0.0.1 only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

HOST = "127.0.0.1"
REGISTRY_PORT = 18081
REGISTRY_MANAGEMENT_PORT = 18082  # Quarkus management interface (health); bound to HOST too
REGISTRY_URL = f"http://{HOST}:{REGISTRY_PORT}/apis/ccompat/v7"


@dataclass(frozen=True)
class Node:
    """One combined broker+controller KRaft node."""

    node_id: int
    broker_port: int
    controller_port: int
    metrics_port: int
    secure_port: int  # SASL_SSL (SCRAM) listener, ACLs enforced
    rack: str  # broker.rack, so rack-aware placement is exercised locally

    @property
    def name(self) -> str:
        return f"node-{self.node_id}"

    @property
    def broker_address(self) -> str:
        return f"{HOST}:{self.broker_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{HOST}:{self.metrics_port}/metrics"

    @property
    def secure_address(self) -> str:
        return f"{HOST}:{self.secure_port}"

    @property
    def latency_port(self) -> int:
        """The optional LATENCY listener (off by default): bound here, advertised as ``latency_proxy_port``."""
        return 19490 + self.node_id

    @property
    def latency_proxy_port(self) -> int:
        """Where a latency-injecting TCP proxy (the bench's Toxiproxy) listens and forwards to ``latency_port``."""
        return 19590 + self.node_id


NODES = tuple(Node(i, 19091 + i, 19191 + i, 17070 + i, 19391 + i, "abc"[i - 1]) for i in (1, 2, 3))
# The bootstrap super user of the SASL_SSL listener; its password is generated once per state dir.
ADMIN_USER = "kafkactl-admin"
ADMIN_MECHANISM = "SCRAM-SHA-512"


def bootstrap_servers() -> str:
    return ",".join(n.broker_address for n in NODES)


def secure_bootstrap_servers() -> str:
    return ",".join(n.secure_address for n in NODES)


def latency_bootstrap_servers() -> str:
    """The LATENCY listener's advertised addresses: reachable only while a proxy forwards them."""
    return ",".join(f"{HOST}:{n.latency_proxy_port}" for n in NODES)


def home() -> Path:
    env = os.environ.get("KAFKACTL_HOME")
    return Path(env).expanduser().resolve() if env else platformdirs.user_cache_path("kafkactl")


@dataclass(frozen=True)
class Layout:
    """The directories of one kafkactl home."""

    root: Path

    @classmethod
    def default(cls) -> Layout:
        return cls(home())

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def state(self) -> Path:
        return self.root / "local"

    @property
    def lock_file(self) -> Path:
        return self.root / "local.lock"

    @property
    def temporary_marker(self) -> Path:
        """Present while the running cluster was started for a test session only (see cluster.up)."""
        return self.state / "temporary"

    @property
    def cluster_id_file(self) -> Path:
        return self.state / "cluster.id"

    @property
    def registry_dir(self) -> Path:
        return self.state / "registry"

    @property
    def tls_dir(self) -> Path:
        return self.state / "tls"

    @property
    def ca_certificate(self) -> Path:
        """The local CA (PEM) that signs the brokers' certificate; equals ``tls.TlsFiles.ca_certificate``."""
        return self.tls_dir / "ca.pem"

    @property
    def latency_listener_marker(self) -> Path:
        """Present when the nodes get the LATENCY listener (``local up --latency-listener``); kept across restarts."""
        return self.state / "latency-listener"

    @property
    def admin_client_config(self) -> Path:
        """Client properties (mode 0600) of ADMIN_USER on the SASL_SSL listener: holds its password."""
        return self.state / "admin-client.properties"

    def node_dir(self, node: Node) -> Path:
        return self.state / node.name
