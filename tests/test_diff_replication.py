"""Replication-factor changes in the plan, reassignment state and throttle clean-up (pure)."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from rich.console import Console

from kafkactl.diff import diff
from kafkactl.model import LiveState, LiveTopic, Reassigning, Replication, TopicSpec, freeze
from kafkactl.plan import Action, Change, FieldChange
from kafkactl.render import render_plan
from kafkactl.replication import broker_id, progress, reassignments, throttled_partitions, throttles
from tests.test_diff import KEYS, topo

RACKS = MappingProxyType({1: "a", 2: "b", 3: "c"})
LEADER, FOLLOWER = "leader.replication.throttled.replicas", "follower.replication.throttled.replicas"


def state(*topics: LiveTopic, **replication: object) -> LiveState:
    rep = Replication(racks=RACKS, **replication)  # type: ignore[arg-type]
    return LiveState(cluster_id="c1", broker_count=3, topics=MappingProxyType({t.name: t for t in topics}),
                     cluster_configs=freeze({"min.insync.replicas": "2"}), topic_config_keys=KEYS | {LEADER, FOLLOWER},
                     replication=rep)


def spec(rf: int, partitions: int = 3, **configs: str) -> TopicSpec:
    return TopicSpec("t", partitions, rf, freeze({k.replace("_", "."): v for k, v in configs.items()}))


def topic(replicas: tuple[tuple[int, ...], ...], **configs: str) -> LiveTopic:
    return LiveTopic("t", len(replicas), max(len(r) for r in replicas), freeze(configs), replicas=replicas)


def test_an_increase_is_an_update_naming_every_partition_s_new_replicas() -> None:
    plan = diff(topo(spec(3, min_insync_replicas="2")), state(topic(((1,), (2,), (3,)),
                                                                    **{"min.insync.replicas": "2"})))
    assert plan.errors == ()
    (change,) = plan.changes
    assert change.action is Action.UPDATE
    assert change.fields[0] == FieldChange("replication_factor", 1, 3)
    moved = {f.path: f for f in change.fields[1:]}
    assert set(moved) == {"replicas.0", "replicas.1", "replicas.2"}
    assert [moved[f"replicas.{p}"].before for p in range(3)] == [[1], [2], [3]]
    assert all(sorted(moved[f"replicas.{p}"].after) == [1, 2, 3] and moved[f"replicas.{p}"].after[0] == p + 1
               for p in range(3))
    assert change.after is not None and change.after["replication_factor"] == 3
    assert reassignments(change) == {p: tuple(moved[f"replicas.{p}"].after) for p in range(3)}


def test_a_decrease_keeps_leaders() -> None:
    plan = diff(topo(spec(2, min_insync_replicas="1")),
                state(topic(((1, 2, 3), (2, 3, 1), (3, 1, 2)), **{"min.insync.replicas": "1"})))
    (change,) = plan.changes
    assert change.fields[0] == FieldChange("replication_factor", 3, 2)
    assert [f.after[0] for f in change.fields[1:]] == [1, 2, 3]
    assert throttles(change) == ({}, frozenset())  # nothing is copied: nothing to throttle


def test_min_insync_replicas_above_the_new_factor_is_an_error() -> None:
    declared = diff(topo(spec(1, min_insync_replicas="2")), state(topic(((1, 2), (2, 3), (3, 1)))))
    assert any("min.insync.replicas 2 would exceed replication_factor 1" in e for e in declared.errors)
    inherited = diff(topo(spec(1)), state(topic(((1, 2), (2, 3), (3, 1)))))  # cluster default 2
    assert any("min.insync.replicas 2 would exceed replication_factor 1" in e for e in inherited.errors)


def test_partitions_and_factor_do_not_change_together() -> None:
    plan = diff(topo(spec(3, partitions=4, min_insync_replicas="1")), state(topic(((1,), (2,), (3,)))))
    assert any("change partitions and replication_factor in separate applies" in e for e in plan.errors)


def test_throttles_name_current_replicas_as_leaders_and_new_ones_as_followers() -> None:
    change = Change("topic", "t", Action.UPDATE, {}, {}, (
        FieldChange("replication_factor", 1, 2), FieldChange("replicas.0", [1], [1, 2]),
        FieldChange("replicas.1", [2], [2, 3])))
    configs, brokers = throttles(change)
    assert configs == {LEADER: "0:1,1:2", FOLLOWER: "0:2,1:3"}
    assert brokers == {1, 2, 3}


def test_a_running_reassignment_is_a_state_not_a_change() -> None:
    live = topic(((1, 2, 3), (2, 3, 1), (3, 1, 2)), **{LEADER: "0:1,1:2,2:3", FOLLOWER: "0:2,0:3,1:3,1:1,2:1,2:2",
                                                       "min.insync.replicas": "2"})
    plan = diff(topo(spec(3, min_insync_replicas="2")),
                state(live, reassigning=MappingProxyType({"t": Reassigning(1, 3)}), moving_partitions=2,
                      broker_throttles=MappingProxyType({1: freeze({"leader.replication.throttled.rate": "9"})}),
                      read=True))
    assert plan.changes == () and plan.errors == ()
    assert any("topic t: reassigning, 1/3 partitions done" in w for w in plan.warnings)


def test_once_finished_the_throttles_are_planned_away() -> None:
    rates = freeze({"follower.replication.throttled.rate": "52428800", "leader.replication.throttled.rate": "52428800"})
    live = topic(((1, 2, 3),), **{LEADER: "0:1", FOLLOWER: "0:2,0:3"})
    plan = diff(topo(spec(3, partitions=1)), state(live, broker_throttles=MappingProxyType({2: rates, 3: freeze({})}),
                                                   read=True))
    topic_change, broker_change = plan.changes
    assert [(f.path, f.after) for f in topic_change.fields] == [(f"configs.{FOLLOWER}", None),
                                                                 (f"configs.{LEADER}", None)]
    assert (broker_change.kind, broker_change.name, broker_id(broker_change)) == ("cluster_config", "broker 2", 2)
    assert broker_change.config_delta() == dict.fromkeys(rates)
    moving = diff(topo(spec(3, partitions=1)), state(live, broker_throttles=MappingProxyType({2: rates}),
                                                     moving_partitions=1, read=True))
    assert [c.kind for c in moving.changes] == ["topic"]  # another move still runs: the rates stay


def test_progress_counts_the_throttled_partitions() -> None:
    configs = {LEADER: "0:1,1:2,2:3,3:1", FOLLOWER: "0:2"}
    assert throttled_partitions(configs, 4) == {0, 1, 2, 3}
    assert throttled_partitions({LEADER: "*"}, 5) == {0, 1, 2, 3, 4}
    assert progress(configs, 4, [2]) == Reassigning(done=3, total=4)


def test_the_human_plan_shows_the_factor_and_each_partition(capsys: pytest.CaptureFixture[str]) -> None:
    plan = diff(topo(spec(2, partitions=2, min_insync_replicas="1")),
                state(topic(((1,), (2,)), **{"min.insync.replicas": "1"})))
    render_plan(plan, Console(width=200, color_system=None), None)
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert lines[2:6] == ["~ topic t", "~ replication_factor: 1 → 2", "~ replicas.0: 1 → 1, 3", "~ replicas.1: 2 → 2, 3"]


def test_a_targeted_plan_leaves_brokers_throttles_to_a_plan_of_the_cluster() -> None:
    from kafkactl.targets import Targets

    rates = MappingProxyType({2: freeze({"leader.replication.throttled.rate": "1"})})
    live = state(topic(((1,),)), broker_throttles=rates, read=True)
    assert Targets.parse(["t"]).narrow_live(live, topo(spec(1, partitions=1))).replication.broker_throttles == {}
    assert Targets.parse(["cluster"]).narrow_live(live, topo(spec(1, partitions=1))).replication.broker_throttles \
        == rates
