"""Table-driven tests of the pure subject diff: no registry."""

from __future__ import annotations

import json
from dataclasses import replace
from types import MappingProxyType

import pytest

from kafkactl.diff import diff
from kafkactl.diff_subjects import canonical, dependency_order, diff_subjects
from kafkactl.model import (
    ClusterSpec,
    LiveState,
    LiveSubject,
    Reference,
    Referrer,
    SchemaType,
    SubjectSpec,
    TopicSpec,
    Topology,
)
from kafkactl.plan import Action, Change, FieldChange

V1 = json.dumps({"type": "record", "name": "E", "fields": [{"name": "a", "type": "string"}]})
V2 = json.dumps({"type": "record", "name": "E", "fields": [{"name": "a", "type": "string"},
                                                            {"name": "b", "type": "int", "default": 0}]})


def sub(name: str = "t-value", schema: str = V2, level: str | None = None, refs: tuple[Reference, ...] = (),
        schema_type: SchemaType = "AVRO") -> SubjectSpec:
    return SubjectSpec(name, schema_type, schema, level, refs)


def lsub(name: str = "t-value", schema: str = V2, version: int = 1, refs: tuple[Reference, ...] = (),
         schema_type: SchemaType = "AVRO") -> LiveSubject:
    return LiveSubject(name, schema_type, schema, schema_id=100 + version, version=version, references=refs)


def topo(*subjects: SubjectSpec, default: str | None = None, cluster: ClusterSpec | None = None,
         topics: tuple[str, ...] = ()) -> Topology:
    return Topology(
        cluster=cluster or ClusterSpec(),
        topics=MappingProxyType({t: TopicSpec(t, 1, 1) for t in topics}),
        subjects=MappingProxyType({s.subject: s for s in subjects}),
        default_compatibility=default,
    )


def live(*subjects: LiveSubject, matches: dict[str, int] | None = None, levels: dict[str, str] | None = None,
         global_level: str | None = "BACKWARD", refs: dict[str, int] | None = None, read: bool = True) -> LiveState:
    return LiveState(
        cluster_id="c1",
        broker_count=3,
        subjects=MappingProxyType({s.subject: s for s in subjects}),
        subject_compatibility=MappingProxyType(levels or {}),
        global_compatibility=global_level,
        schema_matches=MappingProxyType(matches or {}),
        reference_versions=MappingProxyType(refs or {}),
        registry_read=read,
    )


def brief(changes: list[Change]) -> list[tuple[str, str, tuple[FieldChange, ...]]]:
    return [(c.name, c.action.value, c.fields) for c in changes]


CASES: list[tuple[str, Topology, LiveState, list[tuple[str, str, tuple[str, ...]]]]] = [
    # (id, desired, live, [(subject, action, field paths)])
    ("new subject", topo(sub()), live(), [("t-value", "create", ())]),
    ("equal after normalisation", topo(sub()), live(lsub(version=2), matches={"t-value": 2}), []),
    ("text differs, registry says equal", topo(sub(schema=V2 + "\n\n")), live(lsub(version=1), matches={"t-value": 1}),
     []),
    ("new version", topo(sub()), live(lsub(schema=V1, version=1)), [("t-value", "update", ("schema",))]),
    ("older version re-declared: rollback", topo(sub(schema=V1)), live(lsub(version=2), matches={"t-value": 1}),
     [("t-value", "update", ("version",))]),
    ("level drift planned back", topo(sub(level="FULL")),
     live(lsub(), matches={"t-value": 1}, levels={"t-value": "NONE"}), [("t-value", "update", ("compatibility",))]),
    ("level inherited from global equals desired", topo(sub(level="BACKWARD")),
     live(lsub(), matches={"t-value": 1}, global_level="BACKWARD"), []),
    ("level from defaults", topo(sub(), default="FULL"), live(lsub(), matches={"t-value": 1}),
     [("t-value", "update", ("compatibility",))]),
    ("level not managed", topo(sub()), live(lsub(), matches={"t-value": 1}, levels={"t-value": "NONE"}), []),
    ("schema and level", topo(sub(level="FULL")), live(lsub(schema=V1)),
     [("t-value", "update", ("schema", "compatibility"))]),
    ("type change", topo(sub(schema='{"type":"object"}', schema_type="JSON")), live(lsub()),
     [("t-value", "update", ("schema_type", "schema"))]),
    ("owned undeclared subject deleted", topo(sub("a-value"), topics=("t",)),
     live(lsub("a-value"), lsub("t-value"), matches={"a-value": 1}), [("t-value", "delete", ())]),
    ("unowned subject left alone", topo(sub("a-value")), live(lsub("a-value"), lsub("other-value"),
                                                               matches={"a-value": 1}), []),
    ("owned by cluster.owns glob", topo(sub("a-value"), cluster=ClusterSpec(owns=("shared.*",))),
     live(lsub("a-value"), lsub("shared.Money"), matches={"a-value": 1}), [("shared.Money", "delete", ())]),
    ("registry not read: nothing", topo(), live(lsub("t-value"), read=False), []),
]


