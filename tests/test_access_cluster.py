"""ACLs, SCRAM users and quotas through the CLI against the real cluster (its PLAINTEXT door, a super user).

Every test: apply, then plan again is empty, then a second apply writes nothing.
"""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    UserScramCredentialDeletion,
)

from kafkactl import kafka_python_bridge
from kafkactl.cli.apply import apply_cmd
from kafkactl.cli.main import main
from kafkactl.connection import Connection
from tests.eventually import eventually
from tests.secure import SecureCluster
from tests.test_plan_apply import plan_json, write
from tests.test_plan_apply import run as run_plain

pytestmark = pytest.mark.cluster
# Other sessions' applies may hold the cluster's apply lock (CONTRACT section 9) for a moment: wait for it.
LOCK_WAIT = ["--lock-timeout", "5m"] if "lock_timeout" in inspect.signature(apply_cmd).parameters else []


def run(capsys: pytest.CaptureFixture[str], conn: Connection, *args: str) -> tuple[int, str, str]:
    return run_plain(capsys, conn, *args, *(LOCK_WAIT if args[0] == "apply" else []))


@pytest.fixture
def prefix(unique_name: Callable[[str], str], cluster: Connection) -> Iterator[str]:
    """A unique prefix; every ACL and quota of principals starting with it is removed afterwards."""
    p = unique_name("acc")
    yield p
    client = AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
    for principal in (f"User:{p}-svc", f"User:{p}-other", f"User:zz{p}", f"User:tenant-{p}-a", f"User:tenant-{p}-b"):
        f = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, principal, None,  # type: ignore[arg-type]
                             AclOperation.ANY, AclPermissionType.ANY)
        client.delete_acls([f])[f].result(timeout=20)
    quotas = kafka_python_bridge.describe_client_quotas(cluster)
    mine = [(e, dict.fromkeys(v)) for e, v in quotas.items() if p in e]
    if mine:
        kafka_python_bridge.alter_client_quotas(cluster, mine)  # type: ignore[arg-type]


def acls_of(conn: Connection, principal: str) -> set[tuple[str, str, str, str, str]]:
    client = AdminClient({"bootstrap.servers": conn.bootstrap_servers})
    f = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, principal, None,  # type: ignore[arg-type]
                         AclOperation.ANY, AclPermissionType.ANY)
    found = client.describe_acls(f, request_timeout=20).result(timeout=30)
    return {(b.restype.name, b.name, b.resource_pattern_type.name, b.operation.name, b.permission_type.name)
            for b in found}


def add_acl(conn: Connection, principal: str, topic: str, op: AclOperation) -> None:
    client = AdminClient({"bootstrap.servers": conn.bootstrap_servers})
    b = AclBinding(ResourceType.TOPIC, topic, ResourcePatternType.LITERAL, principal, "*", op, AclPermissionType.ALLOW)
    client.create_acls([b])[b].result(timeout=20)


def principals_doc(p: str, extra: str = "") -> str:
    return f"""
    cluster:
      brokers: 3
      owns_principals: ["User:{p}-*"]
    principals:
      User:{p}-svc:
        produce: ["{p}.orders", "{p}.events.*"]
        consume: ["{p}.in"]
        groups: ["{p}-group"]
        acls:
          - {{resource: cluster, operation: describe_configs}}
          - {{resource: topic, name: {p}.audit, operation: write, permission: deny}}
    {extra}
    """


