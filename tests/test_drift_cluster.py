"""kafkactl drift against the real cluster: exit codes 0 / 2 / 1 and a metrics file that parses each time."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kafkactl.admin import Admin
from kafkactl.cli.main import main
from kafkactl.connection import Connection


def run(capsys: pytest.CaptureFixture[str], conn: Connection, *args: str) -> tuple[int, str, str]:
    rc = main([*args, "--bootstrap-servers", conn.bootstrap_servers, "--schema-registry-url", conn.schema_registry_url])
    out, err = capsys.readouterr()
    return rc, out, err


def metrics(path: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(path.read_text(encoding="utf-8"))
        for s in family.samples
    }


def test_drift_exit_codes_and_metrics(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("drift")
    d = tmp_path / "topology"
    d.mkdir()
    (d / "t.yaml").write_text(textwrap.dedent(f"""\
        cluster: {{brokers: 3, owns: ["{p}.*"]}}
        defaults: {{partitions: 1, replication_factor: 3}}
        topics:
          {p}.orders: {{configs: {{retention.ms: 7d}}}}
          {p}.events: {{}}
        """), encoding="utf-8")
    prom = tmp_path / "textfile" / "kafkactl.prom"
    prom.parent.mkdir()
    assert run(capsys, cluster, "apply", str(d), "--auto-approve")[0] == 0

    rc, out, err = run(capsys, cluster, "drift", str(d), "--metrics-file", str(prom))
    assert rc == 0, err
    assert "No changes" in out
    m = metrics(prom)
    assert (m[("kafkactl_drift_detected", ())], m[("kafkactl_last_run_success", ())]) == (0, 1)
    assert m[("kafkactl_run_duration_seconds", ())] > 0
    first_run_at = m[("kafkactl_last_run_timestamp_seconds", ())]

    admin.alter_topic_configs([(f"{p}.orders", {"retention.ms": "1000"})])  # out of band
    admin.await_configs({f"{p}.orders": {"retention.ms": "1000"}})  # every broker shows it before drift runs
    rc, out, err = run(capsys, cluster, "drift", str(d), "--metrics-file", str(prom), "--json")
    assert rc == 2, err
    doc = json.loads(out)
    assert [(c["name"], c["action"]) for c in doc["changes"]] == [(f"{p}.orders", "update")]
    m = metrics(prom)
    assert (m[("kafkactl_drift_detected", ())], m[("kafkactl_last_run_success", ())]) == (1, 1)
    assert m[("kafkactl_drift_changes", (("action", "update"), ("kind", "topic")))] == 1
    assert m[("kafkactl_drift_changes", (("action", "create"), ("kind", "topic")))] == 0
    assert m[("kafkactl_last_run_timestamp_seconds", ())] >= first_run_at

    rc = main(["drift", str(d), "--metrics-file", str(prom), "--bootstrap-servers", "127.0.0.1:1", "--timeout", "2"])
    _, err = capsys.readouterr()
    assert rc == 1 and "cannot reach Kafka at 127.0.0.1:1" in err
    m = metrics(prom)
    assert m[("kafkactl_last_run_success", ())] == 0
    assert ("kafkactl_drift_detected", ()) not in m  # unknown, so absent
    assert sorted(x.name for x in prom.parent.iterdir()) == ["kafkactl.prom"]  # no temp files left


def test_drift_usage_error_is_64_never_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift", "--no-such-flag"]) == 64
