"""Table-driven tests of the pure diff: no cluster."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from kafkactl.diff import ORDERING_WARNING, diff
from kafkactl.model import ClusterSpec, LiveState, LiveTopic, TemplateInfo, TopicSpec, Topology, freeze
from kafkactl.plan import SENSITIVE, Action, FieldChange, Plan

KEYS = frozenset({"retention.ms", "cleanup.policy", "min.insync.replicas", "segment.bytes", "compression.type"})


def topo(*topics: TopicSpec, cluster: ClusterSpec | None = None, templates: tuple[TemplateInfo, ...] = ()) -> Topology:
    return Topology(
        cluster=cluster or ClusterSpec(),
        topics=MappingProxyType({t.name: t for t in topics}),
        templates=templates,
    )


def live(*topics: LiveTopic, brokers: int = 3, cluster_configs: dict[str, str] | None = None, **kw: object) -> LiveState:
    return LiveState(
        cluster_id="c1",
        broker_count=brokers,
        topics=MappingProxyType({t.name: t for t in topics}),
        cluster_configs=freeze(cluster_configs or {}),
        topic_config_keys=KEYS,
        broker_config_keys=frozenset({"log.cleaner.threads", "message.max.bytes", "broker.id"}),
        read_only_broker_keys=frozenset({"broker.id"}),
        **kw,  # type: ignore[arg-type]
    )


def spec(name: str = "t", partitions: int = 3, rf: int = 3, **configs: str) -> TopicSpec:
    return TopicSpec(name, partitions, rf, freeze({k.replace("_", "."): v for k, v in configs.items()}))


def lt(name: str = "t", partitions: int = 3, rf: int = 3, sensitive: frozenset[str] = frozenset(), **configs: str) -> LiveTopic:
    return LiveTopic(name, partitions, rf, freeze({k.replace("_", "."): v for k, v in configs.items()}), sensitive)


def only(plan: Plan) -> tuple[Action, tuple[FieldChange, ...]]:
    assert not plan.errors, plan.errors
    assert len(plan.changes) == 1, plan.changes
    return plan.changes[0].action, plan.changes[0].fields


CASES = [
    # (id, desired, live, expected action or None, expected fields)
    ("in sync", spec(retention_ms="1000"), lt(retention_ms="1000"), None, ()),
    ("new topic", spec(), None, Action.CREATE, ()),
    ("changed value", spec(retention_ms="2000"), lt(retention_ms="1000"), Action.UPDATE,
     (FieldChange("configs.retention.ms", "1000", "2000"),)),
    ("declared, not set", spec(retention_ms="2000"), lt(), Action.UPDATE,
     (FieldChange("configs.retention.ms", None, "2000"),)),
    ("live-only dynamic reverted", spec(), lt(segment_bytes="1048576"), Action.UPDATE,
     (FieldChange("configs.segment.bytes", "1048576", None),)),
    ("partition increase", spec(partitions=6), lt(partitions=3), Action.UPDATE, (FieldChange("partitions", 3, 6),)),
]


@pytest.mark.parametrize(("desired", "current", "action", "fields"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_topic_diff_table(desired: TopicSpec, current: LiveTopic | None, action: Action | None, fields: tuple[FieldChange, ...]) -> None:
    plan = diff(topo(desired), live(*([current] if current else [])))
    if action is None:
        assert plan.changes == () and plan.errors == ()
    else:
        assert only(plan) == (action, fields)


def test_create_carries_the_whole_spec() -> None:
    plan = diff(topo(spec("new", 12, 3, retention_ms="7")), live())
    c = plan.changes[0]
    assert c.before is None
    assert c.after == {"partitions": 12, "replication_factor": 3, "configs": {"retention.ms": "7"}}


def test_partition_increase_warns_about_ordering() -> None:
    plan = diff(topo(spec(partitions=6)), live(lt(partitions=3)))
    assert any(ORDERING_WARNING in w for w in plan.warnings)
    assert plan.changes[0].warnings


@pytest.mark.parametrize(
    ("desired", "current", "message"),
    [
        (spec(partitions=2), lt(partitions=3), "cannot decrease partitions from 3 to 2"),
        (spec(rf=1, min_insync_replicas="2"), lt(rf=3), "min.insync.replicas 2 would exceed replication_factor 1"),
        (spec(rf=4), lt(rf=3), "replication_factor 4 exceeds the 3 live brokers"),
        (spec(retenton_ms="1"), lt(), "unknown config key retenton.ms; did you mean retention.ms?"),
        (spec("new", rf=5), None, "replication_factor 5 exceeds the 3 live brokers"),
    ],
)
def test_impossible_changes_are_errors(desired: TopicSpec, current: LiveTopic | None, message: str) -> None:
    plan = diff(topo(desired), live(*([current] if current else [])))
    assert any(message in e for e in plan.errors), plan.errors


def test_too_few_live_brokers_is_an_error() -> None:
    plan = diff(topo(cluster=ClusterSpec(brokers=3)), live(brokers=2))
    assert plan.errors == ("the cluster has 2 live brokers but the topology requires cluster.brokers=3",)


def test_owned_undeclared_topic_is_deleted_unowned_never() -> None:
    templates = (TemplateInfo("chat.messages.{tenant}"),)
    plan = diff(topo(templates=templates), live(lt("chat.messages.gone"), lt("other.topic")))
    assert [(c.action, c.name) for c in plan.changes] == [(Action.DELETE, "chat.messages.gone")]
    assert plan.changes[0].after is None


def test_protected_delete_is_an_error() -> None:
    templates = (TemplateInfo("chat.messages.{tenant}", protect=True),)
    plan = diff(topo(templates=templates), live(lt("chat.messages.gone")))
    assert plan.changes == ()
    assert "chat.messages.gone: protected" in plan.errors[0]


def test_cluster_protect_glob_blocks_delete() -> None:
    cluster = ClusterSpec(owns=("audit.*",), protect=("audit.*",))
    plan = diff(topo(cluster=cluster), live(lt("audit.log")))
    assert plan.changes == () and "audit.log: protected" in plan.errors[0]


def test_internal_topics_never_deleted_even_if_owned() -> None:
    plan = diff(topo(cluster=ClusterSpec(owns=("*",))), live(lt("__consumer_offsets"), lt("_schemas")))
    assert plan.changes == ()


def test_sensitive_values_are_masked() -> None:
    plan = diff(topo(spec(retention_ms="5")), live(lt(retention_ms="4", sensitive=frozenset({"retention.ms"}))))
    assert plan.changes[0].fields == (FieldChange("configs.retention.ms", SENSITIVE, SENSITIVE),)
    assert "4" not in str(plan.to_json()["changes"][0]["before"]["configs"])
    # The plan cannot carry the secret, so apply could not set it: an error, never "(sensitive)" written.
    assert plan.errors == ("topic t: configs.retention.ms is sensitive; kafkactl does not store secrets in plans",)


def test_cluster_configs_set_revert_and_read_only() -> None:
    cluster = ClusterSpec(configs=freeze({"log.cleaner.threads": "2"}))
    plan = diff(topo(cluster=cluster), live(cluster_configs={"message.max.bytes": "2000000"}))
    (c,) = plan.changes
    assert (c.kind, c.action) == ("cluster_config", Action.UPDATE)
    # Undeclared cluster-wide values are left alone (Kafka 4 itself writes min.insync.replicas there).
    assert c.fields == (FieldChange("configs.log.cleaner.threads", None, "2"),)
    bad = diff(topo(cluster=ClusterSpec(configs=freeze({"broker.id": "7", "log.cleener.threads": "1"}))), live())
    assert any("broker.id: read-only" in e for e in bad.errors)
    assert any("did you mean log.cleaner.threads?" in e for e in bad.errors)


def test_plan_json_round_trip_and_fingerprint_tracks_live_state() -> None:
    a = diff(topo(spec(retention_ms="2")), live(lt(retention_ms="1")))
    assert Plan.from_json(a.to_json()) == a
    b = diff(topo(spec(retention_ms="2")), live(lt(retention_ms="3")))
    assert a.fingerprint != b.fingerprint and a.fingerprint.startswith("sha256:")
    again = diff(topo(spec(retention_ms="2")), live(lt(retention_ms="1")))
    assert again.fingerprint == a.fingerprint
