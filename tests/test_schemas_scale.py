"""300 subjects planned with no changes, against the real registry; prints the wall time vs the bulk-read floor."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from kafkactl.cli.main import main
from kafkactl.connection import Connection

SUBJECTS = 300
PLAN_BUDGET_S = 30.0  # generous: the local registry answers 300 subjects' reads in about a second


def test_300_subjects_plan_empty_after_apply(
    cluster: Connection, unique_name: Callable[[str], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = unique_name("scale")
    ns = "n" + base.replace("-", "")
    (tmp_path / "topology").mkdir()
    (tmp_path / "schemas").mkdir()
    lines = ["subjects:"]
    for i in range(SUBJECTS):
        schema = {"type": "record", "name": f"R{i}", "namespace": ns, "fields": [{"name": "f", "type": "string"}]}
        (tmp_path / "schemas" / f"s{i}.avsc").write_text(json.dumps(schema), encoding="utf-8")
        lines += [f"  {base}.s{i:03d}:", f"    schema: ../schemas/s{i}.avsc", "    compatibility: BACKWARD"]
    (tmp_path / "topology" / "main.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    conn = ["--bootstrap-servers", cluster.bootstrap_servers, "--schema-registry-url", cluster.schema_registry_url]
    d = str(tmp_path / "topology")

    assert main(["apply", d, "--auto-approve", *conn]) == 0
    capsys.readouterr()
    started = time.perf_counter()
    code = main(["plan", d, "--detailed-exitcode", *conn])
    wall = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert code == 0, out + err

    with httpx.Client(base_url=cluster.schema_registry_url + "/", timeout=30) as sr:
        started = time.perf_counter()
        sr.get("schemas", params={"subjectPrefix": f"{base}.", "latestOnly": "true"}).raise_for_status()
        floor = time.perf_counter() - started
    print(f"\n[scale] plan of {SUBJECTS} unchanged subjects: {wall:.2f}s wall; one bulk read: {floor:.3f}s")
    assert wall < PLAN_BUDGET_S
