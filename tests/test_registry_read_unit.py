"""kafkactl.registry_read's pure rules over recorded response shapes: which bulk answers are taken, and how.

Each shape says which registry and version it comes from. Confluent Schema Registry cannot run
here, so its shapes are those of its API reference (Confluent Platform 7.x): ``GET /schemas``
items carry subject, version, id, schemaType (absent for AVRO) and references, leave out
soft-deleted versions by default and include them with ``deleted=true``. The Karapace 5.0.3 and
Apicurio 3.3.3 shapes were recorded from the registries the cluster tests run.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from kafkactl.errors import RegistryError
from kafkactl.model import LiveSubject, Reference
from kafkactl.registry_read import (
    READ_MODE_ENV,
    agreed_latest,
    agrees,
    bulk_items,
    parse_export,
    read_mode,
    worth_bulk,
)

R1 = '{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}'
R2 = '{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int","default":0}]}'


def item(subject: str, version: int, schema_id: int, **extra: Any) -> dict[str, Any]:
    return {"subject": subject, "version": version, "id": schema_id, "schema": R1 if version == 1 else R2, **extra}


# Confluent Platform 7.x: "live" has one live version; "rolled" versions 1 and 2, 2 soft-deleted;
# "gone" soft-deleted as a whole. Without deleted=true the latest live version; with it the latest of all.
CONFLUENT_PLAIN = [item("p.live", 1, 1, references=[]), item("p.rolled", 1, 1, references=[])]
CONFLUENT_DELETED = [item("p.gone", 1, 1, references=[]), item("p.live", 1, 1, references=[]),
                     item("p.rolled", 2, 2, references=[])]

# Karapace 5.0.3, recorded (ids renumbered): without deleted=true the last version whether
# soft-deleted or not, and soft-deleted subjects too; with it only live last versions.
KARAPACE_PLAIN = [item("p.live", 1, 1, schemaType="AVRO", references=None),
                  item("p.rolled", 2, 2, schemaType="AVRO", references=None),
                  item("p.gone", 1, 1, schemaType="AVRO", references=None)]
KARAPACE_DELETED = [item("p.live", 1, 1, schemaType="AVRO", references=None)]


@pytest.mark.parametrize(("plain", "deleted", "registry"), [
    (CONFLUENT_PLAIN, CONFLUENT_DELETED, "Confluent 7.x"),
    (KARAPACE_PLAIN, KARAPACE_DELETED, "Karapace 5.0.3"),
])
def test_only_items_in_both_answers_are_taken(
    plain: list[dict[str, Any]], deleted: list[dict[str, Any]], registry: str
) -> None:
    found = agreed_latest(plain, deleted, {"p.live", "p.rolled", "p.gone"})
    # p.rolled (latest version soft-deleted) and p.gone are left to per-subject reads
    assert list(found) == ["p.live"], registry
    assert (found["p.live"].version, found["p.live"].schema_id, found["p.live"].schema_type) == (1, 1, "AVRO")


def test_confluent_items_in_both_answers_carry_type_and_references() -> None:
    """Confluent 7.x: a PROTOBUF item with a reference, the same with and without deleted=true."""
    proto = {"subject": "p.order", "version": 3, "id": 7, "schemaType": "PROTOBUF", "schema": "syntax = \"proto3\";",
             "references": [{"name": "money.proto", "subject": "p.money", "version": 2}]}
    found = agreed_latest([proto], [proto], {"p.order"})
    assert found["p.order"] == LiveSubject("p.order", "PROTOBUF", 'syntax = "proto3";', 7, 3,
                                           (Reference("money.proto", "p.money", 2),))


def test_subjects_outside_the_scope_are_dropped() -> None:
    """Karapace 5.0.3 ignores subjectPrefix: its answer holds every subject of the registry."""
    assert agreed_latest(KARAPACE_PLAIN, KARAPACE_PLAIN, {"p.rolled"}).keys() == {"p.rolled"}


def test_a_subject_answered_twice_is_not_taken() -> None:
    """A registry that ignores latestOnly lists every version: such a subject is read per subject."""
    both = [item("p.rolled", 1, 1), item("p.rolled", 2, 2)]
    assert agreed_latest(both, both, {"p.rolled"}) == {}


@pytest.mark.parametrize(("status", "body", "usable"), [
    (200, json.dumps(KARAPACE_PLAIN), True),
    (200, json.dumps([{"schema": R1}]), False),  # Apicurio 3.3.3 ccompat: the text only
    (200, "[]", True),
    (404, '{"error_code": 404, "message": "HTTP 404 Not Found"}', False),  # a registry without GET /schemas
    (200, "<html>", False),
    (200, json.dumps([{"subject": "s", "version": "1", "id": 1, "schema": R1}]), False),  # version not a number
])
def test_bulk_items_need_subject_version_id_and_schema(status: int, body: str, usable: bool) -> None:
    assert (bulk_items(status, body.encode()) is not None) is usable


# --- Apicurio Registry 3.3.3's GET /apis/registry/v3/admin/export (entity files as recorded) ---------------

MANIFEST = {"systemVersion": "3.3.3", "systemName": "Apicurio Registry (SQL)", "exportVersion": "3.0",
            "exportedOn": 1796159480164, "exportedBy": "", "dbVersion": "109"}


def version_doc(artifact: str, version: int, content_id: int, state: str = "ENABLED") -> dict[str, Any]:
    return {"globalId": 100 + content_id, "groupId": None, "artifactId": artifact, "version": str(version),
            "versionOrder": version, "state": state, "name": None, "owner": "", "contentId": content_id}


def export_zip(manifest: dict[str, Any] = MANIFEST) -> bytes:
    files: dict[str, Any] = {"manifest-2026-12-01T21:11:20.164Z.Manifest.json": manifest}
    artifacts = {  # artifactId -> (type, versions)
        "p.live": ("AVRO", [version_doc("p.live", 1, 23)]),
        "p.rolled": ("AVRO", [version_doc("p.rolled", 1, 23), version_doc("p.rolled", 2, 24, "DISABLED")]),
        "p.gone": ("AVRO", [version_doc("p.gone", 1, 23, "DISABLED")]),
        "p.order": ("PROTOBUF", [version_doc("p.order", 1, 25)]),
        "p.old": ("AVRO", [version_doc("p.old", 1, 23, "DEPRECATED")]),
    }
    for i, (artifact, (kind, versions)) in enumerate(artifacts.items()):
        root = f"groups/default/artifacts/dir{i}"  # paths are not read: ids come from the documents
        files[f"{root}/MetaData.Artifact.json"] = {"groupId": None, "artifactId": artifact, "artifactType": kind}
        for v in versions:
            files[f"{root}/versions/{v['version']}.ArtifactVersion.json"] = v
    files["groups/default/artifacts/dir0/rules/COMPATIBILITY.ArtifactRule.json"] = {
        "groupId": None, "artifactId": "p.live", "type": "COMPATIBILITY", "configuration": "FULL"}
    refs = json.dumps([{"groupId": None, "artifactId": "p.money", "version": "2", "name": "money.proto"}])
    for content_id, text, stored_refs in [(23, R1, None), (24, R2, None), (25, 'syntax = "proto3";', refs)]:
        files[f"content/h{content_id}.Content.json"] = {
            "contentId": content_id, "contentHash": f"h{content_id}", "contentType": "application/json",
            "serializedReferences": stored_refs}
        files[f"content/h{content_id}.Content.data"] = text
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, doc in files.items():
            z.writestr(name, doc if isinstance(doc, str) else json.dumps(doc))
    return buf.getvalue()


def test_the_export_shows_what_ccompat_shows() -> None:
    ex = parse_export(export_zip())
    assert ex is not None
    assert ex.live == {"p.live", "p.rolled", "p.order", "p.old"}  # p.gone: every version DISABLED
    assert ex.latest["p.live"] == LiveSubject("p.live", "AVRO", R1, 23, 1)
    assert ex.latest["p.rolled"] == LiveSubject("p.rolled", "AVRO", R1, 23, 1)  # version 2 is DISABLED
    assert ex.latest["p.order"].references == (Reference("money.proto", "p.money", 2),)
    assert "p.old" not in ex.latest  # a DEPRECATED latest version: read per subject
    assert dict(ex.levels) == {"p.live": "FULL"}


@pytest.mark.parametrize("body", [
    export_zip({**MANIFEST, "systemName": "Some Registry"}),
    export_zip({**MANIFEST, "exportVersion": "2.0"}),
    b"not a zip",
])
def test_an_export_not_of_apicurio_3_is_not_used(body: bytes) -> None:
    assert parse_export(body) is None


def test_the_export_must_agree_with_a_per_subject_read() -> None:
    exported = LiveSubject("p.live", "AVRO", R1, 23, 1)
    assert agrees(exported, LiveSubject("p.live", "AVRO", " " + R1, 23, 1))  # ccompat re-renders the text
    assert not agrees(exported, LiveSubject("p.live", "AVRO", R1, 123, 1))  # legacy ids (globalId): not contentId
    assert not agrees(exported, None)


@pytest.mark.parametrize(("scope", "registry", "mode", "worth"), [
    (1000, 1200, "auto", True),     # most of the registry: one bulk read
    (50, 5000, "auto", False),      # 1% of a large registry: 50 reads one by one are cheaper than all of it
    (500, 5000, "auto", True),      # a tenth
    (1, 10, "auto", False),         # one subject: one read
    (1, 10_000, "bulk", True),      # KAFKACTL_REGISTRY_READ=bulk: whatever the sizes
    (1000, 1000, "per-subject", False),
])
def test_worth_bulk(scope: int, registry: int, mode: str, worth: bool) -> None:
    assert worth_bulk(scope, registry, mode, share=10, always_up_to=0) is worth


def test_a_small_registry_is_read_in_bulk_for_two_subjects() -> None:
    assert worth_bulk(2, 4000, "auto", share=10, always_up_to=5000)
    assert not worth_bulk(2, 6000, "auto", share=10, always_up_to=5000)


def test_read_mode() -> None:
    assert read_mode({}) == "auto"
    assert read_mode({READ_MODE_ENV: "per-subject"}) == "per-subject"
    with pytest.raises(RegistryError, match="KAFKACTL_REGISTRY_READ='fast' is not a registry read mode"):
        read_mode({READ_MODE_ENV: "fast"})
