"""plan and apply of topics against the real cluster. Every test: apply, then plan again is empty."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

import kafkactl.admin
from kafkactl.admin import Admin
from kafkactl.cli.main import main
from kafkactl.connection import Connection
from tests.eventually import eventually
from tests.example_topology import EMPTY_CLIENT_CONFIG, example_copy

pytestmark = pytest.mark.cluster


def _assert(condition: bool) -> None:
    assert condition


def write(d: Path, body: str, name: str = "topics.yaml") -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text(textwrap.dedent(body), encoding="utf-8")
    return d


def run(capsys: pytest.CaptureFixture[str], conn: Connection, *args: str) -> tuple[int, str, str]:
    flags = ["--bootstrap-servers", conn.bootstrap_servers, "--schema-registry-url", conn.schema_registry_url]
    rc = main([*args, *flags])
    out, err = capsys.readouterr()
    return rc, out, err


def plan_json(capsys: pytest.CaptureFixture[str], conn: Connection, d: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    rc, out, err = run(capsys, conn, "plan", str(d), "--json", *extra)
    assert out, f"plan --json printed nothing (exit {rc}): {err}"
    return rc, json.loads(out)


def topology(prefix: str, topics: str, protect: str = "") -> str:
    return f"""
    cluster:
      brokers: 3
      owns: ["{prefix}.*"]
      protect: [{protect}]
    defaults:
      partitions: 3
      replication_factor: 3
      configs:
        min.insync.replicas: 2
    topics:
{textwrap.indent(textwrap.dedent(topics), "      ")}
    """


def raw_admin(conn: Connection) -> AdminClient:
    return AdminClient({"bootstrap.servers": conn.bootstrap_servers})


def set_config(conn: Connection, topic: str, key: str, value: str) -> None:
    res = ConfigResource(ResourceType.TOPIC, topic,
                         incremental_configs=[ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)])
    client = raw_admin(conn)  # keep a reference: a collected client cancels its futures
    for fut in client.incremental_alter_configs([res]).values():
        fut.result(30)
    assert Admin(conn).await_configs({topic: {key: value}}) == []  # every broker shows it before the next step


def dynamic_configs(admin: Admin, topic: str) -> dict[str, str | None]:
    return admin.describe_topic_configs([topic]).topics[topic].dynamic


def test_apply_then_plan_is_empty_and_out_of_band_change_is_restored(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("pa")
    d = write(tmp_path / "t", topology(p, f"""
        {p}.orders:
          partitions: 6
          configs: {{retention.ms: 7d, cleanup.policy: [delete]}}
        {p}.default-valued:
          configs: {{compression.type: producer}}
        """))
    rc, doc = plan_json(capsys, cluster, d, "--detailed-exitcode")
    assert rc == 2 and doc["summary"] == {"create": 2, "update": 0, "delete": 0}
    rc, out, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 0, err
    assert "Apply complete! Resources: 2 added, 0 changed, 0 destroyed." in out
    meta = eventually(lambda: admin.list_topics()[f"{p}.orders"])
    assert (meta.partitions, meta.replication_factor) == (6, 3)
    assert eventually(lambda: dynamic_configs(admin, f"{p}.orders")) == {
        "retention.ms": "604800000", "cleanup.policy": "delete", "min.insync.replicas": "2"}
    # A declared value equal to the broker default is not a change after apply.
    rc, doc = plan_json(capsys, cluster, d, "--detailed-exitcode")
    assert (rc, doc["changes"], doc["errors"]) == (0, [], [])

    set_config(cluster, f"{p}.orders", "retention.ms", "1000")  # out of band
    set_config(cluster, f"{p}.orders", "segment.ms", "3600000")  # an extra dynamic config
    rc, doc = plan_json(capsys, cluster, d, "--detailed-exitcode")
    assert rc == 2
    (change,) = doc["changes"]
    assert (change["name"], change["action"]) == (f"{p}.orders", "update")
    assert change["fields"] == [
        {"path": "configs.retention.ms", "before": "1000", "after": "604800000"},
        {"path": "configs.segment.ms", "before": "3600000", "after": None},
    ]
    rc, out, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 0, err
    eventually(lambda: _assert(dynamic_configs(admin, f"{p}.orders") == {
        "retention.ms": "604800000", "cleanup.policy": "delete", "min.insync.replicas": "2"}))
    assert plan_json(capsys, cluster, d, "--detailed-exitcode")[0] == 0


def test_a_read_in_more_chunks_than_the_window_returns_every_topic(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 9 topics in 2-topic chunks are 5 DescribeConfigs requests, more than the DESCRIBE_WINDOW (3) in
    # flight at once: the window slides, as it does for 10,000 topics in 1,000-topic chunks.
    monkeypatch.setattr(kafkactl.admin, "DESCRIBE_CHUNK", 2)
    assert kafkactl.admin.DESCRIBE_WINDOW < 5
    p = unique_name("win")
    names = [f"{p}.t{i}" for i in range(9)]
    d = write(tmp_path / "t", topology(p, "".join(f"{n}: {{configs: {{retention.ms: {600000 + i}}}}}\n"
                                                  for i, n in enumerate(names))))
    rc, out, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 0, err
    assert "Resources: 9 added" in out
    described = eventually(lambda: admin.describe_topic_configs(names))
    assert {n: c.dynamic.get("retention.ms") for n, c in described.topics.items()} == {
        n: str(600000 + i) for i, n in enumerate(names)}
    assert {"retention.ms", "cleanup.policy", "min.insync.replicas"} <= described.known_keys
    rc, doc = plan_json(capsys, cluster, d, "--detailed-exitcode")
    assert (rc, doc["changes"], doc["errors"]) == (0, [], [])


def test_partition_increase_applies_and_decrease_is_an_error(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("parts")
    d = write(tmp_path / "t", topology(p, f"{p}.msgs: {{partitions: 3}}"))
    assert run(capsys, cluster, "apply", str(d), "--auto-approve")[0] == 0
    write(tmp_path / "t", topology(p, f"{p}.msgs: {{partitions: 5}}"))
    rc, out, _ = run(capsys, cluster, "plan", str(d))
    assert rc == 0 and "~ partitions: 3 → 5" in out and "per-key ordering" in out
    assert run(capsys, cluster, "apply", str(d), "--auto-approve")[0] == 0
    eventually(lambda: _assert(admin.list_topics()[f"{p}.msgs"].partitions == 5))
    write(tmp_path / "t", topology(p, f"{p}.msgs: {{partitions: 2}}"))
    rc, doc = plan_json(capsys, cluster, d)
    assert rc == 1 and any("cannot decrease partitions from 5 to 2" in e for e in doc["errors"])
    rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 1 and "nothing was applied" in err
    assert admin.list_topics()[f"{p}.msgs"].partitions == 5


def test_stale_saved_plan_is_refused_and_fresh_one_applies(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("stale")
    d = write(tmp_path / "t", topology(p, f"{p}.a: {{configs: {{retention.ms: 1d}}}}"))
    assert run(capsys, cluster, "apply", str(d), "--auto-approve")[0] == 0
    write(tmp_path / "t", topology(p, f"{p}.a: {{configs: {{retention.ms: 2d}}}}"))
    saved = tmp_path / "plan.json"
    assert run(capsys, cluster, "plan", str(d), "--out", str(saved))[0] == 0
    set_config(cluster, f"{p}.a", "retention.ms", "5000")  # the cluster changes after the plan
    rc, _, err = run(capsys, cluster, "apply", str(d), "--plan", str(saved))
    assert rc == 1 and "plan is stale" in err
    assert dynamic_configs(admin, f"{p}.a")["retention.ms"] == "5000"  # nothing applied
    assert run(capsys, cluster, "plan", str(d), "--out", str(saved))[0] == 0
    rc, out, err = run(capsys, cluster, "apply", str(d), "--plan", str(saved))
    assert rc == 0 and "0 added, 1 changed" in out, err
    eventually(lambda: _assert(dynamic_configs(admin, f"{p}.a")["retention.ms"] == "172800000"))


def test_deletes_need_allow_delete_protected_never_unowned_untouched(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("del")
    d = write(tmp_path / "t", topology(p, f"{p}.keep: {{}}\n{p}.drop: {{}}\n{p}.audit: {{}}"))
    assert run(capsys, cluster, "apply", str(d), "--auto-approve")[0] == 0
    Admin(cluster).create_topics([(f"{p}-outside", 1, 3, {})])  # not matched by owns "{p}.*"
    write(tmp_path / "t", topology(p, f"{p}.keep: {{}}\n{p}.audit: {{}}"))
    rc, out, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 1 and "pass --allow-delete" in err
    assert f"{p}.drop" in admin.list_topics()
    rc, out, err = run(capsys, cluster, "apply", str(d), "--auto-approve", "--allow-delete")
    assert rc == 0, err
    assert "0 added, 0 changed, 1 destroyed" in out
    def deleted() -> None:
        live = admin.list_topics()
        assert f"{p}.drop" not in live and f"{p}.keep" in live and f"{p}-outside" in live

    eventually(deleted)
    write(tmp_path / "t", topology(p, f"{p}.keep: {{}}", protect=f"'{p}.audit'"))
    rc, doc = plan_json(capsys, cluster, d)
    assert rc == 1 and any(f"{p}.audit: protected" in e for e in doc["errors"])
    rc, _, _ = run(capsys, cluster, "apply", str(d), "--auto-approve", "--allow-delete")
    assert rc == 1 and f"{p}.audit" in admin.list_topics()


def test_unknown_config_key_is_a_plan_error_with_a_suggestion(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("unk")
    d = write(tmp_path / "t", topology(p, f"{p}.a: {{configs: {{retention.msec: 1000}}}}"))
    rc, doc = plan_json(capsys, cluster, d)
    assert rc == 1
    assert any("retention.msec" in e and "did you mean retention.ms" in e for e in doc["errors"]), doc["errors"]
    assert run(capsys, cluster, "apply", str(d), "--auto-approve")[0] == 1
    assert f"{p}.a" not in admin.list_topics()


def test_thousand_topics_in_one_apply_then_empty_plan(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("k")
    topics = "\n".join(f"{p}.t{i:04d}: {{}}" for i in range(1000))
    d = write(tmp_path / "t", topology(p, topics).replace("partitions: 3", "partitions: 1"))
    rc, out, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 0, err
    assert "Apply complete! Resources: 1000 added, 0 changed, 0 destroyed." in out
    eventually(lambda: _assert(sum(1 for n in admin.list_topics() if n.startswith(f"{p}.")) == 1000))
    rc, doc = plan_json(capsys, cluster, d, "--detailed-exitcode")
    assert (rc, doc["summary"]) == (0, {"create": 0, "update": 0, "delete": 0})
    admin.delete_topics([f"{p}.t{i:04d}" for i in range(1000)])  # keep the shared cluster small


def test_unreachable_cluster_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = write(tmp_path / "t", topology("x", "x.a: {}"))
    rc = main(["plan", str(d), "--bootstrap-servers", "127.0.0.1:1", "--timeout", "2"])
    out, err = capsys.readouterr()
    assert rc == 1 and out == ""
    assert err.startswith("Error: cannot reach Kafka at 127.0.0.1:1") and "Traceback" not in err


def test_non_interactive_apply_without_auto_approve_is_refused(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("ni")
    d = write(tmp_path / "t", topology(p, f"{p}.a: {{}}"))
    rc, _, err = run(capsys, cluster, "apply", str(d))
    assert rc == 1 and "non-interactive" in err
    assert f"{p}.a" not in admin.list_topics()


def test_example_topology_applies_then_plans_empty(
    tmp_path: Path, cluster: Connection, admin: Admin, capsys: pytest.CaptureFixture[str],
    unique_name: Callable[[str], str],
) -> None:
    p = unique_name("example")
    d = example_copy(tmp_path, p)  # the example's own names are the demo's (make demo applies dev)
    # prod is the base's shape (3 replicas, every tenant); its ${...} connection is overridden by the flags.
    env = ("--env", "prod", "--client-config", str(EMPTY_CLIENT_CONFIG))
    rc, out, err = run(capsys, cluster, "apply", str(d), *env, "--auto-approve")
    assert rc == 0, err
    assert "Apply complete!" in out
    rc, doc = plan_json(capsys, cluster, d, *env, "--detailed-exitcode")
    assert (rc, doc["changes"], doc["errors"]) == (0, [], [])
    msgs = eventually(lambda: admin.list_topics()[f"{p}.chat.messages.acme"])
    assert (msgs.partitions, msgs.replication_factor) == (12, 3)
    eventually(lambda: _assert(dynamic_configs(admin, f"{p}.chat.messages.acme")["retention.ms"] == "2592000000"))
    subjects = httpx.get(f"{cluster.schema_registry_url}/subjects", timeout=10).json()
    assert {f"{p}.chat.messages.acme-value", "com.chat.Attachment", f"{p}.presence.updates-value"} <= set(subjects)