@pytest.mark.parametrize(("desired", "current", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_subject_diff(desired: Topology, current: LiveState, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    out = diff_subjects(desired, current)
    assert not out.errors, out.errors
    assert [(c.name, c.action.value, tuple(f.path for f in c.fields)) for c in out.changes] == expected


def test_create_shape() -> None:
    ref = Reference("com.x.Money", "com.x.Money")
    out = diff_subjects(topo(sub(level="FULL", refs=(ref,))), live(refs={"com.x.Money": 3}))
    assert out.changes == [Change("subject", "t-value", Action.CREATE, None, {
        "schema_type": "AVRO", "schema": V2, "compatibility": "FULL",
        "references": [{"name": "com.x.Money", "subject": "com.x.Money", "version": 3}]})]


def test_update_shows_canonical_schema_diff_and_effective_level() -> None:
    out = diff_subjects(topo(sub(level="FULL")), live(lsub(schema=V1), global_level="NONE"))
    (change,) = out.changes
    assert change.before is not None and change.after is not None
    assert change.before["compatibility"] == "NONE" and change.after["compatibility"] == "FULL"
    assert change.fields == (
        FieldChange("schema", canonical("AVRO", V1), canonical("AVRO", V2)),
        FieldChange("compatibility", "NONE", "FULL"),
    )
    assert '\n  "name": "E",' in canonical("AVRO", V1)


def test_rollback_warns_and_keeps_versions() -> None:
    out = diff_subjects(topo(sub(schema=V1)), live(lsub(version=4), matches={"t-value": 2}))
    (change,) = out.changes
    assert change.fields == (FieldChange("version", 4, 2),)
    assert "soft-deleting the versions after 2" in change.warnings[0]
    assert out.warnings == list(change.warnings)


def test_protected_topic_subject_is_an_error_not_a_delete() -> None:
    desired = topo(sub("a-value"), topics=("audit.log",), cluster=ClusterSpec(protect=("audit.*",)))
    out = diff_subjects(desired, live(lsub("a-value"), lsub("audit.log-value"), matches={"a-value": 1}))
    assert out.changes == []
    assert out.errors == [
        "subject audit.log-value: protected, it cannot be deleted (its topic or name matches cluster.protect or a "
        "template with protect: true)"
    ]


def test_references_resolve_to_live_latest_and_order_referenced_first() -> None:
    money, order = sub("com.x.Money", V1), sub("order-value", refs=(Reference("com.x.Money", "com.x.Money"),))
    out = diff_subjects(topo(order, money), live(refs={"com.x.Money": 7}, matches={}))
    assert [c.name for c in out.changes] == ["com.x.Money", "order-value"]
    # the referenced subject is created by this plan: the referrer uses its version at apply
    assert out.changes[1].after is not None
    assert out.changes[1].after["references"] == [{"name": "com.x.Money", "subject": "com.x.Money", "version": None}]


def test_new_version_of_referenced_subject_re_registers_referrer() -> None:
    ref = Reference("com.x.Money", "com.x.Money")
    desired = topo(sub("com.x.Money", V2), sub("order-value", V1, refs=(ref,)))
    current = live(lsub("com.x.Money", V1, version=1), lsub("order-value", V1, refs=(Reference("com.x.Money", "com.x.Money", 1),)),
                   matches={"order-value": 1}, refs={"com.x.Money": 1})
    out = diff_subjects(desired, current)
    assert brief(out.changes) == [
        ("com.x.Money", "update", (FieldChange("schema", canonical("AVRO", V1), canonical("AVRO", V2)),)),
        ("order-value", "update", (FieldChange(
            "references", [{"name": "com.x.Money", "subject": "com.x.Money", "version": 1}],
            [{"name": "com.x.Money", "subject": "com.x.Money", "version": None}]),)),
    ]


def test_pinned_reference_version_is_kept() -> None:
    ref = Reference("com.x.Money", "com.x.Money", 1)
    out = diff_subjects(topo(sub(refs=(ref,))), live(refs={"com.x.Money": 5}))
    assert out.changes[0].after is not None
    assert out.changes[0].after["references"][0]["version"] == 1


def test_missing_reference_is_an_error() -> None:
    out = diff_subjects(topo(sub(refs=(Reference("nope", "nope"),))), live())
    assert out.changes == []
    assert out.errors == ["subject t-value: references subject nope, which is neither registered nor declared"]


def test_reference_cycle_is_an_error() -> None:
    a = sub("a", refs=(Reference("b", "b"),))
    b = sub("b", refs=(Reference("a", "a"),))
    errors: list[str] = []
    assert dependency_order({"a": a, "b": b}, errors) == []
    assert errors and errors[0].startswith("subjects reference each other in a cycle: ")


def test_deletes_referrers_first() -> None:
    money = lsub("com.x.Money", V1)
    order = lsub("a-value", V1, refs=(Reference("com.x.Money", "com.x.Money", 1),))
    desired = topo(sub("z-value"), cluster=ClusterSpec(owns=("com.x.*", "a-*")))
    out = diff_subjects(desired, live(money, order))
    assert [(c.name, c.action) for c in out.changes if c.action is Action.DELETE] == [
        ("a-value", Action.DELETE), ("com.x.Money", Action.DELETE)]


def test_full_diff_puts_subject_changes_after_topics_and_fingerprints_reference_versions() -> None:
    desired = Topology(topics=MappingProxyType({"t": TopicSpec("t", 1, 1)}),
                       subjects=MappingProxyType({"t-value": sub()}))
    plan = diff(desired, live(refs={"x": 1}))
    assert [(c.kind, c.action) for c in plan.changes] == [("topic", Action.CREATE), ("subject", Action.CREATE)]
    other = diff(desired, live(refs={"x": 2}))
    assert plan.fingerprint != other.fingerprint


def test_deleting_a_referenced_subject_purges_referrer_versions_that_go_or_are_soft_deleted() -> None:
    owned = ClusterSpec(owns=("x.*",))
    state = replace(live(lsub("x.money", V1), lsub("x.order", V1, refs=(Reference("m", "x.money", 1),))),
                    subject_referrers=MappingProxyType({"x.money": (Referrer("x.old", 1, deleted=True),
                                                                    Referrer("x.order", 1))}))
    out = diff_subjects(topo(cluster=owned), state)
    assert [(c.name, c.action, c.fields) for c in out.changes] == [
        ("x.order", Action.DELETE, ()),
        ("x.money", Action.DELETE, (FieldChange("purge", None, [{"subject": "x.old", "version": 1},
                                                                 {"subject": "x.order", "version": 1}]),)),
    ]
    assert out.errors == [] and "--allow-permanent-delete" in out.warnings[0]


def test_deleting_a_subject_a_staying_version_references_is_an_error() -> None:
    owned = ClusterSpec(owns=("x.*",))
    state = replace(live(lsub("x.money", V1), lsub("x.order", V2)),
                    subject_referrers=MappingProxyType({"x.money": (Referrer("x.order", 1),)}))
    out = diff_subjects(topo(sub("x.order", V2), cluster=owned), replace(state, schema_matches=MappingProxyType(
        {"x.order": 1})))
    assert out.changes == []  # the delete of x.money is not planned
    assert out.errors[0].startswith("subject x.money: x.order version 1 references it and stays")
