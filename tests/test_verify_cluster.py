"""`kafkactl verify` on the real cluster: the example topology passes; a subject whose latest version
cannot serialize the declared schema's sample, and a missing DLQ companion, fail by name (exit 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from kafkactl.admin import Admin
from kafkactl.connection import Connection
from tests.eventually import eventually
from tests.example_topology import EMPTY_CLIENT_CONFIG, example_copy
from tests.test_clients_cluster import ORDER_SCHEMA, apply, declare
from tests.test_plan_apply import run


def verify_json(capsys: pytest.CaptureFixture[str], conn: Connection, d: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    rc, out, err = run(capsys, conn, "verify", str(d), "--json", *extra)
    assert out, f"verify --json printed nothing (exit {rc}): {err}"
    return rc, json.loads(out)


def test_verify_passes_on_the_example_topology(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("vex")
    d = example_copy(tmp_path, p)  # the example under a unique prefix, without its access sections
    env = ("--env", "prod", "--client-config", str(EMPTY_CLIENT_CONFIG))  # prod: the base's shape
    apply(capsys, cluster, d, *env)
    rc, doc = verify_json(capsys, cluster, d, "--messages", "300", *env)
    failed = [c for c in doc["checks"] if not c["ok"]]
    assert (rc, doc["ok"], failed) == (0, True, [])
    names = {c["name"] for c in doc["checks"]}
    assert names == {"dlq-companion", "schema", "delivery", "dlq-path"}
    schemas = {c["target"] for c in doc["checks"] if c["name"] == "schema"}
    assert {f"{p}.internal.commands-value", f"{p}.presence.updates-value", f"{p}.chat.messages.acme-value",
            "com.chat.Attachment"} <= schemas
    probes = {c["probe_topic"] for c in doc["checks"] if c["name"] == "delivery"}
    assert all(p.startswith("kafkactl-probe-") for p in probes)
    delivery = [c for c in doc["checks"] if c["name"] == "delivery"]
    assert all(c["lost"] == c["duplicated"] == c["out_of_order"] == 0 and c["p99_ms"] > 0 for c in delivery)
    eventually(lambda: _none_left(admin, probes))


def _none_left(admin: Admin, probes: set[str]) -> None:
    live = admin.list_topics()
    assert not [p for p in probes if p in live or f"{p}.dlq" in live]


def test_verify_fails_naming_the_schema_and_the_missing_dlq(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("vf")
    d = declare(tmp_path, capsys, cluster, p, f"""
    {p}.orders:
      value_schema: ../order.avsc
      dlq: true
    """)
    subject = f"{p}.orders-value"
    rc, doc = verify_json(capsys, cluster, d, "--messages", "200")
    assert (rc, doc["ok"]) == (0, True), doc

    # A newer version no sample of the declared schema fits ("seq" is now a string), registered
    # behind kafkactl's back; and the DLQ companion removed.
    url = cluster.schema_registry_url
    httpx.put(f"{url}/config/{subject}", json={"compatibility": "NONE"}, timeout=10).raise_for_status()
    changed = {**ORDER_SCHEMA, "fields": [{"name": "key", "type": "string"}, {"name": "seq", "type": "string"}]}
    httpx.post(f"{url}/subjects/{subject}/versions", json={"schema": json.dumps(changed)},
               headers={"Content-Type": "application/vnd.schemaregistry.v1+json"}, timeout=10).raise_for_status()
    assert all(o.error is None for o in admin.delete_topics([f"{p}.orders.dlq"]))
    assert admin.await_metadata({f"{p}.orders.dlq": None}) == []  # every broker shows it gone

    rc, doc = verify_json(capsys, cluster, d, "--messages", "200")
    failed = {(c["name"], c["target"]): c["detail"] for c in doc["checks"] if not c["ok"]}
    assert (rc, doc["ok"]) == (1, False)
    assert set(failed) == {("schema", subject), ("dlq-companion", f"{p}.orders")}, failed
    assert f"cannot serialize a value for subject {subject}" in failed[("schema", subject)]
    assert f"{p}.orders.dlq is missing" in failed[("dlq-companion", f"{p}.orders")]
    rc, out, _ = run(capsys, cluster, "verify", str(d), "--messages", "200")
    assert rc == 1 and "FAILED" in out and "2 of" in out
