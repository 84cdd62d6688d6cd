"""Environments on the real cluster: the example's dev applies and converges; prod plans the
differences; a plan of one environment is never applied to another. Through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kafkactl.admin import Admin
from kafkactl.cli.main import main
from kafkactl.connection import Connection
from tests.eventually import eventually
from tests.example_topology import EMPTY_CLIENT_CONFIG, example_copy

pytestmark = pytest.mark.cluster
def run(capsys: pytest.CaptureFixture[str], conn: Connection, *args: str) -> tuple[int, str, str]:
    """The command pointed at the test cluster by flags, which override every environment's profile
    (an empty client config stands in for prod's and staging's ${..._CLIENT_CONFIG})."""
    rc = main([*args, "--bootstrap-servers", conn.bootstrap_servers, "--schema-registry-url", conn.schema_registry_url,
               "--client-config", str(EMPTY_CLIENT_CONFIG)])
    out, err = capsys.readouterr()
    return rc, out, err


def plan_doc(capsys: pytest.CaptureFixture[str], conn: Connection, d: Path, env: str, *extra: str) -> tuple[int, Any]:
    rc, out, err = run(capsys, conn, "plan", str(d), "--env", env, "--json", *extra)
    assert out, f"plan printed nothing (exit {rc}): {err}"
    return rc, json.loads(out)


def test_dev_applies_and_converges_and_prod_plans_the_differences(
    tmp_path: Path, cluster: Connection, admin: Admin, capsys: pytest.CaptureFixture[str],
    unique_name: Callable[[str], str],
) -> None:
    p = unique_name("env")
    d = example_copy(tmp_path, p)
    rc, out, err = run(capsys, cluster, "plan", str(d), "--env", "dev")
    assert rc == 0, err
    assert "on cluster chat-dev (" in out and ", environment dev:" in out.splitlines()[0]
    rc, doc = plan_doc(capsys, cluster, d, "dev")
    assert doc["environment"] == "dev" and doc["errors"] == []
    assert {c["name"] for c in doc["changes"] if c["kind"] == "topic"} >= {f"{p}.chat.messages.acme", f"{p}.audit.log"}
    assert not [c for c in doc["changes"] if "globex" in c["name"]]  # dev has one tenant

    rc, out, err = run(capsys, cluster, "apply", str(d), "--env", "dev", "--auto-approve")
    assert rc == 0, err
    rc, doc = plan_doc(capsys, cluster, d, "dev", "--detailed-exitcode")
    assert (rc, doc["changes"], doc["errors"]) == (0, [], [])
    live = eventually(lambda: admin.list_topics()[f"{p}.analytics.events"])
    assert (live.partitions, live.replication_factor) == (3, 1)

    # prod, pointed at the same cluster by flags (its ${PROD_*} variables are unset and unused):
    rc, doc = plan_doc(capsys, cluster, d, "prod")
    assert doc["environment"] == "prod"
    analytics = next(c for c in doc["changes"] if c["name"] == f"{p}.analytics.events")
    paths = {f["path"]: (f["before"], f["after"]) for f in analytics["fields"]}
    assert paths["configs.retention.ms"] == ("604800000", "31536000000")
    rf_errors = [e for e in doc["errors"] if "replication_factor" in e and f"{p}.chat.messages.acme" in e]
    rf_changes = [c for c in doc["changes"] if c["name"] == f"{p}.chat.messages.acme"
                  and any(f["path"] == "replication_factor" for f in c["fields"])]
    # Either kafkactl refuses RF changes (a plan error, exit 1) or it plans the reassignment.
    assert (rc == 1 and rf_errors) or (rc == 0 and rf_changes), (rc, doc["errors"])
    assert any(c["name"] == f"{p}.chat.messages.globex" and c["action"] == "create" for c in doc["changes"])


def test_a_plan_of_another_environment_is_refused_and_nothing_is_applied(
    tmp_path: Path, cluster: Connection, admin: Admin, capsys: pytest.CaptureFixture[str],
    unique_name: Callable[[str], str],
) -> None:
    p = unique_name("env")
    d = example_copy(tmp_path, p)
    saved = tmp_path / "staging.plan.json"
    rc, _, err = run(capsys, cluster, "plan", str(d), "--env", "staging", "--out", str(saved), "--json")
    assert rc == 0, err
    assert json.loads(saved.read_text())["environment"] == "staging"
    rc, _, err = run(capsys, cluster, "apply", str(d), "--env", "dev", "--plan", str(saved))
    assert rc == 1
    assert "the plan was made for environment staging, not environment dev; nothing was applied" in err
    assert not [t for t in admin.list_topics() if t.startswith(f"{p}.")]
    rc, _, err = run(capsys, cluster, "apply", str(d), "--env", "staging", "--plan", str(saved))
    assert rc == 0, err
    assert eventually(lambda: admin.list_topics()[f"{p}.chat.events"]).partitions == 6  # staging's size


def test_drift_metrics_carry_the_environment(
    tmp_path: Path, cluster: Connection, capsys: pytest.CaptureFixture[str], unique_name: Callable[[str], str],
) -> None:
    d = example_copy(tmp_path, unique_name("env"))
    metrics = tmp_path / "kafkactl.prom"
    rc, _, err = run(capsys, cluster, "drift", str(d), "--env", "dev", "--metrics-file", str(metrics))
    assert rc == 2, err  # nothing of this copy exists yet
    text = metrics.read_text()
    assert 'kafkactl_drift_detected{env="dev"} 1.0' in text
    assert 'kafkactl_last_run_success{env="dev"} 1.0' in text
