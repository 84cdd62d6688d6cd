"""The drift metrics file: Prometheus text format that parses back. No cluster."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kafkactl.errors import KafkactlError
from kafkactl.metrics import RunResult, write_metrics
from kafkactl.plan import Action, Change, Plan


def parse(path: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(path.read_text(encoding="utf-8"))
        for s in family.samples
    }


def test_drift_run_writes_every_series(tmp_path: Path) -> None:
    plan = Plan("c1", "sha256:x", (
        Change("topic", "a", Action.CREATE, None, {}),
        Change("topic", "b", Action.CREATE, None, {}),
        Change("subject", "a-value", Action.UPDATE, {}, {}),
    ))
    path = tmp_path / "kafkactl.prom"
    write_metrics(str(path), RunResult(plan, True, 1700000000.0, 1.5))
    m = parse(path)
    assert m[("kafkactl_drift_detected", ())] == 1
    assert m[("kafkactl_drift_changes", (("action", "create"), ("kind", "topic")))] == 2
    assert m[("kafkactl_drift_changes", (("action", "update"), ("kind", "subject")))] == 1
    assert m[("kafkactl_drift_changes", (("action", "delete"), ("kind", "cluster_config")))] == 0
    assert len([k for k in m if k[0] == "kafkactl_drift_changes"]) == 18  # 6 kinds x 3 actions, zeros included
    assert m[("kafkactl_last_run_success", ())] == 1
    assert m[("kafkactl_last_run_timestamp_seconds", ())] == 1700000000.0
    assert m[("kafkactl_run_duration_seconds", ())] == 1.5
    assert [p.name for p in tmp_path.iterdir()] == ["kafkactl.prom"]  # no temp file left behind


def test_failed_run_has_no_drift_series(tmp_path: Path) -> None:
    path = tmp_path / "kafkactl.prom"
    write_metrics(str(path), RunResult(None, False, 1700000000.0, 0.2))
    m = parse(path)
    assert m[("kafkactl_last_run_success", ())] == 0
    assert not [k for k in m if k[0].startswith("kafkactl_drift")]


def test_unwritable_metrics_file_is_a_kafkactl_error(tmp_path: Path) -> None:
    with pytest.raises(KafkactlError, match="cannot write metrics file"):
        write_metrics(str(tmp_path / "missing-dir" / "k.prom"), RunResult(None, False, 0.0, 0.0))


def test_a_run_for_an_environment_labels_every_series_with_it(tmp_path: Path) -> None:
    path = tmp_path / "kafkactl.prom"
    plan = Plan("c1", "sha256:x", (Change("topic", "a", Action.CREATE, None, {}),), environment="prod")
    write_metrics(str(path), RunResult(plan, True, 1700000000.0, 1.5, env="prod"))
    m = parse(path)
    assert m[("kafkactl_drift_detected", (("env", "prod"),))] == 1
    assert m[("kafkactl_drift_changes", (("action", "create"), ("env", "prod"), ("kind", "topic")))] == 1
    assert m[("kafkactl_last_run_success", (("env", "prod"),))] == 1
    assert all(dict(labels).get("env") == "prod" for _, labels in m)
