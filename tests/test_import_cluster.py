"""kafkactl import against the real cluster: the imported topology plans no changes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from kafkactl.admin import Admin
from kafkactl.cli.main import main
from kafkactl.connection import Connection

SCHEMA = '{"type": "record", "name": "Event", "namespace": "imp", "fields": [{"name": "id", "type": "long"}]}'


def run(capsys: pytest.CaptureFixture[str], conn: Connection, *args: str) -> tuple[int, str, str]:
    rc = main([*args, "--bootstrap-servers", conn.bootstrap_servers, "--schema-registry-url", conn.schema_registry_url])
    out, err = capsys.readouterr()
    return rc, out, err


def populate(tmp_path: Path, conn: Connection, capsys: pytest.CaptureFixture[str], p: str) -> None:
    """A cluster made by kafkactl and by hand: configs in odd units, tenants that differ, a subject."""
    d = tmp_path / "source"
    (d / "schemas").mkdir(parents=True)
    (d / "schemas" / "event.avsc").write_text(SCHEMA, encoding="utf-8")
    (d / "t.yaml").write_text(textwrap.dedent(f"""\
        cluster: {{brokers: 3, owns: ["{p}.*"]}}
        defaults: {{partitions: 1, replication_factor: 3}}
        topics:
          {p}.events:
            partitions: 3
            configs: {{retention.ms: 7d, segment.bytes: 512MiB, cleanup.policy: [compact, delete]}}
            value_schema: schemas/event.avsc
          {p}.odd: {{configs: {{retention.ms: 604800001, min.cleanable.dirty.ratio: 0.25}}}}
        tenants:
          templates:
            "{p}.msg.{{tenant}}": {{partitions: 2, configs: {{retention.ms: 30d}}, value_schema: schemas/event.avsc}}
          members:
            acme:
            globex: {{"{p}.msg.{{tenant}}": {{partitions: 4}}}}
            initech: {{"{p}.msg.{{tenant}}": {{configs: {{retention.ms: 1d, max.message.bytes: 2MiB}}}}}}
        """), encoding="utf-8")
    rc, _, err = run(capsys, conn, "apply", str(d), "--auto-approve")
    assert rc == 0, err


def plan_is_empty(capsys: pytest.CaptureFixture[str], conn: Connection, d: Path) -> None:
    rc, out, err = run(capsys, conn, "plan", str(d), "--json", "--detailed-exitcode")
    assert out, err
    doc = json.loads(out)
    assert (rc, doc["changes"], doc["errors"]) == (0, [], []), (err, doc)


def test_import_then_plan_shows_no_changes(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("imp")
    populate(tmp_path, cluster, capsys, p)
    out_dir = tmp_path / "imported"
    rc, out, err = run(capsys, cluster, "import", "--include", f"{p}.*", "--out", str(out_dir))
    assert rc == 0, err
    assert "Imported 5 topics and 4 subjects" in out
    topics = yaml.safe_load((out_dir / "topics.yaml").read_text(encoding="utf-8"))["topics"]
    assert topics[f"{p}.events"]["configs"] == {"retention.ms": "7d", "segment.bytes": "512MiB",
                                                "cleanup.policy": "compact,delete"}
    assert topics[f"{p}.events"]["value_schema"] == f"schemas/{p}.events-value.avsc"
    assert topics[f"{p}.odd"]["configs"] == {"retention.ms": 604800001, "min.cleanable.dirty.ratio": "0.25"}
    assert not any(n.startswith("_") for n in topics)
    assert main(["validate", str(out_dir)]) == 0
    assert "is valid" in capsys.readouterr().out
    plan_is_empty(capsys, cluster, out_dir)

    rc, _, err = run(capsys, cluster, "import", "--include", f"{p}.*", "--out", str(out_dir))
    assert rc == 1 and "already holds a topology" in err


def test_tenant_template_folding_yields_a_valid_topology(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("fold")
    populate(tmp_path, cluster, capsys, p)
    out_dir = tmp_path / "imported"
    template = f"{p}.msg.{{tenant}}"
    rc, _, err = run(capsys, cluster, "import", "--include", f"{p}.*", "--out", str(out_dir),
                     "--tenant-template", template)
    assert rc == 0, err
    tenants = yaml.safe_load((out_dir / "tenants.yaml").read_text(encoding="utf-8"))["tenants"]
    assert tenants == {
        "templates": {template: {"partitions": 2, "replication_factor": 3, "configs": {"retention.ms": "30d"},
                                 "value_schema": f"schemas/{template}-value.avsc"}},
        "members": {
            "acme": None,
            "globex": {template: {"partitions": 4}},
            "initech": {template: {"configs": {"retention.ms": "1d", "max.message.bytes": "2MiB"}}},
        },
    }
    topics = yaml.safe_load((out_dir / "topics.yaml").read_text(encoding="utf-8"))["topics"]
    assert sorted(topics) == [f"{p}.events", f"{p}.odd"]
    assert main(["validate", str(out_dir)]) == 0
    assert "is valid" in capsys.readouterr().out
    plan_is_empty(capsys, cluster, out_dir)
