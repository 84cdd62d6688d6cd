"""Schemas as code through the CLI, against the real Kafka cluster and schema registry (Apicurio locally).

Every test writes its own topology and schema files under tmp_path, uses unique
topic and subject names, and checks the registry and the cluster directly (plain
HTTP, the admin client), not through the code under test. The key assertion is
always: apply, then plan again, and the plan is empty.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from kafkactl.admin import Admin
from kafkactl.cli.main import main
from kafkactl.connection import Connection
from tests.registries import RegistryUnderTest

Run = Callable[..., tuple[int, str, str]]


def avro(name: str, namespace: str, *fields: dict[str, Any]) -> str:
    return json.dumps({"type": "record", "name": name, "namespace": namespace, "fields": list(fields)}, indent=2)


A = {"name": "a", "type": "string"}
B_OPTIONAL = {"name": "b", "type": "int", "default": 0}
C_REQUIRED = {"name": "c", "type": "int"}


@pytest.fixture
def sr(registry_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=registry_url + "/", timeout=10) as client:
        yield client


@pytest.fixture
def kctl(cluster: Connection, registry_url: str, capsys: pytest.CaptureFixture[str]) -> Run:
    """``kctl("plan", dir, "--json")``: runs the CLI in-process against the test cluster and the registry under
    test (each test runs once per registry, see ``registry_url``); (exit code, stdout, stderr)."""
    default_registry = registry_url

    def run(*args: str, registry_url: str | None = None) -> tuple[int, str, str]:
        capsys.readouterr()
        conn = ["--bootstrap-servers", cluster.bootstrap_servers,
                "--schema-registry-url", registry_url or default_registry]
        code = main([*args, *conn])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def write(root: Path, topology: str, schemas: dict[str, str]) -> str:
    """A topology dir with one YAML file, and schema files in ``root/schemas``; returns the dir."""
    (root / "topology").mkdir(parents=True, exist_ok=True)
    (root / "schemas").mkdir(exist_ok=True)
    (root / "topology" / "main.yaml").write_text(topology, encoding="utf-8")
    for name, text in schemas.items():
        (root / "schemas" / name).write_text(text, encoding="utf-8")
    return str(root / "topology")


def topic_yaml(topic: str, schema_file: str = "v.avsc", level: str = "BACKWARD") -> str:
    return f"""
defaults:
  partitions: 1
  replication_factor: 1
topics:
  {topic}:
    value_schema: ../schemas/{schema_file}
    compatibility: {level}
"""


@dataclass
class EvTopic:
    """One topic whose value subject holds the record ``x.Ev``; ``declare`` rewrites its files."""

    kctl: Run
    root: Path
    topic: str

    @property
    def subject(self) -> str:
        return f"{self.topic}-value"

    def declare(self, *fields: dict[str, Any], level: str = "BACKWARD", extra: str = "") -> str:
        return write(self.root, topic_yaml(self.topic, level=level) + extra, {"v.avsc": avro("Ev", "x", *fields)})

    def applied(self, *fields: dict[str, Any], level: str = "BACKWARD") -> str:
        d = self.declare(*fields, level=level)
        apply_ok(self.kctl, d)
        return d


@pytest.fixture
def ev(kctl: Run, unique_name: Callable[[str], str], tmp_path: Path) -> EvTopic:
    return EvTopic(kctl, tmp_path, unique_name("ev"))


def plan_json(kctl: Run, directory: str) -> dict[str, Any]:
    code, out, err = kctl("plan", directory, "--json")
    doc: dict[str, Any] = json.loads(out)
    assert code == (1 if doc["errors"] else 0), err
    return doc


def changes(doc: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    return [(c["kind"], c["name"], c["action"], [f["path"] for f in c["fields"]]) for c in doc["changes"]]


def apply_ok(kctl: Run, directory: str, *flags: str) -> str:
    code, out, err = kctl("apply", directory, "--auto-approve", *flags)
    assert code == 0, out + err
    return out


def assert_converged(kctl: Run, directory: str) -> None:
    code, out, err = kctl("plan", directory, "--detailed-exitcode")
    assert code == 0, out + err
    assert "No changes." in out


def versions(sr: httpx.Client, subject: str) -> list[int]:
    r = sr.get(f"subjects/{quote(subject, safe='')}/versions")
    return list(r.json()) if r.status_code == 200 else []


def latest(sr: httpx.Client, subject: str) -> dict[str, Any]:
    doc: dict[str, Any] = sr.get(f"subjects/{quote(subject, safe='')}/versions/latest").raise_for_status().json()
    return doc


def level(sr: httpx.Client, subject: str) -> str:
    return str(sr.get(f"config/{quote(subject, safe='')}").raise_for_status().json()["compatibilityLevel"])


def test_avro_json_protobuf_and_a_reference_apply_then_plan_empty(
    kctl: Run, sr: httpx.Client, registry: RegistryUnderTest, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    base = unique_name("fmt")
    ns = "n" + base.replace("-", "")
    topology = f"""
