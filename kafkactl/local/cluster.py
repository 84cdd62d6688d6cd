"""``kafkactl local up | down | status``: the local cluster's lifecycle.

Rules:
- One command at a time per kafkactl home: ``up`` and ``down`` hold an exclusive file lock,
  so concurrent callers (tests of several people) wait and then see the cluster as it is.
- ``up`` is idempotent: what runs is left alone, what is missing is started, and it
  returns only when 3 brokers are in the cluster, the registry API answers 200 and each
  metrics endpoint answers, polling with a short backoff until a deadline (never a fixed sleep).
- If start-up fails, what this call started is stopped again, and the error names the
  component and carries the tail of its log.
- ``down`` stops exactly the pids in our pid files whose command line is still ours.
- A cluster started with ``temporary=True`` (by a test session) carries a marker that the
  session checks before stopping it; a plain ``up`` (a person) adopts a running temporary
  cluster by removing the marker, so it is not stopped under them.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kafkactl.connection import Connection
from kafkactl.errors import LocalClusterError
from kafkactl.local import artifacts, procs, secure, tls, toolchain
from kafkactl.local.components import (
    Component,
    Java,
    busy_ports,
    cluster_id,
    components,
    format_storage,
    log_tail,
    start,
    unformatted,
    write_configs,
)
from kafkactl.local.health import BrokerProbe, http_ok, poll_until_ready, port_open, subjects_url
from kafkactl.local.layout import HOST, NODES, REGISTRY_URL, Layout, bootstrap_servers

Progress = Callable[[str], None]
READY_TIMEOUT_S = 120.0
LOCK_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class UpResult:
    started: bool  # False when everything was already running
    cluster_id: str


@dataclass(frozen=True)
class Row:
    """One line of ``status``: a node, its metrics endpoint, or the registry."""

    name: str
    address: str
    pid: int | None
    up: bool


def connection() -> Connection:
    return Connection(bootstrap_servers=bootstrap_servers(), schema_registry_url=REGISTRY_URL)


def _probe() -> BrokerProbe:
    return BrokerProbe(Connection(bootstrap_servers=bootstrap_servers(), timeout_s=2.0))


@contextlib.contextmanager
def _locked(layout: Layout, progress: Progress) -> Iterator[None]:
    layout.root.mkdir(parents=True, exist_ok=True)
    with layout.lock_file.open("a") as fh:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LocalClusterError("another 'kafkactl local' command holds the lock for too long",
                                            hint=f"check for a hung kafkactl process; lock file {layout.lock_file}"
                                            ) from None
                progress("waiting for another 'kafkactl local' command to finish")
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def up(layout: Layout, progress: Progress, temporary: bool = False, latency_listener: bool | None = None) -> UpResult:
    """``latency_listener``: True/False switches the LATENCY listener on/off for this and every later start
    (a marker in the state dir); None keeps what was chosen before (off unless switched on)."""
    with _locked(layout, progress):
        missing = [c for c in components(layout) if c.running_pid() is None]
        if latency_listener is not None:
            _choose_latency_listener(layout, latency_listener, running=len(missing) < len(components(layout)))
        if not missing:
            progress("already running; checking health")
            _wait_ready(layout, {}, progress)
            secure.ensure_admin(layout, progress, READY_TIMEOUT_S)
            if not temporary:
                layout.temporary_marker.unlink(missing_ok=True)
            return UpResult(started=False, cluster_id=cluster_id(layout))
        cid = _start(layout, missing, progress)
        if temporary:
            layout.temporary_marker.touch()
        else:
            layout.temporary_marker.unlink(missing_ok=True)
        return UpResult(started=True, cluster_id=cid)


def _start(layout: Layout, missing: list[Component], progress: Progress) -> str:
    _refuse_busy_ports(missing)
    java = Java(
        broker=toolchain.find_java(toolchain.BROKER_JAVA, "the Kafka brokers"),
        registry=toolchain.find_java(toolchain.REGISTRY_JAVA, "Apicurio Registry 3.3"),
    )
    arts = artifacts.ensure(layout, progress)
    cid = cluster_id(layout)
    keystore = tls.ensure(secure.tls_files(layout)).broker_keystore
    for comp in missing:
        write_configs(comp, keystore, latency=layout.latency_listener_marker.exists())
    todo = unformatted(missing)
    if todo:
        progress("formatting storage of " + ", ".join(c.name for c in todo))
        format_storage(todo, java.broker, arts, cid)
    progress("starting " + ", ".join(c.name for c in missing))
    started = {c.name: start(c, java, arts) for c in missing}
    try:
        _wait_ready(layout, started, progress)
        secure.ensure_admin(layout, progress, READY_TIMEOUT_S)
    except BaseException:
        procs.stop([(started[c.name].pid, c.marker) for c in missing], STOP_TIMEOUT_S)
        for comp in missing:
            comp.pid_file.unlink(missing_ok=True)
        raise
    return cid


def _choose_latency_listener(layout: Layout, on: bool, running: bool) -> None:
    """Record the choice; a running node keeps the listeners it started with, so changing it needs a restart."""
    if on == layout.latency_listener_marker.exists():
        return
    if running:
        raise LocalClusterError(
            f"the local cluster is running {'without' if on else 'with'} the latency listener; nothing was changed",
            hint="restart it: 'kafkactl local down', then 'kafkactl local up' with the option")
    layout.state.mkdir(parents=True, exist_ok=True)
    if on:
        layout.latency_listener_marker.touch()
    else:
        layout.latency_listener_marker.unlink(missing_ok=True)


def _refuse_busy_ports(missing: list[Component]) -> None:
    busy = busy_ports(missing)
    if busy:
        comp, port = busy[0]
        raise LocalClusterError(
            f"port {HOST}:{port} (for {comp.name}) is already in use by another process",
            hint="stop that process; if it is a cluster from another KAFKACTL_HOME or docker compose, stop it there",
        )


def _wait_ready(layout: Layout, started: dict[str, subprocess.Popen[bytes]], progress: Progress) -> None:
    """Poll until everything is ready; fail fast when a process we started exits."""
    comps = {c.name: c for c in components(layout)}
    waiting = poll_until_ready(_probe(), lambda: _raise_if_exited(comps, started), progress, READY_TIMEOUT_S)
    if waiting:
        comp = comps[waiting[0].split()[0]]
        raise LocalClusterError(f"{waiting[0]} did not become ready within {READY_TIMEOUT_S:.0f} s",
                                hint=f"full log: {comp.log}", details=log_tail(comp))


def _raise_if_exited(comps: dict[str, Component], started: dict[str, subprocess.Popen[bytes]]) -> None:
    for name, proc in started.items():
        comp = comps[name]
        rc = proc.poll()
        if rc is not None:
            raise LocalClusterError(f"{comp.name} exited during start-up (exit code {rc})",
                                    hint=f"full log: {comp.log}", details=log_tail(comp))


def down(layout: Layout, purge: bool, progress: Progress) -> list[str]:
    """Stop our processes (and with ``purge`` delete the state dir); return the names stopped."""
    with _locked(layout, progress):
        comps = components(layout)
        running = [(c, pid) for c in comps if (pid := c.running_pid()) is not None]
        if running:
            progress("stopping " + ", ".join(c.name for c, _ in running))
            procs.stop([(pid, c.marker) for c, pid in running], STOP_TIMEOUT_S)
        left = [c.name for c, pid in running if procs.is_ours(pid, c.marker)]
        if left:
            raise LocalClusterError(f"could not stop {', '.join(left)}", hint="check them with ps; kill them by pid")
        for comp in comps:
            comp.pid_file.unlink(missing_ok=True)
        layout.temporary_marker.unlink(missing_ok=True)
        if purge and layout.state.exists():
            progress(f"deleting {layout.state}")
            shutil.rmtree(layout.state)
        return [c.name for c, _ in running]


def status(layout: Layout) -> list[Row]:
    """Each node, its metrics endpoint and the registry: up only if our process runs and answers."""
    comps = components(layout)
    pids = {c.name: c.running_pid() for c in comps}
    ids: tuple[int, ...] = ()
    if any(pids[n.name] for n in NODES):
        ids = _probe().live_broker_ids()
    rows = [Row(n.name, n.broker_address, pids[n.name], bool(pids[n.name]) and n.node_id in ids) for n in NODES]
    rows += [Row(f"{n.name} metrics", n.metrics_url, pids[n.name],
                 bool(pids[n.name]) and http_ok(n.metrics_url)) for n in NODES]
    rows += [Row(f"{n.name} secure", n.secure_address, pids[n.name],
                 bool(pids[n.name]) and port_open(HOST, n.secure_port)) for n in NODES]
    reg = pids["registry"]
    rows.append(Row("registry", REGISTRY_URL, reg, bool(reg) and http_ok(subjects_url(REGISTRY_URL))))
    return rows


def foreign_ports(layout: Layout) -> list[int]:
    """Ports of stopped components that something else listens on (another cluster, docker compose)."""
    stopped = [c for c in components(layout) if c.running_pid() is None]
    return [port for _, port in busy_ports(stopped)]
