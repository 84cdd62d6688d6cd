"""A network distance for the local cluster: Toxiproxy in front of each node's LATENCY listener.

    client --> 127.0.0.1:1959N (Toxiproxy, + latency) --> 127.0.0.1:1949N (LATENCY listener of node N)

The nodes advertise 1959N on that listener (``kafkactl local up --latency-listener``), so every
connection a client opens after the bootstrap goes through the proxy too; inter-broker and
controller traffic stay on their own listeners, undelayed.

Rules:
- Everything binds 127.0.0.1; the proxy's API listens on ``API_PORT``. The proxy is this
  process's child, started by ``Proxy.start`` and stopped by ``Proxy.stop`` (also on errors).
- An RTT of R ms is one latency toxic of R ms on the downstream (broker -> client) stream: each
  request waits R ms for its answer, and pipelined requests are not serialised (Toxiproxy delays
  each chunk from the time it arrived).
- ``measured_rtt`` checks what a client sees (a metadata request through the proxy) before a run uses it.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx

from kafkactl.local.layout import HOST, NODES, Layout, latency_bootstrap_servers

API_PORT = 18474
START_TIMEOUT_S = 20.0


def listener_enabled() -> str | None:
    """None when the running nodes have the LATENCY listener, else why not (with the fix)."""
    if not Layout.default().latency_listener_marker.exists():
        return "the local cluster has no latency listener: run 'kafkactl local down' and 'kafkactl local up --latency-listener'"
    closed = [n.latency_port for n in NODES if not _port_open(n.latency_port)]
    if closed:
        return (f"no node listens on {', '.join(map(str, closed))}: the cluster was started before the latency "
                "listener was switched on; restart it ('kafkactl local down', 'kafkactl local up')")
    return None


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


class Proxy:
    """One Toxiproxy server with a proxy per node."""

    def __init__(self, binary: Path, log: Path) -> None:
        self.binary, self.log = binary, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.api = httpx.Client(base_url=f"http://{HOST}:{API_PORT}", timeout=10)
        self.rtt_ms = 0

    @property
    def bootstrap(self) -> str:
        return latency_bootstrap_servers()

    def start(self) -> Proxy:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([str(self.binary), "-host", HOST, "-port", str(API_PORT)],
                                         stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                self.api.get("/version").raise_for_status()
                break
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"toxiproxy did not start (see {self.log})") from None
                time.sleep(0.2)
        for n in NODES:
            self.api.post("/proxies", json={"name": n.name, "listen": f"{HOST}:{n.latency_proxy_port}",
                                            "upstream": f"{HOST}:{n.latency_port}", "enabled": True}).raise_for_status()
        return self

    def set_rtt(self, rtt_ms: int) -> None:
        """Every proxy's added round trip, in whole ms (0: the proxy alone)."""
        for n in NODES:
            self.api.delete(f"/proxies/{n.name}/toxics/delay")  # 404 when there is none
            if rtt_ms:
                self.api.post(f"/proxies/{n.name}/toxics", json={
                    "name": "delay", "type": "latency", "stream": "downstream", "toxicity": 1.0,
                    "attributes": {"latency": rtt_ms, "jitter": 0}}).raise_for_status()
        self.rtt_ms = rtt_ms

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self.api.close()

    def __enter__(self) -> Proxy:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def measured_rtt(bootstrap: str, samples: int = 7) -> float:
    """Median ms of a one-topic metadata request on a connected client (what the clients here pay per round trip)."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})
    admin.list_topics(timeout=30)  # connect first
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        admin.list_topics(topic="__kafkactl_rtt_probe", timeout=30)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
