"""tenant list's status per tenant, from a topology and its plan. Pure."""

from __future__ import annotations

from types import MappingProxyType

from kafkactl.model import SubjectSpec, TemplateInfo, TopicSpec, Topology
from kafkactl.plan import Action, Change, Kind, Plan
from kafkactl.tenant_status import TenantStatus, statuses, targets_for

TEMPLATE = "m.{tenant}"


def topology(*tenants: str) -> Topology:
    topics = [TopicSpec(f"m.{t}", 1, 3, template=TEMPLATE, tenant=t) for t in tenants]
    topics += [TopicSpec(f"m.{t}.dlq", 1, 3, tenant=t) for t in tenants]
    subjects = [SubjectSpec(f"m.{t}-value", "AVRO", '"string"', topic=f"m.{t}", tenant=t) for t in tenants]
    return Topology(topics=MappingProxyType({t.name: t for t in topics}),
                    subjects=MappingProxyType({s.subject: s for s in subjects}),
                    templates=(TemplateInfo(TEMPLATE),), tenants=tenants)


def change(kind: Kind, name: str, action: Action) -> Change:
    return Change(kind, name, action, None if action is Action.CREATE else {}, None if action is Action.DELETE else {})


def test_each_status() -> None:
    topo = topology("acme", "globex", "initech")
    plan = Plan("c", "f", (
        change("topic", "m.globex", Action.CREATE), change("topic", "m.globex.dlq", Action.CREATE),
        change("subject", "m.globex-value", Action.CREATE),
        change("topic", "m.initech.dlq", Action.UPDATE),
        change("topic", "m.hooli", Action.DELETE), change("topic", "m.hooli.dlq", Action.DELETE),
        change("subject", "m.hooli-value", Action.DELETE),
    ))
    assert statuses(topo, plan) == [
        TenantStatus("acme", 2, 1, "in sync"),
        TenantStatus("globex", 2, 1, "missing"),
        TenantStatus("initech", 2, 1, "drifted"),
        TenantStatus("hooli", 2, 1, "removed"),
    ]


def test_partly_missing_is_drifted() -> None:
    plan = Plan("c", "f", (change("topic", "m.acme.dlq", Action.CREATE),))
    assert statuses(topology("acme"), plan)[0].status == "drifted"


def test_targets_cover_members_and_template_globs() -> None:
    assert targets_for(topology("acme", "globex")) == ["tenant:acme", "tenant:globex", "m.*"]
    assert targets_for(Topology()) == []
