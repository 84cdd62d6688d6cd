"""Probes of a running cluster: live brokers, the registry API, the metrics endpoints.

Rules:
- Probes never raise: a component that does not answer is simply not ready.
- Every probe has a short timeout, so polling loops stay responsive.
- Brokers are asked through ``kafkactl.admin`` (the only Kafka client code); a TCP
  connect comes first so a stopped cluster is reported at once, not after a timeout.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from kafkactl.admin import Admin
from kafkactl.connection import Connection
from kafkactl.errors import KafkactlError

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
        try:
            if self._admin is None:
                self._admin = Admin(self.conn)
            return self._admin.cluster_info().broker_ids
        except KafkactlError:
            return ()


def live_broker_ids(bootstrap: Sequence[tuple[str, int]], conn: Connection) -> tuple[int, ...]:
    """The ids of the brokers in the cluster, or () when no bootstrap port even accepts a connection."""
    if not any(port_open(host, port) for host, port in bootstrap):
        return ()
    return BrokerProbe(conn).live_broker_ids()


def subjects_url(registry_url: str) -> str:
    return f"{registry_url.rstrip('/')}/subjects"
