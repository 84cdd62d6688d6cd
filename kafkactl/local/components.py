"""The four JVMs of the local cluster (three KRaft nodes, one registry): files, commands, start.

Rules:
- Configs are rendered afresh on every start, so a changed template takes effect on the next ``up``.
- A node's storage is formatted once, with the cluster id stored once per state dir;
  an already formatted node is never formatted again (that would wipe its metadata).
- All storage formats run in parallel, and so do the four JVMs.
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from kafkactl.errors import LocalClusterError
from kafkactl.local import config, procs
from kafkactl.local.artifacts import Artifacts
from kafkactl.local.health import port_open
from kafkactl.local.layout import HOST, NODES, REGISTRY_MANAGEMENT_PORT, REGISTRY_PORT, REGISTRY_URL, Layout, Node

FORMAT_TIMEOUT_S = 120
LOG_TAIL_LINES = 20


@dataclass(frozen=True)
class Component:
    name: str
    directory: Path
    address: str
    node: Node | None = None  # None for the registry

    @property
    def pid_file(self) -> Path:
        return self.directory / "pid"

    @property
    def log(self) -> Path:
        return self.directory / f"{self.name}.log"

    @property
    def marker(self) -> str:
        return config.marker(self.directory)

    def running_pid(self) -> int | None:
        return procs.running_pid(self.pid_file, self.marker)

    def ports(self) -> tuple[int, ...]:
        if self.node is None:
            return (REGISTRY_PORT, REGISTRY_MANAGEMENT_PORT)
        return (self.node.broker_port, self.node.controller_port, self.node.metrics_port, self.node.secure_port)


@dataclass(frozen=True)
class Java:
    broker: Path
    registry: Path


def components(layout: Layout) -> tuple[Component, ...]:
    nodes = tuple(Component(n.name, layout.node_dir(n), n.broker_address, n) for n in NODES)
    return (*nodes, Component("registry", layout.registry_dir, REGISTRY_URL))


def log_tail(component: Component, lines: int = LOG_TAIL_LINES) -> tuple[str, ...]:
    try:
        text = component.log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    return tuple(line for line in text.splitlines() if line.strip())[-lines:]


def cluster_id(layout: Layout) -> str:
    """The cluster id of this state dir: generated once (a Kafka Uuid in base64url), then reused."""
    path = layout.cluster_id_file
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    new = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new + "\n", encoding="utf-8")
    return new


def write_configs(comp: Component, keystore: Path, latency: bool = False) -> None:
    """``keystore``: the brokers' PEM keystore (``kafkactl.local.tls``); the registry ignores it.
    ``latency``: the nodes get the LATENCY listener too."""
    comp.directory.mkdir(parents=True, exist_ok=True)
    if comp.node is None:
        (comp.directory / "registry.properties").write_text(config.template("registry.properties"), encoding="utf-8")
        return
    props = config.server_properties(comp.node, NODES, comp.directory / "data", keystore, latency)
    (comp.directory / "server.properties").write_text(props, encoding="utf-8")
    for name in ("log4j2.xml", "exporter.yaml"):
        (comp.directory / name).write_text(config.template(name), encoding="utf-8")


def unformatted(comps: list[Component]) -> list[Component]:
    """The nodes whose storage has no ``meta.properties`` yet."""
    return [c for c in comps if c.node is not None and not (c.directory / "data" / "meta.properties").is_file()]


def format_storage(todo: list[Component], java: Path, arts: Artifacts, cid: str) -> None:
    """Format these nodes' storage, all at once."""
    running = []
    for comp in todo:
        cmd = config.format_command(java, arts.libs, cid, comp.directory / "server.properties",
                                    comp.directory / "log4j2.xml")
        with comp.log.open("ab") as out:
            running.append((comp, subprocess.Popen(cmd, cwd=comp.directory, stdin=subprocess.DEVNULL,
                                                   stdout=out, stderr=subprocess.STDOUT)))
    for comp, proc in running:
        try:
            rc = proc.wait(timeout=FORMAT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = -9
        if rc != 0:
            raise LocalClusterError(f"formatting the storage of {comp.name} failed (exit code {rc})",
                                    hint=f"full log: {comp.log}; 'kafkactl local down --purge' starts afresh",
                                    details=log_tail(comp))


def start(comp: Component, java: Java, arts: Artifacts) -> subprocess.Popen[bytes]:
    if comp.node is None:
        cmd = config.registry_command(java.registry, arts.registry, comp.directory)
    else:
        cmd = config.broker_command(java.broker, arts.libs, arts.agent, comp.node, comp.directory)
    return procs.spawn(cmd, comp.directory, comp.log, comp.pid_file)


def busy_ports(comps: list[Component]) -> list[tuple[Component, int]]:
    return [(c, p) for c in comps for p in c.ports() if port_open(HOST, p, timeout_s=0.2)]
