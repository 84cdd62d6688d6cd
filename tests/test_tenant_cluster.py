"""tenant add / remove / list against the real cluster and registry. Each test owns its own prefix."""

from __future__ import annotations

import difflib
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kafkactl.admin import Admin
from kafkactl.cli.main import main
from kafkactl.connection import Connection
from tests.eventually import eventually

SCHEMA = '{"type": "record", "name": "Message", "fields": [{"name": "text", "type": "string"}]}\n'


def run(capsys: pytest.CaptureFixture[str], conn: Connection, *args: str) -> tuple[int, str, str]:
    rc = main([*args, "--bootstrap-servers", conn.bootstrap_servers, "--schema-registry-url", conn.schema_registry_url])
    out, err = capsys.readouterr()
    return rc, out, err


def plan_changes(capsys: pytest.CaptureFixture[str], conn: Connection, d: Path, *extra: str) -> list[tuple[str, str, str]]:
    rc, out, err = run(capsys, conn, "plan", str(d), "--json", *extra)
    doc = json.loads(out)
    assert rc == 0 and not doc["errors"], (err, doc["errors"])
    return sorted((c["kind"], c["name"], c["action"]) for c in doc["changes"])


def commented_topology(p: str) -> str:
    """A hand-written file: comments, odd spacing and flow style that an edit must not touch."""
    return textwrap.dedent(f"""\
        # Tenants of the {p} chat platform.   (spacing kept on purpose)
        cluster:
          brokers: 3
          owns: ["{p}.*"]            # narrow ownership: this test's topics only

        defaults: {{partitions: 1, replication_factor: 3}}

        tenants:
          templates:
            "{p}.msg.{{tenant}}":       # one message topic per tenant
              configs: {{retention.ms: 1d, cleanup.policy: [delete]}}
              value_schema: schemas/message.avsc
              dlq: true
            "{p}.audit.{{tenant}}": {{partitions: 2}}
          members:
            # paying customers, alphabetical
            acme:
            globex:     # needs more partitions
              "{p}.msg.{{tenant}}": {{partitions: 2}}
        # end of tenants

        topics:
          {p}.shared: {{}}
        """)


def tenant_resources(p: str, tenant: str) -> list[tuple[str, str]]:
    return sorted([("topic", f"{p}.msg.{tenant}"), ("topic", f"{p}.msg.{tenant}.dlq"), ("topic", f"{p}.audit.{tenant}"),
                   ("subject", f"{p}.msg.{tenant}-value")])


def setup_topology(tmp_path: Path, p: str) -> Path:
    d = tmp_path / "topology"
    (d / "schemas").mkdir(parents=True)
    (d / "schemas" / "message.avsc").write_text(SCHEMA, encoding="utf-8")
    (d / "chat.yaml").write_text(commented_topology(p), encoding="utf-8")
    return d


def _same(got: set[str], want: set[str]) -> None:
    """Topic sets read right after an apply, through another client: checked with ``eventually``."""
    assert got == want


def live_topics(admin: Admin, p: str) -> set[str]:
    return {n for n in admin.list_topics() if n.startswith(f"{p}.")}


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)))
    return [d[2:] for d in diff if d.startswith("+ ")], [d[2:] for d in diff if d.startswith("- ")]


