"""Fault cases 6 and 7: a stale saved plan, a plan file edited by hand, a plan file of another cluster.
Each is refused with one line, nothing is applied, and a fresh plan then converges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

from tests.eventually import eventually
from tests.faults.conftest import Cluster, assert_converges, names, run, scope, workspace, write_topology


def _saved(c: Cluster, d: Path, tmp_path: Path, prefix: str) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / "plan.json"
    made = run(c.conn, "plan", str(d), "--out", str(out), *scope(prefix))
    assert made.rc == 0, made.err
    return out, json.loads(out.read_text(encoding="utf-8"))


def _refused(c: Cluster, plan_file: Path, prefix: str, expect: str) -> None:
    r = run(c.conn, "apply", "--plan", str(plan_file), str(plan_file.parent / "topology"))
    assert r.rc == 1, r.err
    assert expect in r.error()
    assert "nothing was applied" in r.err
    assert c.topics(prefix) == {f"{prefix}.keep", f"{prefix}.t00000"}, "a refused plan applied something"


def _edit(plan_file: Path, doc: dict[str, Any], name: str) -> Path:
    edited = plan_file.with_name(name)
    edited.write_text(json.dumps(doc), encoding="utf-8")
    return edited


def test_stale_edited_and_foreign_plans_are_refused(local_cluster: Cluster, unique_name: Any, tmp_path: Path) -> None:
    c, prefix = local_cluster, unique_name("f6")
    with workspace(c, prefix):
        c.create(f"{prefix}.t00000", {})  # the plan updates it and creates two more
        d = write_topology(tmp_path / "topology", prefix, names(prefix, 3), {"retention.ms": "3600000"})
        plan_file, doc = _saved(c, d, tmp_path, prefix)
        assert doc["summary"] == {"create": 2, "update": 1, "delete": 0}

        forged = json.loads(json.dumps(doc))
        forged["fingerprint"] = "sha256:" + "0" * 64
        _refused(c, _edit(plan_file, forged, "fingerprint.json"), prefix, "plan is stale")

        added = json.loads(json.dumps(doc))
        extra = dict(added["changes"][0], name=f"{prefix}.t99999")
        added["changes"].append(extra)
        added["summary"]["create"] += 1
        _refused(c, _edit(plan_file, added, "added.json"), prefix, "the plan file's changes are not the plan")

        foreign = json.loads(json.dumps(doc))
        foreign["cluster_id"] = "AnotherClusterId000000"
        _refused(c, _edit(plan_file, foreign, "foreign.json"), prefix, "the plan was made for cluster AnotherClusterId")

        _alter(c, f"{prefix}.t00000", "retention.ms", "7200000")  # out of band, after the plan was made
        _refused(c, plan_file, prefix, "plan is stale")
        assert c.configs(f"{prefix}.t00000") == {"retention.ms": "7200000"}

        fresh, _ = _saved(c, d, tmp_path, prefix)
        applied = run(c.conn, "apply", "--plan", str(fresh), str(d))
        assert applied.rc == 0, applied.err
        assert_converges(c.conn, d, prefix)


def _alter(c: Cluster, topic: str, key: str, value: str) -> None:
    res = ConfigResource(ResourceType.TOPIC, topic,
                         incremental_configs=[ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)])
    for fut in c.admin.incremental_alter_configs([res]).values():
        fut.result(30)
    eventually(lambda: _assert(c.configs(topic).get(key) == value))


def _assert(condition: bool) -> None:
    assert condition