def changes(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [c for c in doc["changes"] if c["kind"] == kind]


def test_acls_apply_converge_drift_and_delete(tmp_path: Path, cluster: Connection, prefix: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    p = prefix
    d = write(tmp_path / "t", principals_doc(p))
    rc, doc = plan_json(capsys, cluster, d)
    [change] = changes(doc, "acl")
    assert (rc, change["name"], change["action"], change["before"]) == (0, f"User:{p}-svc", "create", None), doc["errors"]
    assert len(change["after"]["bindings"]) == 9 and len(change["fields"]) == 9
    assert {"resource_type": "TOPIC", "name": f"{p}.events.", "pattern": "PREFIXED", "operation": "WRITE",
            "permission": "ALLOW", "host": "*"} in change["after"]["bindings"]

    rc, out, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 0, err
    assert f"+ acl User:{p}-svc" in out and "+ ALLOW WRITE on TOPIC " + f"{p}.events.* from *" in out
    eventually(lambda: _true(("TOPIC", f"{p}.audit", "LITERAL", "WRITE", "DENY") in acls_of(cluster, f"User:{p}-svc")))
    rc, doc = plan_json(capsys, cluster, d, "--detailed-exitcode")
    assert (rc, doc["changes"], doc["errors"]) == (0, [], [])
    rc, out, _ = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert (rc, "No changes." in out) == (0, True)

    # Out of band: an ACL of the managed principal is drift to remove; one of an unmanaged principal never shows.
    add_acl(cluster, f"User:{p}-svc", f"{p}.extra", AclOperation.READ)
    add_acl(cluster, f"User:zz{p}", f"{p}.orders", AclOperation.READ)
    rc, out, _ = run(capsys, cluster, "drift", str(d))
    assert rc == 2
    assert f"~ acl User:{p}-svc" in out and f"- ALLOW READ on TOPIC {p}.extra from *" in out
    assert f"zz{p}" not in out
    rc, out, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 1 and "--allow-delete" in err
    assert ("TOPIC", f"{p}.extra", "LITERAL", "READ", "ALLOW") in acls_of(cluster, f"User:{p}-svc")
    rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve", "--allow-delete")
    assert rc == 0, err
    eventually(lambda: _true(("TOPIC", f"{p}.extra", "LITERAL", "READ", "ALLOW") not in acls_of(cluster, f"User:{p}-svc")))
    assert acls_of(cluster, f"User:zz{p}") == {("TOPIC", f"{p}.orders", "LITERAL", "READ", "ALLOW")}
    rc, doc = plan_json(capsys, cluster, d, "--detailed-exitcode")
    assert (rc, doc["changes"]) == (0, [])

    # A principal removed from the files but matching cluster.owns_principals: a delete of all its bindings.
    write(tmp_path / "t", f'cluster: {{brokers: 3, owns_principals: ["User:{p}-*"]}}\n')
    rc, doc = plan_json(capsys, cluster, d)
    [change] = changes(doc, "acl")
    assert (change["action"], change["after"], len(change["fields"])) == ("delete", None, 9)
    rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve", "--allow-delete")
    assert rc == 0, err
    eventually(lambda: _true(acls_of(cluster, f"User:{p}-svc") == set()))


def test_plan_file_round_trip_and_stale_on_acl_change(tmp_path: Path, cluster: Connection, prefix: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    p = prefix
    d = write(tmp_path / "t", principals_doc(p))
    plan_file = tmp_path / "plan.json"
    rc, _, err = run(capsys, cluster, "plan", str(d), "--out", str(plan_file))
    assert rc == 0, err
    saved = json.loads(plan_file.read_text())
    assert [c["kind"] for c in saved["changes"]] == ["acl"]
    add_acl(cluster, f"User:{p}-svc", f"{p}.orders", AclOperation.READ)  # the live ACLs change after the plan
    rc, _, err = run(capsys, cluster, "apply", str(d), "--plan", str(plan_file))
    assert rc == 1 and "plan is stale" in err
    assert acls_of(cluster, f"User:{p}-svc") == {("TOPIC", f"{p}.orders", "LITERAL", "READ", "ALLOW")}
    rc, _, err = run(capsys, cluster, "plan", str(d), "--out", str(plan_file))
    rc, _, err = run(capsys, cluster, "apply", str(d), "--plan", str(plan_file), "--allow-delete")
    assert rc == 0, err
    eventually(lambda: plan_json(capsys, cluster, d, "--detailed-exitcode")[1]["changes"] == [] or None)


def test_quotas_apply_change_and_delete(tmp_path: Path, cluster: Connection, prefix: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    p = prefix
    quotas = f"""
    quotas:
      users:
        {p}-svc: {{producer_byte_rate: 10MiB, request_percentage: 200}}
      clients:
        {p}-app: {{consumer_byte_rate: 512KiB}}
    """
    d = write(tmp_path / "t", principals_doc(p, quotas))
    rc, doc = plan_json(capsys, cluster, d)
    by_name = {c["name"]: c for c in changes(doc, "quota")}
    assert by_name[f"user={p}-svc"]["after"] == {"producer_byte_rate": 10485760, "request_percentage": 200}
    assert by_name[f"client-id={p}-app"]["after"] == {"consumer_byte_rate": 524288}
    rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 0, err
    live = eventually(lambda: kafka_python_bridge.describe_client_quotas(cluster)[f"client-id={p}-app"] and
                      kafka_python_bridge.describe_client_quotas(cluster))
    assert live[f"user={p}-svc"] == {"producer_byte_rate": 10485760.0, "request_percentage": 200.0}
    assert live[f"client-id={p}-app"] == {"consumer_byte_rate": 524288.0}
    rc, doc = plan_json(capsys, cluster, d, "--detailed-exitcode")
    assert (rc, doc["changes"]) == (0, [])

    # Changed: one field per key (a key no longer declared is removed).
    d = write(tmp_path / "t", principals_doc(p, quotas.replace("request_percentage: 200", "consumer_byte_rate: 1MiB")))
    rc, doc = plan_json(capsys, cluster, d)
    [change] = changes(doc, "quota")
    assert (change["name"], change["action"]) == (f"user={p}-svc", "update")
    assert change["fields"] == [{"path": "consumer_byte_rate", "before": None, "after": 1048576},
                                {"path": "request_percentage", "before": 200, "after": None}]
    rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve")  # removing a limit is a delete too
    assert rc == 1 and f"quota user={p}-svc: removes request_percentage 200" in err
    rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve", "--allow-delete")
    assert rc == 0, err
    eventually(lambda: _true(kafka_python_bridge.describe_client_quotas(cluster)[f"user={p}-svc"] == {
        "producer_byte_rate": 10485760.0, "consumer_byte_rate": 1048576.0}))

    # Removed: the user's quota is still owned (its principal is), so it is a delete, only with --allow-delete.
    d = write(tmp_path / "t", principals_doc(p))
    rc, doc = plan_json(capsys, cluster, d)
    assert [(c["name"], c["action"]) for c in changes(doc, "quota")] == [(f"user={p}-svc", "delete")]
    rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 1 and "--allow-delete" in err
    rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve", "--allow-delete")
    assert rc == 0, err
    eventually(lambda: _true(f"user={p}-svc" not in kafka_python_bridge.describe_client_quotas(cluster)))
    assert f"client-id={p}-app" in kafka_python_bridge.describe_client_quotas(cluster)  # no longer owned: kept
    rc, doc = plan_json(capsys, cluster, d, "--detailed-exitcode")
    assert (rc, doc["changes"]) == (0, [])


@pytest.mark.parametrize(("body", "message"), [
    ('principals: {"User:{p}-svc": {acls: [{resource: topic, name: x, operation: FROB}]}}', "unknown operation 'FROB'"),
    ('principals: {"{p}-svc": {produce: [x]}}', "is malformed: write User:NAME"),
    ('principals: {"User:{p}-svc": {produce: ["a*b"]}}', "'*' may only end a name"),
    ('users: {"{p}-svc": {password_env: KAFKACTL_TEST_UNSET_VARIABLE}}', "KAFKACTL_TEST_UNSET_VARIABLE is not set"),
    ('quotas: {ips: {"127.0.0.1": {connection_creation_rate: 5}}}', "unknown key 'ips'"),
])
def test_bad_access_input_is_a_file_line_error_and_applies_nothing(
    tmp_path: Path, cluster: Connection, prefix: str, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    p = prefix
    write(tmp_path / "t", f'principals: {{"User:{p}-other": {{produce: ["{p}.x"]}}}}\n', name="good.yaml")
    d = write(tmp_path / "t", "cluster: {brokers: 3}\n" + body.replace("{p}", p) + "\n")
    rc, _out, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 1 and "Traceback" not in err
    assert f"{d}/topics.yaml:2" in err and message in err, err
    assert acls_of(cluster, f"User:{p}-other") == set()


# ---- SCRAM users, over the secured listener (kafkactl connected with SASL_SSL as the admin) -------------


def run_secure(capsys: pytest.CaptureFixture[str], secure: SecureCluster, *args: str) -> tuple[int, str, str]:
    rc = main([*args, "--client-config", str(secure.admin_client_config),
               "--schema-registry-url", secure.registry_url, *(LOCK_WAIT if args[0] == "apply" else [])])
    out, err = capsys.readouterr()
    return rc, out, err


def authenticates(secure: SecureCluster, user: str, password: str) -> bool:
    """A real client logs in as ``user``: False when the broker refuses the credentials."""
    failed: list[KafkaError] = []
    conf: dict[str, Any] = {**secure.librdkafka_config(user, password), "log_level": 0,
                            "error_cb": lambda e: failed.append(e) if e.code() == KafkaError._AUTHENTICATION else None}
    client = AdminClient(conf)
    for _ in range(30):
        try:
            client.list_topics(timeout=0.5)
            return True
        except KafkaException:
            client.poll(0)  # error_cb runs here
            if failed:
                return False
    raise AssertionError(f"neither a login nor a refused login for {user} in 15 s")


def drop_user(secure: SecureCluster | SecureClusterless, user: str) -> None:
    client = AdminClient(secure.librdkafka_config())
    found = client.describe_user_scram_credentials().result(timeout=20)
    if user in found:
        dels = [UserScramCredentialDeletion(user, i.mechanism) for i in found[user].scram_credential_infos]
        for fut in client.alter_user_scram_credentials(dels).values():
            fut.result(timeout=20)


def test_user_create_then_password_rotation_is_one_change_and_never_shown(
    tmp_path: Path, secure_cluster: SecureCluster, cluster: Connection, prefix: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    p, var = prefix, f"KAFKACTL_TEST_{prefix.replace('-', '_').upper()}"
    first, second = f"first-{uuid.uuid4().hex}", f"second-{uuid.uuid4().hex}"
    users = f"""
    users:
      {p}-svc: {{mechanism: SCRAM-SHA-512, iterations: 8192, password_env: {var}}}
    """
    d = write(tmp_path / "t", principals_doc(p, users))
    monkeypatch.setenv(var, first)
    try:
        rc, out, err = run_secure(capsys, secure_cluster, "plan", str(d), "--json", "--out", str(tmp_path / "p.json"))
        assert rc == 0, err
        [user] = changes(json.loads(out), "user")
        assert (user["name"], user["action"], user["after"]) == (
            f"{p}-svc", "create", {"mechanism": "SCRAM-SHA-512", "iterations": 8192, "password": "(sensitive)"})
        rc, out2, err2 = run_secure(capsys, secure_cluster, "apply", str(d), "--auto-approve")
        assert rc == 0, err2
        texts = [out, err, out2, err2, (tmp_path / "p.json").read_text()]
        eventually(lambda: _true(authenticates(secure_cluster, f"{p}-svc", first)))
        rc, doc = _plan_secure(capsys, secure_cluster, d)
        assert (rc, doc["changes"], doc["warnings"]) == (0, [], [])  # the password was checked, and matches

        monkeypatch.setenv(var, second)  # rotation: only the variable's value changes
        rc, doc = _plan_secure(capsys, secure_cluster, d)
        assert [(c["kind"], c["name"], c["action"]) for c in doc["changes"]] == [("user", f"{p}-svc", "update")]
        assert doc["changes"][0]["fields"] == [{"path": "password", "before": "(sensitive)", "after": "(sensitive)"}]
        rc, out, err = run_secure(capsys, secure_cluster, "plan", str(d))
        assert f"~ user {p}-svc" in out and "Plan: 0 to add, 1 to change, 0 to destroy." in out
        texts += [out, err, json.dumps(doc)]
        rc, out, err = run_secure(capsys, secure_cluster, "apply", str(d), "--auto-approve")
        assert rc == 0, err
        texts += [out, err]
        eventually(lambda: _true(authenticates(secure_cluster, f"{p}-svc", second)))
        eventually(lambda: _true(not authenticates(secure_cluster, f"{p}-svc", first)))
        rc, doc = _plan_secure(capsys, secure_cluster, d)
        assert (rc, doc["changes"]) == (0, [])
        assert not [t for t in texts if first in t or second in t]

        # Through the PLAINTEXT door passwords cannot be checked: a warning, never a guess.
        rc, doc = plan_json(capsys, cluster, d)
        assert doc["changes"] == [] and any("not checked" in w and "not SASL" in w for w in doc["warnings"])
    finally:
        drop_user(secure_cluster, f"{p}-svc")


def _true(condition: bool) -> None:
    assert condition


def _plan_secure(capsys: pytest.CaptureFixture[str], secure: SecureCluster, d: Path) -> tuple[int, dict[str, Any]]:
    rc, out, err = run_secure(capsys, secure, "plan", str(d), "--json", "--detailed-exitcode")
    assert out, err
    return rc, json.loads(out)


def test_import_writes_principals_users_and_quotas_so_the_plan_is_empty(
    tmp_path: Path, cluster: Connection, prefix: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p, var = prefix, f"KAFKACTL_TEST_{prefix.replace('-', '_').upper()}"
    extra = f"""
    users:
      {p}-svc: {{iterations: 8192, password_env: {var}}}
    quotas:
      users:
        {p}-svc: {{producer_byte_rate: 10MiB, request_percentage: 150}}
    """
    monkeypatch.setenv(var, uuid.uuid4().hex)
    d = write(tmp_path / "t", principals_doc(p, extra))
    try:
        rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
        assert rc == 0, err
        out_dir = tmp_path / "imported"
        rc, _, err = run(capsys, cluster, "import", "--principals", f"User:{p}-*", "--include", f"{p}-none.*",
                           "--out", str(out_dir))
        assert rc == 0, err
        text = (out_dir / "access.yaml").read_text()
        assert f"User:{p}-svc:" in text and f"- {p}.events.*" in text and "producer_byte_rate: 10MiB" in text
        placeholder = f"{p.replace('-', '_').upper()}_SVC_PASSWORD"
        assert f"password_env: {placeholder}" in text
        rc, _, err = run(capsys, cluster, "plan", str(out_dir))
        assert rc == 1 and f"{placeholder} is not set" in err  # a placeholder, never a password
        monkeypatch.setenv(placeholder, "any: over PLAINTEXT passwords are not checked")
        rc, doc = plan_json(capsys, cluster, out_dir, "--detailed-exitcode")
        assert (rc, doc["changes"], doc["errors"]) == (0, [], [])
    finally:
        drop_user(SecureClusterless(cluster), f"{p}-svc")


class SecureClusterless:
    """``drop_user`` over the PLAINTEXT door."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def librdkafka_config(self) -> dict[str, str]:
        return {"bootstrap.servers": self.conn.bootstrap_servers}


def test_tenant_add_and_remove_carry_the_tenants_acls_and_quota(
    tmp_path: Path, cluster: Connection, prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    p = prefix
    d = write(tmp_path / "t", f"""
    cluster: {{brokers: 3}}
    tenants:
      templates:
        "{p}.m.{{tenant}}": {{partitions: 1, replication_factor: 3}}
      members:
        a:
      principal: "User:tenant-{p}-{{tenant}}"
      access: {{produce: ["{p}.m.{{tenant}}"], groups: ["{p}-{{tenant}}-*"]}}
      quota: {{producer_byte_rate: 5MiB}}
    """)
    rc, out, err = run(capsys, cluster, "apply", str(d), "--auto-approve")
    assert rc == 0, out + err
    rc, out, err = run(capsys, cluster, "tenant", "add", "b", str(d), "--apply", "--auto-approve", *LOCK_WAIT)
    assert rc == 0, err
    assert f"+ acl User:tenant-{p}-b" in out and f"+ quota user=tenant-{p}-b" in out and f"User:tenant-{p}-a" not in out
    eventually(lambda: _true(("TOPIC", f"{p}.m.b", "LITERAL", "WRITE", "ALLOW") in acls_of(cluster, f"User:tenant-{p}-b")))
    assert kafka_python_bridge.describe_client_quotas(cluster).get(f"user=tenant-{p}-b") == {"producer_byte_rate": 5242880.0}
    rc, out, err = run(capsys, cluster, "tenant", "remove", "b", str(d), "--apply", "--auto-approve", "--allow-delete",
                       *LOCK_WAIT)
    assert rc == 0, err
    assert f"- acl User:tenant-{p}-b" in out and f"- quota user=tenant-{p}-b" in out
    eventually(lambda: _true(acls_of(cluster, f"User:tenant-{p}-b") == set()))
    assert acls_of(cluster, f"User:tenant-{p}-a")  # the other tenant keeps its ACLs
    rc, doc = plan_json(capsys, cluster, d, "--detailed-exitcode")
    assert (rc, doc["changes"]) == (0, [])
