"""Start-up budget: which modules a command imports (issue 17; the timings are in bench/RESULTS.md).

Each case runs the real CLI in a fresh interpreter and lists ``sys.modules`` afterwards.
A heavy library that creeps back into a start path (a top-level import in a command module,
in ``cli/main.py`` or in what ``kafkactl.topology`` imports) fails here, by name, whatever
the machine's speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Libraries no offline command needs: Kafka and registry clients, HTTP, serialisers, diffing,
# metrics, pydantic (typer 0.29's option coercion), and the schema parsers of plan-time diffs.
HEAVY = ("confluent_kafka", "kafka", "httpx", "authlib", "fastavro", "jsonschema", "deepdiff", "prometheus_client",
         "pydantic", "pydantic_core", "proto_schema_parser", "antlr4", "ruamel", "google.protobuf", "platformdirs",
         "cryptography")
# kafkactl modules that only commands talking to a cluster or registry need.
CLUSTER_SIDE = ("kafkactl.workflow", "kafkactl.admin", "kafkactl.registry", "kafkactl.reader", "kafkactl.executor",
                "kafkactl.diff", "kafkactl.render", "kafkactl.clients", "kafkactl.verify", "kafkactl.local.cluster")

_RUN = """
import json, sys
from kafkactl.cli.main import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def imported(tmp_path: Path, *argv: str) -> set[str]:
    """Every module loaded by ``kafkactl ARGV`` in a fresh interpreter (which must exit 0)."""
    report = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", _RUN, str(report), *argv], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(report.read_text())
    assert found["code"] == 0, done.stdout + done.stderr
    return set(found["modules"])


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def rich_of(*imports: str) -> set[str]:
    """The rich modules that importing ``imports`` loads (the most a command printing with them needs)."""
    code = f"import sys; import {', '.join(imports)}; print(' '.join(m for m in sys.modules if m.startswith('rich')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return set(done.stdout.split())


@pytest.fixture
def topology(tmp_path: Path) -> Path:
    root = tmp_path / "topo"
    root.mkdir()
    (root / "a.yaml").write_text(
        "cluster: {brokers: 3}\ndefaults: {partitions: 3, replication_factor: 3}\n"
        "topics:\n  chat.events: {configs: {retention.ms: 7d, cleanup.policy: [delete]}, dlq: true}\n"
        "tenants:\n  templates:\n    \"chat.{tenant}\": {partitions: 6}\n  members:\n    acme:\n    globex:\n",
        encoding="utf-8")
    return root


def test_version_loads_no_library_beyond_typer(tmp_path: Path) -> None:
    modules = imported(tmp_path, "--version")
    assert loaded(modules, (*HEAVY, "rich", "yaml", "jsonschema_rs")) == []
    assert sorted(m for m in modules if m.startswith("kafkactl")) == ["kafkactl", "kafkactl.cli", "kafkactl.cli.main",
                                                                     "kafkactl.errors"]


def test_validate_loads_the_topology_code_and_nothing_for_clusters(tmp_path: Path, topology: Path) -> None:
    modules = imported(tmp_path, "validate", str(topology))
    assert "kafkactl.topology.load" in modules and "yaml" in modules and "jsonschema_rs" in modules
    assert loaded(modules, HEAVY) == []
    assert loaded(modules, CLUSTER_SIDE) == []
    assert loaded(modules, ("rich",)) <= sorted(rich_of("rich.console", "rich.text"))


def test_validate_loads_fastavro_only_for_avro_schemas(tmp_path: Path, topology: Path) -> None:
    (topology / "event.avsc").write_text('{"type": "record", "name": "E", "fields": []}', encoding="utf-8")
    (topology / "b.yaml").write_text("topics:\n  chat.more: {value_schema: event.avsc}\n", encoding="utf-8")
    modules = imported(tmp_path, "validate", str(topology))
    assert "fastavro" in modules
    assert loaded(modules, tuple(h for h in HEAVY if h != "fastavro")) == []


def test_an_invalid_file_is_explained_with_jsonschema(tmp_path: Path, topology: Path) -> None:
    # The other side of the budget: the lazy import must still happen where it is needed.
    (topology / "b.yaml").write_text("topics:\n  x: {partitions: zero}\n", encoding="utf-8")
    report = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", _RUN, str(report), "validate", str(topology)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert "b.yaml:2:" in done.stderr and "expected an integer" in done.stderr, done.stderr
    assert "jsonschema" in json.loads(report.read_text())["modules"]
