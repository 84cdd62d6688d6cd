"""Probes of a running cluster: live brokers, the registry API, the metrics endpoints.

Rules:
- Probes never raise: a component that does not answer is simply not ready.
- Every probe has a short timeout, so polling loops stay responsive.
- Brokers are asked through ``kafkactl.admin`` (the only Kafka client code); a TCP
  connect comes first so a stopped cluster is reported at once, not after a timeout.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from kafkactl.admin import Admin
from kafkactl.connection import Connection
from kafkactl.errors import KafkactlError
from kafkactl.local.layout import NODES, REGISTRY_URL

PROBE_TIMEOUT_S = 2.0


def port_open(host: str, port: int, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def http_ok(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    try:
        return httpx.get(url, timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class BrokerProbe:
    """Reuses one Admin client across polls (creating one per poll is slow)."""

    conn: Connection
    _admin: Admin | None = None

    def live_broker_ids(self) -> tuple[int, ...]:
        """The ids of the brokers in the cluster; () at once when no bootstrap port accepts a connection."""
        if not any(port_open(host, port) for host, port in _host_ports(self.conn.bootstrap_servers)):
            return ()
        try:
            if self._admin is None:
                self._admin = Admin(self.conn)
            return self._admin.cluster_info().broker_ids
        except KafkactlError:
            return ()


def _host_ports(bootstrap: str) -> list[tuple[str, int]]:
    """host:port pairs of a bootstrap list; an entry without a numeric port counts as Kafka's 9092."""
    pairs = []
    for entry in bootstrap.split(","):
        host, _, port = entry.strip().rpartition(":")
        pairs.append((host, int(port)) if host and port.isdigit() else (entry.strip(), 9092))
    return pairs


def subjects_url(registry_url: str) -> str:
    return f"{registry_url.rstrip('/')}/subjects"


def pending(probe: BrokerProbe) -> list[str]:
    """What is not ready yet: node names missing from the cluster, metrics endpoints, the registry.

    The probes run concurrently, so one poll takes as long as the slowest probe, not their sum.
    """
    urls = {f"{n.name} metrics": n.metrics_url for n in NODES} | {"registry": subjects_url(REGISTRY_URL)}
    with ThreadPoolExecutor(max_workers=len(urls) + 1) as pool:
        ids_future = pool.submit(probe.live_broker_ids)
        http = {name: pool.submit(http_ok, url) for name, url in urls.items()}
        ids = set(ids_future.result())
        answered = {name for name, fut in http.items() if fut.result()}
    return [n.name for n in NODES if n.node_id not in ids] + [name for name in urls if name not in answered]


def poll_until_ready(
    probe: BrokerProbe, on_poll: Callable[[], None], progress: Callable[[str], None], timeout_s: float
) -> list[str]:
    """Poll ``pending`` with a short backoff until all is ready or ``timeout_s`` passed; return what is still pending.

    ``on_poll`` runs before every probe; it raises to stop early (a process exited).
    """
    return poll_until_none(lambda: pending(probe), on_poll, progress, timeout_s)


def poll_until_none(
    waiting_now: Callable[[], list[str]], on_poll: Callable[[], None], progress: Callable[[str], None],
    timeout_s: float,
) -> list[str]:
    """Call ``waiting_now`` (names not ready yet) with a short backoff until it is empty or ``timeout_s`` passed."""
    begin = time.monotonic()
    delay = 0.2
    while True:
        on_poll()
        waiting = waiting_now()
        elapsed = time.monotonic() - begin
        if not waiting or elapsed > timeout_s:
            return waiting
        progress(f"waiting for {', '.join(waiting)} ({elapsed:.0f} s)")
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)
