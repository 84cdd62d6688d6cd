"""The pure --target filter: which topics, subjects and cluster changes a pattern selects."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from kafkactl.admin import Admin
from kafkactl.cli.main import main
from kafkactl.connection import Connection
from kafkactl.diff import diff
from kafkactl.errors import UsageError
from kafkactl.model import (
    ClusterSpec,
    LiveState,
    LiveSubject,
    LiveTopic,
    SubjectSpec,
    TemplateInfo,
    TopicSpec,
    Topology,
    freeze,
)
from kafkactl.plan import Action
from kafkactl.targets import Targets, subject_tenant, topic_tenant
from tests.eventually import eventually

TEMPLATE = "chat.messages.{tenant}"



def _same(got: set[str], want: set[str]) -> None:
    """Topic sets read right after an apply, through another client: checked with ``eventually``."""
    assert got == want

def topology(*topics: TopicSpec, subjects: tuple[SubjectSpec, ...] = (), configs: dict[str, str] | None = None,
             name: str | None = None) -> Topology:
    return Topology(
        cluster=ClusterSpec(name=name, configs=freeze(configs or {})),
        topics=MappingProxyType({t.name: t for t in topics}),
        subjects=MappingProxyType({s.subject: s for s in subjects}),
        templates=(TemplateInfo(TEMPLATE),),
        tenants=("acme", "globex"),
    )


def tenant_topic(tenant: str) -> TopicSpec:
    return TopicSpec(f"chat.messages.{tenant}", 3, 3, template=TEMPLATE, tenant=tenant)


def live(*names: str, cluster_configs: dict[str, str] | None = None, subjects: tuple[str, ...] = ()) -> LiveState:
    return LiveState(
        cluster_id="c1",
        broker_count=3,
        topics=MappingProxyType({n: LiveTopic(n, 3, 3) for n in names}),
        cluster_configs=freeze(cluster_configs or {}),
        subjects=MappingProxyType({s: LiveSubject(s, "AVRO", '"string"', 1, 1) for s in subjects}),
        topic_config_keys=frozenset({"retention.ms"}),
        broker_config_keys=frozenset({"log.cleaner.threads"}),
    )


TOPO = topology(
    tenant_topic("acme"),
    tenant_topic("globex"),
    TopicSpec("chat.messages.acme.dlq", 1, 3, tenant="acme"),
    TopicSpec("chat.events", 6, 3),
    subjects=(SubjectSpec("chat.messages.acme-value", "AVRO", '"string"', topic="chat.messages.acme", tenant="acme"),),
)


@pytest.mark.parametrize(
    ("name", "tenant"),
    [
        ("chat.messages.acme", "acme"),
        ("chat.messages.acme.dlq", "acme"),  # declared DLQ
        ("chat.messages.initech", "initech"),  # live only: a removed member
        ("chat.messages.initech.dlq", "initech"),  # live-only DLQ of a removed member
        ("chat.messages.Bad_Id", None),  # not a valid tenant id
        ("chat.events", None),
    ],
)
def test_topic_tenant(name: str, tenant: str | None) -> None:
    assert topic_tenant(name, TOPO) == tenant


@pytest.mark.parametrize(
    ("subject", "tenant"),
    [
        ("chat.messages.acme-value", "acme"),
        ("chat.messages.globex-key", "globex"),
        ("chat.messages.initech.dlq-value", "initech"),
        ("chat.events-value", None),
        ("com.chat.Attachment", None),
    ],
)
def test_subject_tenant(subject: str, tenant: str | None) -> None:
    assert subject_tenant(subject, TOPO) == tenant


def test_no_targets_is_the_identity() -> None:
    t = Targets.parse([])
    state = live("chat.events")
    assert not t.active
    assert t.narrow(TOPO) is TOPO
    assert t.narrow_live(state, TOPO) is state
    assert t.topic_filter(TOPO) is None
    plan = diff(TOPO, state)
    assert t.restrict(plan, TOPO, state) is plan


def test_tenant_target_plans_only_that_tenant() -> None:
    t = Targets.parse(["tenant:acme"])
    narrowed = t.narrow(TOPO)
    assert sorted(narrowed.topics) == ["chat.messages.acme", "chat.messages.acme.dlq"]
    assert sorted(narrowed.subjects) == ["chat.messages.acme-value"]
    state = t.narrow_live(live("chat.messages.globex", "chat.events"), TOPO)
    plan = t.restrict(diff(narrowed, state), TOPO, state)
    assert [(c.name, c.action) for c in plan.changes] == [
        ("chat.messages.acme", Action.CREATE),
        ("chat.messages.acme.dlq", Action.CREATE),
    ]
    assert plan.targets == ("tenant:acme",)


def test_removed_tenant_topics_are_targeted_deletes() -> None:
    t = Targets.parse(["tenant:initech"])
    keep = t.topic_filter(TOPO)
    assert keep is not None
    live_names = [n for n in ("chat.messages.initech", "chat.messages.initech.dlq", "chat.messages.acme", "chat.events",
                              "other.topic") if keep(n)]
    assert live_names == ["chat.messages.initech", "chat.messages.initech.dlq"]
    state = t.narrow_live(live(*live_names), TOPO)
    plan = t.restrict(diff(t.narrow(TOPO), state), TOPO, state)
    assert [(c.name, c.action) for c in plan.changes] == [
        ("chat.messages.initech", Action.DELETE),
        ("chat.messages.initech.dlq", Action.DELETE),
    ]


def test_glob_target_and_fingerprint_covers_only_targeted_state() -> None:
    t = Targets.parse(["chat.events*"])
    a = t.narrow_live(live("chat.events", "chat.messages.acme"), TOPO)
    b = t.narrow_live(live("chat.events", "chat.messages.globex"), TOPO)
    assert sorted(a.topics) == ["chat.events"]
    # Live changes outside the targets do not make a targeted plan stale.
    assert diff(t.narrow(TOPO), a).fingerprint == diff(t.narrow(TOPO), b).fingerprint


def test_cluster_configs_only_when_the_cluster_is_targeted() -> None:
    topo = topology(TopicSpec("chat.events", 6, 3), configs={"log.cleaner.threads": "2"}, name="chat-platform")
    state = live("chat.events", cluster_configs={"log.cleaner.threads": "1"})
    for patterns, expected in ((["chat.events"], []), (["chat-platform"], ["chat-platform"])):
        t = Targets.parse(patterns)
        narrowed = t.narrow_live(state, topo)
        plan = t.restrict(diff(t.narrow(topo), narrowed), topo, narrowed)
        assert [c.name for c in plan.changes if c.kind == "cluster_config"] == expected


def test_subject_targets() -> None:
    t = Targets.parse(["tenant:acme"])
    state = t.narrow_live(live(subjects=("chat.messages.acme-value", "chat.messages.globex-value", "x-value")), TOPO)
    assert list(state.subjects) == ["chat.messages.acme-value"]


def test_patterns_that_match_nothing_are_warned_about() -> None:
    t = Targets.parse(["tenant:acme", "tenant:initech", "chat.evnts", "chat.messages.*-value", "cluster"])
    state = t.narrow_live(live("chat.messages.initech"), TOPO)
    assert t.unmatched(TOPO, state) == ("chat.evnts",)
    plan = t.restrict(diff(t.narrow(TOPO), state), TOPO, state)
    assert plan.warnings[-1] == "--target chat.evnts matches nothing in the topology or on the cluster"


@pytest.mark.parametrize("bad", ["tenant:Acme", "tenant:", "tenant:-x", "", "tenant:a.b"])
def test_bad_patterns_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        Targets.parse([bad])


# ---- against the real cluster -------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], conn: Connection, *args: str) -> tuple[int, str, str]:
    rc = main([*args, "--bootstrap-servers", conn.bootstrap_servers, "--schema-registry-url", conn.schema_registry_url])
    out, err = capsys.readouterr()
    return rc, out, err


def planned(capsys: pytest.CaptureFixture[str], conn: Connection, d: Path, *extra: str) -> dict[str, Any]:
    rc, out, err = run(capsys, conn, "plan", str(d), "--json", *extra)
    assert rc == 0, err
    return dict(json.loads(out))


def names(doc: dict[str, Any]) -> list[str]:
    return sorted(c["name"] for c in doc["changes"])


def test_target_limits_plan_apply_and_the_saved_plans_scope(
    tmp_path: Path, cluster: Connection, admin: Admin, unique_name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    p = unique_name("tgt")
    d = tmp_path / "topology"
    d.mkdir()
    (d / "t.yaml").write_text(textwrap.dedent(f"""\
        cluster: {{brokers: 3, owns: ["{p}.*"]}}
        defaults: {{partitions: 1, replication_factor: 3}}
        topics: {{"{p}.a": {{}}, "{p}.b": {{}}}}
        tenants:
          templates: {{"{p}.msg.{{tenant}}": {{dlq: true}}}}
          members: {{acme: , globex: }}
        """), encoding="utf-8")
    assert names(planned(capsys, cluster, d, "--target", f"{p}.a")) == [f"{p}.a"]
    doc = planned(capsys, cluster, d, "--target", "tenant:acme", "--target", f"{p}.b")
    assert names(doc) == [f"{p}.b", f"{p}.msg.acme", f"{p}.msg.acme.dlq"]
    assert doc["targets"] == ["tenant:acme", f"{p}.b"]

    rc, _, err = run(capsys, cluster, "apply", str(d), "--auto-approve", "--target", "tenant:acme")
    assert rc == 0, err
    eventually(lambda: _same({n for n in admin.list_topics() if n.startswith(p)}, {f"{p}.msg.acme", f"{p}.msg.acme.dlq"}))

    # A saved targeted plan is not made stale by changes outside its targets...
    saved = tmp_path / "plan.json"
    assert run(capsys, cluster, "plan", str(d), "--target", f"{p}.a", "--out", str(saved))[0] == 0
    admin.alter_topic_configs([(f"{p}.msg.acme", {"retention.ms": "1000"})])
    admin.await_configs({f"{p}.msg.acme": {"retention.ms": "1000"}})
    rc, _, err = run(capsys, cluster, "apply", str(d), "--plan", str(saved))
    assert rc == 0, err
    eventually(lambda: _same({n for n in admin.list_topics() if n.startswith(p)},
                             {f"{p}.a", f"{p}.msg.acme", f"{p}.msg.acme.dlq"}))
    # ...but is by changes inside them, and --target can't be mixed with --plan.
    assert run(capsys, cluster, "plan", str(d), "--target", "tenant:acme", "--out", str(saved))[0] == 0
    admin.alter_topic_configs([(f"{p}.msg.acme.dlq", {"retention.ms": "2000"})])
    admin.await_configs({f"{p}.msg.acme.dlq": {"retention.ms": "2000"}})
    rc, _, err = run(capsys, cluster, "apply", str(d), "--plan", str(saved))
    assert rc == 1 and "plan is stale" in err
    assert run(capsys, cluster, "apply", str(d), "--plan", str(saved), "--target", "x")[0] == 64
    rc, _, err = run(capsys, cluster, "plan", str(d), "--target", "tenant:Not_An_Id")
    assert rc == 64 and "invalid tenant id" in err
