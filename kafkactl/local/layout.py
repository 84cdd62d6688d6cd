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

    @property
    def name(self) -> str:
        return f"node-{self.node_id}"

    @property
    def broker_address(self) -> str:
        return f"{HOST}:{self.broker_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{HOST}:{self.metrics_port}/metrics"


NODES = tuple(Node(i, 19091 + i, 19191 + i, 17070 + i) for i in (1, 2, 3))


def bootstrap_servers() -> str:
    return ",".join(n.broker_address for n in NODES)


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

    def node_dir(self, node: Node) -> Path:
        return self.state / node.name
