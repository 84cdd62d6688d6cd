"""bench/gen_topology.py: the generated topology loads, with N x M topics."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from kafkactl.topology import load

GEN = Path(__file__).resolve().parent.parent / "bench" / "gen_topology.py"


def _gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_topology", GEN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_topology_loads_with_tenants_times_templates_topics(tmp_path: Path) -> None:
    assert _gen().generate(tmp_path, tenants=40, templates=3, partitions=2, replication_factor=1) == 120
    result = load(tmp_path)
    topology = result.topology
    assert len(topology.topics) == 120 and len(topology.tenants) == 40 and len(topology.templates) == 3
    topic = topology.topics["bench.t02.tenant-000040"]
    assert (topic.partitions, topic.replication_factor, dict(topic.configs)) == (2, 1, {"retention.ms": "86400000"})
    assert topology.cluster.brokers == 1
    assert result.warnings == ()


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _gen().main([str(tmp_path), "--tenants", "5", "--templates", "2", "--time"]) == 0
    out = capsys.readouterr().out
    assert "10 topics (5 tenants x 2 templates)" in out
    assert "load: 10 topics in " in out


@pytest.mark.parametrize("per_file", [False, True])
def test_explicit_topologies_load_with_each_topic_as_written(tmp_path: Path, per_file: bool) -> None:
    assert _gen().generate_explicit(tmp_path, 50, per_file=per_file) == 50
    assert len(list(tmp_path.rglob("*.yaml"))) == (51 if per_file else 2)
    topics = load(tmp_path).topology.topics
    assert len(topics) == 50
    spec = topics["bench.events.000003"]
    assert (spec.partitions, dict(spec.configs)) == (12, {"cleanup.policy": "compact", "retention.ms": "2592000000"})
