"""The local cluster's optional LATENCY listener (issue 17, benchmarks): off by default, inert unless chosen."""

from __future__ import annotations

from pathlib import Path

import pytest

from kafkactl.errors import LocalClusterError
from kafkactl.local import cluster, config
from kafkactl.local.layout import NODES, Layout, latency_bootstrap_servers


def properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def test_no_latency_listener_by_default(tmp_path: Path) -> None:
    props = properties(config.server_properties(NODES[0], NODES, tmp_path / "data", tmp_path / "ks.pem"))
    assert "LATENCY" not in props["listeners"] + props["advertised.listeners"] + props["listener.security.protocol.map"]


def test_latency_listener_binds_loopback_and_advertises_the_proxy_port(tmp_path: Path) -> None:
    props = properties(config.server_properties(NODES[2], NODES, tmp_path / "data", tmp_path / "ks.pem", latency=True))
    assert props["listeners"].endswith(",LATENCY://127.0.0.1:19493")
    assert props["advertised.listeners"].endswith(",LATENCY://127.0.0.1:19593")
    assert props["listener.security.protocol.map"].endswith(",LATENCY:PLAINTEXT")
    assert props["inter.broker.listener.name"] == "PLAINTEXT"  # brokers talk to each other undelayed
    assert latency_bootstrap_servers() == "127.0.0.1:19591,127.0.0.1:19592,127.0.0.1:19593"
    ports = {n.latency_port for n in NODES} | {n.latency_proxy_port for n in NODES}
    assert len(ports) == 6 and not ports & {p for n in NODES for p in (n.broker_port, n.controller_port,
                                                                      n.metrics_port, n.secure_port)}


def test_the_choice_is_kept_and_a_running_cluster_is_not_changed(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    cluster._choose_latency_listener(layout, True, running=False)
    assert layout.latency_listener_marker.exists()
    cluster._choose_latency_listener(layout, True, running=True)  # same choice: nothing to do
    with pytest.raises(LocalClusterError, match="running with the latency listener"):
        cluster._choose_latency_listener(layout, False, running=True)
    assert layout.latency_listener_marker.exists()
    cluster._choose_latency_listener(layout, False, running=False)
    assert not layout.latency_listener_marker.exists()
