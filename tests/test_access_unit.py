"""Pure parts of the access kinds: shorthand expansion, diffs, plan JSON, rendering, targets, import folding."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path
from types import MappingProxyType

import pytest
from rich.console import Console

from kafkactl.diff import diff
from kafkactl.kinds.acl.spec import Binding, fold, pattern_of, raw_binding, role_bindings
from kafkactl.kinds.user.spec import LiveUser
from kafkactl.model import LiveState, Topology
from kafkactl.plan import Plan
from kafkactl.render import render_plan
from kafkactl.targets import Targets
from kafkactl.topology import load


def topo(tmp_path: Path, body: str) -> Topology:
    (tmp_path / "t").mkdir(exist_ok=True)
    (tmp_path / "t" / "a.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
    return load(tmp_path / "t").topology


def live(**kw: object) -> LiveState:
    return LiveState(cluster_id="c1", broker_count=3, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "expected"), [
    ("chat.messages.*", ("chat.messages.", "PREFIXED")),
    ("*", ("*", "LITERAL")),
    ("chat.events", ("chat.events", "LITERAL")),
])
def test_names(name: str, expected: tuple[str, str]) -> None:
    assert pattern_of(name) == expected


@pytest.mark.parametrize("name", ["a*b", "*a", "**"])
def test_a_star_elsewhere_is_an_error(name: str) -> None:
    with pytest.raises(ValueError, match="may only end a name"):
        pattern_of(name)


def test_roles_expand_to_what_kafka_clients_need() -> None:
    def ops(role: str) -> set[tuple[str, str]]:
        return {(b.resource_type, b.operation) for b in role_bindings(role, ["x"])}

    assert ops("produce") == {("TOPIC", "WRITE"), ("TOPIC", "DESCRIBE")}
    assert ops("consume") == {("TOPIC", "READ"), ("TOPIC", "DESCRIBE")}
    assert ops("groups") == {("GROUP", "READ")}
    assert ops("transactional_ids") == {("TRANSACTIONAL_ID", "WRITE"), ("TRANSACTIONAL_ID", "DESCRIBE")}


def test_raw_bindings_are_case_insensitive_and_checked() -> None:
    assert raw_binding({"resource": "Cluster", "operation": "describe_configs"}) == Binding(
        "CLUSTER", "kafka-cluster", "LITERAL", "DESCRIBE_CONFIGS")
    assert raw_binding({"resource": "topic", "name": "a.*", "operation": "Read", "permission": "DENY",
                        "host": "10.0.0.1"}) == Binding("TOPIC", "a.", "PREFIXED", "READ", "DENY", "10.0.0.1")
    with pytest.raises(ValueError, match="unknown resource type"):
        raw_binding({"resource": "ip", "name": "x", "operation": "read"})
    with pytest.raises(ValueError, match="needs a name"):
        raw_binding({"resource": "topic", "operation": "read"})


def test_fold_then_expand_gives_back_the_same_bindings(tmp_path: Path) -> None:
    t = topo(tmp_path, """
    principals:
      User:a:
        produce: [x, "y.*"]
        consume: [x]
        groups: [g]
        acls:
          - {resource: topic, name: x, operation: alter_configs}
          - {resource: topic, name: z, operation: write, permission: deny}
    """)
    bindings = t.principals["User:a"].bindings
    folded = fold(bindings)
    assert folded["produce"] == ["x", "y.*"] and folded["consume"] == ["x"] and folded["groups"] == ["g"]
    again = topo(tmp_path, "principals:\n  User:a: " + json.dumps(folded) + "\n")
    assert again.principals["User:a"].bindings == bindings


def test_tenant_principals_and_quotas(tmp_path: Path) -> None:
    t = topo(tmp_path, """
    tenants:
      templates: {"m.{tenant}": {partitions: 1, replication_factor: 1}}
      members: {acme: , globex: }
      principal: "User:tenant-{tenant}"
      access: {produce: ["m.{tenant}"], groups: ["t-{tenant}-*"]}
      quota: {producer_byte_rate: 5MiB}
    cluster: {brokers: 1}
    """)
    assert sorted(t.principals) == ["User:tenant-acme", "User:tenant-globex"]
    assert Binding("GROUP", "t-acme-", "PREFIXED", "READ") in t.principals["User:tenant-acme"].bindings
    assert t.quotas["user=tenant-globex"].values == {"producer_byte_rate": 5 * 2**20}
    # A removed tenant's principal and quota stay owned, so they are deleted with it.
    assert t.owns_principal("User:tenant-initech") and t.owns_quota("user", "tenant-initech")
    assert not t.owns_principal("User:someone") and not t.owns_user("tenant-acme")


def acl_plan(t: Topology, acls: dict[str, tuple[Binding, ...]]) -> Plan:
    return diff(t, live(acls=MappingProxyType(acls), read=frozenset({"acl"})))


def test_acl_diff_lists_each_added_and_removed_binding(tmp_path: Path) -> None:
    t = topo(tmp_path, """
    cluster: {owns_principals: ["User:*-svc"]}
    principals:
      User:a-svc: {produce: [x]}
    """)
    w, d, r = (Binding("TOPIC", "x", "LITERAL", op) for op in ("WRITE", "DESCRIBE", "READ"))
    [change] = acl_plan(t, {"User:a-svc": (d, r)}).changes
    assert (change.kind, change.name, change.action.value) == ("acl", "User:a-svc", "update")
    assert [(f.before, f.after) for f in change.fields] == [(None, w.to_json()), (r.to_json(), None)]
    assert change.after == {"bindings": [d.to_json(), w.to_json()]}
    # An owned principal that is not declared: a delete; an unowned one: never touched.
    plan = acl_plan(t, {"User:a-svc": (d, w), "User:b-svc": (r,), "User:other": (r,)})
    assert [(c.name, c.action.value) for c in plan.changes] == [("User:b-svc", "delete")]
    assert acl_plan(t, {"User:a-svc": (d, w)}).changes == ()


def test_acls_are_not_diffed_when_they_were_not_read(tmp_path: Path) -> None:
    t = topo(tmp_path, "principals: {User:a: {produce: [x]}}\n")
    assert diff(t, live()).changes == ()


def test_user_diff_and_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_A", "secret-a")
    monkeypatch.setenv("PW_B", "secret-b")
    t = topo(tmp_path, """
    cluster: {owns_principals: ["User:*-svc"]}
    users:
      a-svc: {password_env: PW_A}
      b-svc: {mechanism: SCRAM-SHA-256, iterations: 8192, password_env: PW_B}
    """)
    users = {"a-svc": LiveUser("a-svc", (("SCRAM-SHA-512", 4096),)),
             "b-svc": LiveUser("b-svc", (("SCRAM-SHA-256", 4096), ("SCRAM-SHA-512", 4096))),
             "c-svc": LiveUser("c-svc", (("SCRAM-SHA-512", 4096),))}
    plan = diff(t, live(users=MappingProxyType(users), password_mismatch=frozenset({"a-svc"}), read=frozenset({"user"})))
    by = {c.name: c for c in plan.changes}
    assert [(f.path, f.before, f.after) for f in by["a-svc"].fields] == [("password", "(sensitive)", "(sensitive)")]
    assert [(f.path, f.before, f.after) for f in by["b-svc"].fields] == [
        ("mechanism", "SCRAM-SHA-256, SCRAM-SHA-512", "SCRAM-SHA-256"), ("iterations", 4096, 8192)]
    assert by["c-svc"].action.value == "delete"
    assert dict(plan.secrets) == {"a-svc": "secret-a", "b-svc": "secret-b"}
    text = json.dumps(plan.to_json()) + repr(plan) + repr(t)
    assert "secret-a" not in text and "secret-b" not in text


def test_quota_diff_numbers_and_plan_round_trip(tmp_path: Path) -> None:
    t = topo(tmp_path, """
    quotas:
      users: {u: {producer_byte_rate: 10MiB}, <default>: {consumer_byte_rate: 1MB}}
      clients: {legacy-app: {producer_byte_rate: 512KiB}}
    """)
    quotas = {"user=u": MappingProxyType({"producer_byte_rate": 1024.0, "request_percentage": 50.5})}
    plan = diff(t, live(quotas=MappingProxyType(quotas), read=frozenset({"quota"})))
    by = {c.name: c for c in plan.changes}
    assert sorted(by) == ["client-id=legacy-app", "user=<default>", "user=u"]
    assert [(f.path, f.before, f.after) for f in by["user=u"].fields] == [
        ("producer_byte_rate", 1024, 10485760), ("request_percentage", 50.5, None)]
    assert by["user=<default>"].after == {"consumer_byte_rate": 1000000}
    doc = plan.to_json()
    assert Plan.from_json(json.loads(json.dumps(doc))).to_json() == doc


def test_render_names_each_binding(tmp_path: Path) -> None:
    t = topo(tmp_path, "principals: {User:a: {produce: ['x.*']}}\n")
    old = Binding("TOPIC", "y", "LITERAL", "READ")
    out = io.StringIO()
    render_plan(acl_plan(t, {"User:a": (old,)}), Console(file=out, color_system=None, width=200))
    assert out.getvalue().splitlines()[2:6] == [
        "  ~ acl User:a",
        "      + ALLOW DESCRIBE on TOPIC x.* from *",
        "      + ALLOW WRITE on TOPIC x.* from *",
        "      - ALLOW READ on TOPIC y from *",
    ]


def test_tenant_target_selects_its_principal_and_quota(tmp_path: Path) -> None:
    t = topo(tmp_path, """
    tenants:
      templates: {"m.{tenant}": {partitions: 1, replication_factor: 1}}
      members: {acme: , globex: }
      principal: "User:tenant-{tenant}"
      access: {produce: ["m.{tenant}"]}
      quota: {producer_byte_rate: 5MiB}
    cluster: {brokers: 1}
    """)
    targets = Targets.parse(["tenant:acme"])
    narrowed = targets.narrow(t)
    assert list(narrowed.principals) == ["User:tenant-acme"] and list(narrowed.quotas) == ["user=tenant-acme"]
    plan = diff(narrowed, live(read=frozenset({"acl", "quota"})))
    assert sorted((c.kind, c.name) for c in plan.changes) == [
        ("acl", "User:tenant-acme"), ("quota", "user=tenant-acme"), ("topic", "m.acme")]