defaults:
  partitions: 1
  replication_factor: 1
  compatibility: BACKWARD
topics:
  {base}.orders:
    value_schema: ../schemas/order.avsc
  {base}.events:
    value_schema: ../schemas/event.json
  {base}.clicks:
    value_schema: ../schemas/click.proto
    compatibility: FULL
subjects:
  {ns}.Money:
    schema: ../schemas/money.avsc
"""
    money = avro("Money", ns, {"name": "cents", "type": "long"}, {"name": "currency", "type": "string"})
    order = avro("Order", ns, {"name": "id", "type": "string"}, {"name": "total", "type": f"{ns}.Money"})
    event = json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                        "properties": {"id": {"type": "string"}}, "required": ["id"]}, indent=2)
    click = f'syntax = "proto3";\npackage {ns};\n\nmessage Click {{\n  string id = 1;\n  int64 at = 2;\n}}\n'
    d = write(tmp_path, topology, {"money.avsc": money, "order.avsc": order, "event.json": event, "click.proto": click})

    doc = plan_json(kctl, d)
    subjects = [name for kind, name, action, _ in changes(doc) if kind == "subject" and action == "create"]
    assert subjects.index(f"{ns}.Money") < subjects.index(f"{base}.orders-value")  # referenced first
    if registry.name == "karapace":
        # Karapace 5.0.3 refuses references for AVRO (HTTP 422, error 44302): a plan error, never a failed apply
        assert doc["errors"] == [
            f"subject {base}.orders-value: the registry refuses this schema, so apply could not register it: "
            "Schema references are not supported for 'AVRO' schema type"]
        code, _, err = kctl("apply", d, "--auto-approve")
        assert code == 1 and "nothing was applied" in err
        assert versions(sr, f"{ns}.Money") == [] and versions(sr, f"{base}.events-value") == []
        return
    apply_ok(kctl, d)
    assert_converged(kctl, d)

    assert latest(sr, f"{base}.events-value").get("schemaType") == "JSON"
    assert latest(sr, f"{base}.clicks-value").get("schemaType") == "PROTOBUF"
    assert latest(sr, f"{base}.orders-value")["references"] == [
        {"name": f"{ns}.Money", "subject": f"{ns}.Money", "version": 1}]
    assert level(sr, f"{base}.clicks-value") == "FULL"
    assert level(sr, f"{base}.orders-value") == "BACKWARD"


def test_compatible_change_is_an_update_with_a_diff_and_a_new_version(
    kctl: Run, sr: httpx.Client, ev: EvTopic
) -> None:
    d = ev.applied(A)
    ev.declare(A, B_OPTIONAL)

    doc = plan_json(kctl, d)
    assert changes(doc) == [("subject", ev.subject, "update", ["schema"])]
    code, out, _ = kctl("plan", d)
    assert code == 0
    assert '+      "default": 0' in out.replace("          ", "")  # the unified diff of the canonical text
    apply_ok(kctl, d)
    assert versions(sr, ev.subject) == [1, 2]
    assert json.loads(latest(sr, ev.subject)["schema"])["fields"][1] == B_OPTIONAL
    assert_converged(kctl, d)


def test_incompatible_change_is_a_plan_error_and_nothing_is_applied(
    kctl: Run, sr: httpx.Client, admin: Admin, ev: EvTopic, unique_name: Callable[[str], str]
) -> None:
    newcomer = unique_name("incompat-new")
    d = ev.applied(A)
    # a required field without a default breaks BACKWARD; a new topic rides along in the same plan
    ev.declare(A, C_REQUIRED, extra=f"  {newcomer}: {{}}\n")

    doc = plan_json(kctl, d)
    assert len(doc["errors"]) == 1
    assert doc["errors"][0].startswith(f"subject {ev.subject}: the new schema is incompatible with the latest "
                                       "version under BACKWARD: ")
    code, _, err = kctl("apply", d, "--auto-approve")
    assert code == 1
    assert "nothing was applied" in err
    assert newcomer not in admin.list_topics()
    assert versions(sr, ev.subject) == [1]


def test_redeclaring_an_older_version_rolls_back_to_it(kctl: Run, sr: httpx.Client, ev: EvTopic) -> None:
    d = ev.applied(A)
    ev.applied(A, B_OPTIONAL)
    ev.declare(A)

    doc = plan_json(kctl, d)
    (change,) = doc["changes"]
    assert (change["action"], change["fields"]) == ("update", [{"path": "version", "before": 2, "after": 1}])
    assert "rolls back" in change["warnings"][0]
    code, _, err = kctl("apply", d, "--auto-approve")
    assert code == 1 and "--allow-delete" in err
    assert versions(sr, ev.subject) == [1, 2]
    apply_ok(kctl, d, "--allow-delete")
    assert versions(sr, ev.subject) == [1]
    assert json.loads(latest(sr, ev.subject)["schema"]) == json.loads(avro("Ev", "x", A))
    assert_converged(kctl, d)


def test_compatibility_drift_is_planned_back(kctl: Run, sr: httpx.Client, ev: EvTopic) -> None:
    d = ev.applied(A, level="FULL")
    sr.put(f"config/{ev.subject}", json={"compatibility": "NONE"}).raise_for_status()  # out of band

    doc = plan_json(kctl, d)
    (change,) = doc["changes"]
    assert change["fields"] == [{"path": "compatibility", "before": "NONE", "after": "FULL"}]
    apply_ok(kctl, d)
    assert level(sr, ev.subject) == "FULL"
    assert_converged(kctl, d)


def test_removed_subject_is_soft_deleted_with_allow_delete(
    kctl: Run, sr: httpx.Client, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topic, keep = unique_name("gone"), unique_name("kept")
    keep_block = f"  {keep}:\n    value_schema: ../schemas/v.avsc\n    compatibility: BACKWARD\n"
    d = write(tmp_path, topic_yaml(topic) + keep_block, {"v.avsc": avro("Ev", "x", A)})
    apply_ok(kctl, d)
    # the topic stays declared, its schema goes: its subject is owned and no longer declared
    write(tmp_path, topic_yaml(keep) + f"  {topic}: {{}}\n", {"v.avsc": avro("Ev", "x", A)})

    doc = plan_json(kctl, d)
    assert changes(doc) == [("subject", f"{topic}-value", "delete", [])]
    code, _, err = kctl("apply", d, "--auto-approve")
    assert code == 1 and "--allow-delete" in err
    apply_ok(kctl, d, "--allow-delete")
    assert f"{topic}-value" not in sr.get("subjects").json()
    assert_converged(kctl, d)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket closes


def test_registry_down_is_a_one_line_error(kctl: Run, unique_name: Callable[[str], str], tmp_path: Path) -> None:
    topic = unique_name("down")
    d = write(tmp_path, topic_yaml(topic), {"v.avsc": avro("Ev", "x", A)})
    url = f"http://user:s3cret@127.0.0.1:{closed_port()}/apis/ccompat/v7"
    code, out, err = kctl("plan", d, registry_url=url)
    assert code == 1
    first = err.strip().splitlines()[0]
    assert first.startswith(f"Error: cannot reach the schema registry at http://127.0.0.1:{url.rsplit(':', 1)[1]}")
    assert "s3cret" not in out + err


def test_a_registry_that_never_answers_fails_within_the_timeout(kctl: Run, ev: EvTopic) -> None:
    d = ev.declare(A)
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        code, _, err = kctl("plan", d, "--timeout", "3", registry_url=url)
    assert code == 1
    assert err.startswith(f"Error: cannot reach the schema registry at {url}: no answer within the timeout")
    assert time.monotonic() - started < 30  # Kafka reads plus one registry timeout, not a hang


def test_topics_only_topology_plans_with_the_registry_down(
    kctl: Run, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topic = unique_name("noschema")
    d = write(tmp_path, f"defaults: {{partitions: 1, replication_factor: 1}}\ntopics:\n  {topic}: {{}}\n", {})
    code, out, err = kctl("plan", d, "--json", registry_url=f"http://127.0.0.1:{closed_port()}")
    assert code == 0, err
    assert changes(json.loads(out)) == [("topic", topic, "create", [])]


def test_a_template_topology_without_subjects_plans_with_the_registry_down_and_says_so(
    kctl: Run, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    # Templates may own live subjects (of offboarded tenants), so the registry is read; down, it is a warning.
    p = unique_name("tpl")
    d = write(tmp_path, "defaults: {partitions: 1, replication_factor: 1}\n"
                        f'tenants:\n  templates:\n    "{p}.{{tenant}}": {{}}\n  members: {{acme: }}\n', {})
    code, out, err = kctl("plan", d, "--json", registry_url=f"http://127.0.0.1:{closed_port()}")
    assert code == 0, err
    doc = json.loads(out)
    assert changes(doc) == [("topic", f"{p}.acme", "create", [])]
    assert [w for w in doc["warnings"] if w.startswith("subjects not read, so none are planned: cannot reach the "
                                                        "schema registry")], doc["warnings"]


def test_level_direction_change_is_checked_under_the_new_level(kctl: Run, sr: httpx.Client, ev: EvTopic) -> None:
    d = ev.applied(A)
    # dropping `a` is BACKWARD-compatible, but not FORWARD: old readers need `a`
    ev.declare(B_OPTIONAL, level="FORWARD")
    doc = plan_json(kctl, d)
    assert doc["errors"] == [f"subject {ev.subject}: the new schema is incompatible with the latest version under "
                             "FORWARD: reader_field_missing_default_value: a at /fields/0"]

    ev.declare(A, B_OPTIONAL, level="FULL")
    assert changes(plan_json(kctl, d)) == [("subject", ev.subject, "update", ["schema", "compatibility"])]
    apply_ok(kctl, d)
    assert (versions(sr, ev.subject), level(sr, ev.subject)) == ([1, 2], "FULL")
    assert_converged(kctl, d)


def test_saved_plan_applies_and_goes_stale_when_a_subject_changes(
    kctl: Run, sr: httpx.Client, ev: EvTopic, tmp_path: Path
) -> None:
    d = ev.applied(A)
    ev.declare(A, B_OPTIONAL)
    saved = str(tmp_path / "plan.json")
    assert kctl("plan", d, "--out", saved)[0] == 0
    # someone registers another version out of band: the saved plan no longer describes the registry
    other = avro("Ev", "x", A, {"name": "z", "type": "string", "default": ""})
    sr.post(f"subjects/{ev.subject}/versions", json={"schema": other}).raise_for_status()
    code, _, err = kctl("apply", d, "--plan", saved)
    assert code == 1 and "plan is stale" in err
    assert versions(sr, ev.subject) == [1, 2]

    assert kctl("plan", d, "--out", saved)[0] == 0
    code, out, err = kctl("apply", d, "--plan", saved)
    assert code == 0, out + err
    assert versions(sr, ev.subject) == [1, 2, 3]
    assert_converged(kctl, d)


def test_a_registration_the_registry_refuses_at_apply_is_reported_per_change(
    kctl: Run, sr: httpx.Client, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topic, other = unique_name("partial"), unique_name("partial-ok")
    subject = f"{topic}-value"
    obj = {"type": "object", "properties": {"a": {"type": "string"}}}
    required_b = {**obj, "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["b"]}
    d = write(tmp_path, topic_yaml(topic, "v.json", level="NONE"), {"v.json": json.dumps(obj)})
    apply_ok(kctl, d)
    # NONE -> BACKWARD with a JSON Schema change: the registry can only judge it at apply
    declared = topic_yaml(topic, "v.json") + f"  {other}:\n    value_schema: ../schemas/v.json\n"
    write(tmp_path, declared, {"v.json": json.dumps(required_b)})
    doc = plan_json(kctl, d)
    assert doc["errors"] == []
    assert any(w.startswith(f"subject {subject}: compatibility changes from NONE to BACKWARD") for w in doc["warnings"])

    code, out, err = kctl("apply", d, "--auto-approve")
    assert code == 1
    assert "1 of 3 changes failed (2 applied)" in err
    assert f"subject {subject}: update failed: " in out
    assert (versions(sr, subject), level(sr, subject)) == ([1], "BACKWARD")
    assert versions(sr, f"{other}-value") == [1]
    doc = plan_json(kctl, d)  # what is left: the refused version, now a plan error under BACKWARD
    assert [c["name"] for c in doc["changes"]] == [subject]
    assert doc["errors"][0].startswith(f"subject {subject}: the new schema is incompatible")


def ref_topology(base: str, *, money: bool = True, order: bool = True) -> str:
    """Protobuf subjects ``base.money`` and ``base.order`` (which imports money), owned by ``cluster.owns``."""
    lines = ["cluster:", f'  owns: ["{base}.*"]', "subjects:"]
    if money:
        lines += [f"  {base}.money:", "    schema: ../schemas/money.proto"]
    if order:
        lines += [f"  {base}.order:", "    schema: ../schemas/order.proto",
                  f"    references: [{{name: money.proto, subject: {base}.money, version: latest}}]"]
    return "\n".join(lines) + "\n" if money or order else "\n".join(lines[:2]) + "\n"


def ref_schemas(pkg: str) -> dict[str, str]:
    return {
        "money.proto": f'syntax = "proto3";\npackage {pkg};\n\nmessage Money {{\n  int64 cents = 1;\n}}\n',
        "order.proto": f'syntax = "proto3";\npackage {pkg};\n\nimport "money.proto";\n\n'
                       f'message Order {{\n  {pkg}.Money total = 1;\n}}\n',
    }


@pytest.mark.parametrize("referrer_soft_deleted_first", [False, True])
def test_deleting_a_referenced_subject_deletes_its_referrers_versions_for_good_when_allowed(
    kctl: Run, sr: httpx.Client, unique_name: Callable[[str], str], tmp_path: Path, referrer_soft_deleted_first: bool
) -> None:
    base = unique_name("refdel")
    money, order = f"{base}.money", f"{base}.order"
    schemas = ref_schemas("p" + base.replace("-", ""))
    d = write(tmp_path, ref_topology(base), schemas)
    apply_ok(kctl, d)
    assert versions(sr, order) == [1]
    if referrer_soft_deleted_first:  # as an older kafkactl left it: the referrer soft-deleted, money refused
        sr.delete(f"subjects/{order}").raise_for_status()
        write(tmp_path, ref_topology(base, order=False), schemas)
        assert sr.delete(f"subjects/{money}").status_code == 422  # the registry's refusal this fixes
    write(tmp_path, ref_topology(base, money=False, order=False), schemas)

    doc = plan_json(kctl, d)
    expected = [] if referrer_soft_deleted_first else [("subject", order, "delete", [])]
    assert changes(doc) == [*expected, ("subject", money, "delete", ["purge"])]
    assert doc["changes"][-1]["fields"] == [{"path": "purge", "before": None, "after": [{"subject": order, "version": 1}]}]
    code, out, _ = kctl("plan", d)
    assert f"! first deletes permanently: {order} version 1" in out

    code, _, err = kctl("apply", d, "--auto-approve", "--allow-delete")
    assert code == 1 and "--allow-permanent-delete" in err and "nothing was applied" in err
    assert versions(sr, money) == [1]
    apply_ok(kctl, d, "--allow-delete", "--allow-permanent-delete")
    assert versions(sr, money) == []
    assert sr.get(f"subjects/{order}/versions", params={"deleted": "true"}).status_code == 404  # gone for good
    assert_converged(kctl, d)


def test_deleting_a_subject_that_a_staying_subject_references_is_a_plan_error(
    kctl: Run, sr: httpx.Client, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    base = unique_name("refkeep")
    money, order = f"{base}.money", f"{base}.order"
    schemas = ref_schemas("p" + base.replace("-", ""))
    d = write(tmp_path, ref_topology(base), schemas)
    apply_ok(kctl, d)
    # order stays, now without the reference: its version 1 still holds it
    standalone = f'syntax = "proto3";\npackage p{base.replace("-", "")};\n\nmessage Order {{\n  int64 cents = 2;\n}}\n'
    topology = f'cluster:\n  owns: ["{base}.*"]\nsubjects:\n  {order}:\n    schema: ../schemas/order.proto\n'
    write(tmp_path, topology + "    compatibility: NONE\n", {**schemas, "order.proto": standalone})

    doc = plan_json(kctl, d)
    assert doc["errors"] == [f"subject {money}: {order} version 1 references it and stays, so the registry refuses to "
                             "delete it; declare the referrer without the reference and delete its versions that hold "
                             "it, or keep the subject declared"]
    code, _, _ = kctl("apply", d, "--auto-approve", "--allow-delete", "--allow-permanent-delete")
    assert code == 1
    assert versions(sr, money) == [1] and versions(sr, order) == [1]  # nothing applied, not even order's v2