def test_tenant_add_edits_one_line_plans_and_applies_only_that_tenant(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("ten")
    d = setup_topology(tmp_path, p)
    rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 0, err
    before = (d / "chat.yaml").read_text(encoding="utf-8")

    rc, out, err = run(capsys, cluster, "tenant", "add", "initech", str(d))
    assert rc == 0, err
    after = (d / "chat.yaml").read_text(encoding="utf-8")
    assert changed_lines(before, after) == (["    initech:\n"], [])  # comments and formatting byte-for-byte
    assert f"Added tenant initech to {d / 'chat.yaml'}." in out
    for kind, name in tenant_resources(p, "initech"):
        assert f"+ {kind} {name}\n" in out
    assert "acme" not in out.split("Added tenant", 1)[1] and "globex" not in out
    assert [(k, n) for k, n, a in plan_changes(capsys, cluster, d, "--target", "tenant:initech") if a == "create"] == \
        tenant_resources(p, "initech")

    rc, _, err = run(capsys, cluster, "tenant", "add", "initech", str(d))
    assert rc == 1 and "tenant initech already exists" in err
    assert (d / "chat.yaml").read_text(encoding="utf-8") == after  # nothing written

    rc, out, err = run(capsys, cluster, "tenant", "add", "hooli", str(d), "--apply", "--auto-approve")
    assert rc == 0, err
    hooli = {n for k, n in tenant_resources(p, "hooli") if k == "topic"}
    want = {f"{p}.shared", *hooli, *(n for t in ("acme", "globex") for k, n in tenant_resources(p, t) if k == "topic")}
    eventually(lambda: _same(live_topics(admin, p), want))
    assert "4 added, 0 changed, 0 destroyed" in out
    # Only initech (added without --apply) is left to do.
    assert [(k, n) for k, n, _ in plan_changes(capsys, cluster, d)] == tenant_resources(p, "initech")


def apply_deletes_and_converge(
    capsys: pytest.CaptureFixture[str], conn: Connection, admin: Admin, d: Path, p: str, remaining: set[str]
) -> None:
    """apply --allow-delete succeeds, exactly ``remaining`` of the test's topics are left, and plan is empty."""
    rc, _, err = run(capsys, conn, "apply", str(d), "--auto-approve", "--allow-delete")
    assert rc == 0, err
    eventually(lambda: _same(live_topics(admin, p), remaining))
    rc, _, _ = run(capsys, conn, "plan", str(d), "--detailed-exitcode")
    assert rc == 0


def test_tenant_remove_plans_deletes_that_need_allow_delete(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("off")
    d = setup_topology(tmp_path, p)
    assert run(capsys, cluster, "apply", str(d), "--auto-approve")[0] == 0
    before = (d / "chat.yaml").read_text(encoding="utf-8")

    rc, out, err = run(capsys, cluster, "tenant", "remove", "globex", str(d))
    assert rc == 0, err
    assert f"Removed tenant globex from {d / 'chat.yaml'}." in out
    assert f"- topic {p}.msg.globex\n" in out and "Plan: 0 to add, 0 to change, 4 to destroy." in out
    added, removed = changed_lines(before, (d / "chat.yaml").read_text(encoding="utf-8"))
    assert (added, removed) == ([], ["    globex:     # needs more partitions\n", f'      "{p}.msg.{{tenant}}": {{partitions: 2}}\n'])
    assert sorted((k, n) for k, n, a in plan_changes(capsys, cluster, d) if a == "delete") == tenant_resources(p, "globex")
    assert all(a == "delete" for _, _, a in plan_changes(capsys, cluster, d))

    rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 1 and "--allow-delete" in err
    assert f"{p}.msg.globex" in live_topics(admin, p)
    apply_deletes_and_converge(capsys, cluster, admin, d, p,
                               {f"{p}.shared", f"{p}.msg.acme", f"{p}.msg.acme.dlq", f"{p}.audit.acme"})


def test_removing_the_last_tenant_plans_the_deletes_of_its_subjects_too(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # With no tenant left the topology declares no subject at all; the registry must still be read,
    # or the offboarded tenants' subjects would silently stay behind.
    p = unique_name("last")
    d = setup_topology(tmp_path, p)
    assert run(capsys, cluster, "apply", str(d), "--auto-approve")[0] == 0
    for tenant in ("acme", "globex"):
        assert run(capsys, cluster, "tenant", "remove", tenant, str(d))[0] == 0
    deletes = sorted((k, n) for k, n, a in plan_changes(capsys, cluster, d) if a == "delete")
    assert deletes == sorted(tenant_resources(p, "acme") + tenant_resources(p, "globex"))
    apply_deletes_and_converge(capsys, cluster, admin, d, p, {f"{p}.shared"})


def test_tenant_list_shows_status_on_the_live_cluster(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("lst")
    d = setup_topology(tmp_path, p)
    assert run(capsys, cluster, "apply", str(d), "--auto-approve", "--target", "tenant:acme")[0] == 0
    admin.alter_topic_configs([(f"{p}.audit.acme", {"retention.ms": "1000"})])  # acme drifts
    admin.await_configs({f"{p}.audit.acme": {"retention.ms": "1000"}})
    assert run(capsys, cluster, "tenant", "add", "initech", str(d), "--apply", "--auto-approve")[0] == 0
    admin.create_topics([(f"{p}.msg.hooli", 1, 3, {})])  # a template topic of no member: offboarded, still live
    admin.await_metadata({f"{p}.msg.hooli": 1})
    rc, out, err = run(capsys, cluster, "tenant", "list", str(d))
    assert rc == 0, err
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:5]]
            for line in out.splitlines() if line.count("│") == 5 and "Tenant" not in line}
    assert rows == {"acme": ["3", "1", "drifted"], "globex": ["3", "1", "missing"], "initech": ["3", "1", "in sync"],
                    "hooli": ["1", "0", "removed"]}
