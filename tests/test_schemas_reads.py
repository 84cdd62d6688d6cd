"""Reads of live subjects through the CLI, on every registry the suite runs (Apicurio, Karapace 5.0.3).

Each test keeps two or more subjects in scope and asks for bulk reads (KAFKACTL_REGISTRY_READ=bulk),
so kafkactl takes its bulk read (Apicurio's export, the Confluent-compatible ``GET /schemas``)
and not one read per subject. Karapace
5.0.3's ``GET /schemas?latestOnly=true`` counts soft-deleted versions and subjects, which made
kafkactl plan rollbacks forever, never re-create a deleted subject, fail with "Version -1 not
found", and import a soft-deleted version (issue 12, defect 1 (a)-(d)). The registry itself is
checked with plain HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import yaml

from kafkactl.connection import resolve
from kafkactl.registry import Registry
from kafkactl.registry_read import READ_MODE_ENV
from tests.test_schemas_cli import (
    B_OPTIONAL,
    A,
    Run,
    apply_ok,
    assert_converged,
    avro,
    changes,
    kctl,
    latest,
    plan_json,
    sr,
    versions,
    write,
)

__all__ = ["kctl", "sr"]  # fixtures used here by name

C_OPTIONAL = {"name": "c", "type": "string", "default": ""}


@pytest.fixture(autouse=True)
def bulk_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bulk reads whatever the registry's size: a few subjects in a registry of many would be read one by one."""
    monkeypatch.setenv(READ_MODE_ENV, "bulk")


def two_topics(root: Path, first: str, second: str | None, first_fields: list[dict[str, object]],
               second_fields: list[dict[str, object]] | None = None) -> str:
    """Topics ``first`` and ``second`` (None: declared without a schema), each with value record ``x.Ev``."""
    blocks = [f"  {first}:\n    value_schema: ../schemas/a.avsc\n    compatibility: BACKWARD\n"]
    schemas = {"a.avsc": avro("Ev", "x", *first_fields)}
    if second is not None:
        blocks.append(f"  {second}:\n    value_schema: ../schemas/b.avsc\n    compatibility: BACKWARD\n")
        schemas["b.avsc"] = avro("Ev", "x", *(second_fields or first_fields))
    head = "defaults:\n  partitions: 1\n  replication_factor: 1\ntopics:\n"
    return write(root, head + "".join(blocks), schemas)


def without_schema(root: Path, kept: str, gone: str) -> None:
    """``gone`` stays declared as a topic, without its schema: its subject is owned and to be deleted."""
    two_topics(root, kept, None, [A])
    main = root / "topology" / "main.yaml"
    main.write_text(main.read_text(encoding="utf-8") + f"  {gone}: {{}}\n", encoding="utf-8")


def rolled_back(kctl: Run, sr: httpx.Client, root: Path, rolled: str, other: str) -> str:
    """``rolled`` at version 2, then declared at version 1 again and applied: version 2 is soft-deleted."""
    d = two_topics(root, rolled, other, [A])
    apply_ok(kctl, d)
    two_topics(root, rolled, other, [A, B_OPTIONAL], [A])
    apply_ok(kctl, d)
    two_topics(root, rolled, other, [A])
    apply_ok(kctl, d, "--allow-delete")
    assert versions(sr, f"{rolled}-value") == [1]
    return d


def test_a_rollback_converges_with_other_subjects_in_scope(
    kctl: Run, sr: httpx.Client, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    d = rolled_back(kctl, sr, tmp_path, unique_name("rb"), unique_name("rb-other"))
    assert_converged(kctl, d)


@pytest.mark.parametrize("again", [[A], [A, C_OPTIONAL]], ids=["same schema (b)", "another schema (c)"])
def test_b_c_a_deleted_subject_declared_again_is_created(
    kctl: Run, sr: httpx.Client, unique_name: Callable[[str], str], tmp_path: Path, again: list[dict[str, object]]
) -> None:
    kept, gone = unique_name("re-kept"), unique_name("re-gone")
    d = two_topics(tmp_path, kept, gone, [A])
    apply_ok(kctl, d)
    without_schema(tmp_path, kept, gone)
    apply_ok(kctl, d, "--allow-delete")
    assert versions(sr, f"{gone}-value") == []

    two_topics(tmp_path, kept, gone, [A], again)
    doc = plan_json(kctl, d)  # before the fix: no changes (b), or "Version -1 not found" (c)
    assert (changes(doc), doc["errors"]) == ([("subject", f"{gone}-value", "create", [])], [])
    apply_ok(kctl, d)
    assert [f["name"] for f in json.loads(latest(sr, f"{gone}-value")["schema"])["fields"]] == [
        f["name"] for f in again]
    assert_converged(kctl, d)


def test_d_import_writes_the_live_version_not_a_soft_deleted_one(
    kctl: Run, sr: httpx.Client, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    p = unique_name("ri")
    rolled_back(kctl, sr, tmp_path, f"{p}.rolled", f"{p}.other")

    out_dir = tmp_path / "imported"
    code, out, err = kctl("import", "--include", f"{p}.*", "--out", str(out_dir))
    assert code == 0, out + err
    topics = yaml.safe_load((out_dir / "topics.yaml").read_text(encoding="utf-8"))["topics"]
    written = (out_dir / topics[f"{p}.rolled"]["value_schema"]).read_text(encoding="utf-8")
    assert [f["name"] for f in json.loads(written)["fields"]] == ["a"]


def test_bulk_reads_answer_what_per_subject_reads_answer(
    kctl: Run, sr: httpx.Client, registry_url: str, unique_name: Callable[[str], str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rolled-back subject, a soft-deleted one, a level of its own and a live one: the registry's own bulk
    read (export on Apicurio, GET /schemas on Karapace) and per-subject reads give the same state."""
    p = unique_name("same")
    rolled, other = f"{p}.rolled", f"{p}.other"
    rolled_back(kctl, sr, tmp_path, rolled, other)
    sr.put(f"config/{other}-value", json={"compatibility": "FULL"}).raise_for_status()
    gone = f"{p}.gone-value"
    sr.post(f"subjects/{gone}/versions", json={"schema": avro("Ev", "x", A)}).raise_for_status()
    sr.delete(f"subjects/{gone}").raise_for_status()
    subjects = [f"{rolled}-value", f"{other}-value", gone, f"{p}.never-value"]

    def state(mode: str) -> tuple[str, dict[str, tuple[int, int, str]], dict[str, str]]:
        monkeypatch.setenv(READ_MODE_ENV, mode)
        registry = Registry(resolve(schema_registry_url=registry_url))
        found = registry.current(subjects, registry.view(lambda s: s.startswith(p)))
        latest = {s: (v.version, v.schema_id, v.schema_type) for s, v in found.latest.items()}
        return found.strategy, latest, {s: lv for s, lv in found.levels.items() if s != f"{rolled}-value"}

    bulk, one_by_one = state("bulk"), state("per-subject")
    assert bulk[0] in ("apicurio export", "bulk") and one_by_one[0] == "per subject"
    assert bulk[1] == one_by_one[1]
    assert set(bulk[1]) == {f"{rolled}-value", f"{other}-value"} and bulk[1][f"{rolled}-value"][0] == 1
    assert bulk[2][f"{other}-value"] == one_by_one[2][f"{other}-value"] == "FULL"
