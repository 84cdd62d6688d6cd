"""Read the live state in scope, and let the broker check a plan. Read-only, always.

Rules:
- Planning never writes: every call here is a describe, a list, or a
  ``validate_only`` twin of a mutation (the broker runs its checks, changes nothing).
- No per-topic round trips: one metadata call for all topics, then chunked
  ``describe_configs`` for the in-scope topics, a few chunks in flight at once.
- Scope is what the topology owns (``Topology.owns_topic``); internal topics never.
- Only ``DYNAMIC_TOPIC_CONFIG`` (topics, kept by ``Admin.describe_topic_configs``) and
  ``DYNAMIC_DEFAULT_BROKER_CONFIG`` (cluster) values count as set; configs in ``cluster.ignore_configs`` are dropped
  here, so they are neither diffed nor part of the fingerprint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType

from kafkactl.admin import Admin, ClusterInfo, ConfigValue, TopicConfigs, TopicMeta
from kafkactl.admin_access import AccessAdmin
from kafkactl.kinds.registry import read_all
from kafkactl.model import LiveState, LiveTopic, Outcome, Replication, Topology, freeze, is_internal
from kafkactl.plan import Action, Change, Plan
from kafkactl.registry import Registry
from kafkactl.replication import THROTTLE_RATES, THROTTLED_REPLICAS, progress

CLUSTER_DYNAMIC = "DYNAMIC_DEFAULT_BROKER_CONFIG"
TopicFilter = Callable[[str], bool]


def read_live(
    topology: Topology, admin: Admin, registry: Registry | None = None, in_scope: TopicFilter | None = None
) -> LiveState:
    """Everything the diff needs about the live cluster (and registry, when given)."""
    info = admin.cluster_info()
    metas = admin.list_topics()
    owned = in_scope or topology.owns_topic
    names = sorted(n for n in metas if not is_internal(n) and owned(n))
    probe = names or sorted(n for n in metas)[:1]  # any topic tells us which topic config keys the broker knows
    described = admin.describe_topic_configs(probe)  # nothing to describe: empty, no request
    cluster_cfg = admin.describe_cluster_configs()
    ignored = frozenset(topology.cluster.ignore_configs)
    topics = {n: _live_topic(n, metas[n], described.topics[n], ignored) for n in names}
    state = LiveState(
        cluster_id=info.cluster_id,
        broker_count=len(info.broker_ids),
        topics=MappingProxyType(topics),
        cluster_configs=_dynamic(cluster_cfg, CLUSTER_DYNAMIC, ignored),
        cluster_sensitive=frozenset(k for k, v in cluster_cfg.items() if v.sensitive),
        topic_config_keys=described.known_keys,
        broker_config_keys=frozenset(cluster_cfg),
        read_only_broker_keys=frozenset(k for k, v in cluster_cfg.items() if v.read_only),
    )
    state = replace(state, replication=_replication(topology, admin, info, state, cluster_cfg))
    state = read_all(topology, AccessAdmin(admin), state)  # ACLs, users, quotas: one batched read each
    if registry is not None:
        state = registry.read_referrers(topology, registry.read_subjects(topology, state))
    return state


def _dynamic(cfg: Mapping[str, ConfigValue], source: str, ignored: frozenset[str]) -> Mapping[str, str]:
    return freeze((k, v.value or "") for k, v in cfg.items() if v.source == source and k not in ignored)


def _live_topic(name: str, meta: TopicMeta, cfg: TopicConfigs, ignored: frozenset[str]) -> LiveTopic:
    return LiveTopic(
        name=name,
        partitions=meta.partitions,
        replication_factor=meta.replication_factor,
        configs=freeze((k, v or "") for k, v in cfg.dynamic.items() if k not in ignored),
        sensitive=cfg.sensitive,
        replicas=meta.replicas,
    )


def _replication(
    topology: Topology, admin: Admin, info: ClusterInfo, live: LiveState, cluster_cfg: Mapping[str, ConfigValue]
) -> Replication:
    """Racks always (from the cluster description); reassignments and broker throttles only when
    something may involve them: a desired RF change, an in-scope topic carrying throttled replicas
    (kafkactl's marker of a reassignment it started), or throttle rates on the described broker.
    A no-change plan thus costs no extra request."""
    racks = MappingProxyType(dict(info.racks))
    throttled = any(k in t.configs for t in live.topics.values() for k in THROTTLED_REPLICAS)
    changing = any(n in topology.topics and topology.topics[n].replication_factor != t.replication_factor
                   for n, t in live.topics.items())
    rated = any(k in cluster_cfg and cluster_cfg[k].source == "DYNAMIC_BROKER_CONFIG" for k in THROTTLE_RATES)
    if not (throttled or changing or rated):
        return Replication(racks=racks)
    moving = admin.list_reassignments()
    reassigning = {n: progress(t.configs, t.partitions, moving[n]) for n, t in live.topics.items() if n in moving}
    rates = admin.describe_broker_throttles(info.broker_ids)
    return Replication(racks=racks, reassigning=MappingProxyType(reassigning),
                       moving_partitions=sum(len(ps) for ps in moving.values()),
                       broker_throttles=MappingProxyType({b: freeze(r.items()) for b, r in rates.items()}), read=True)


def broker_check(plan: Plan, admin: Admin) -> tuple[str, ...]:
    """Run the plan's topic and cluster mutations with ``validate_only=True``; one error line per rejection.

    Deletes have no validate_only form in Kafka; they are checked by the diff (ownership, protection).
    """
    errors: list[str] = []
    creates = [c for c in plan.changes if c.kind == "topic" and c.action is Action.CREATE]
    updates = [c for c in plan.changes if c.kind == "topic" and c.action is Action.UPDATE]
    cluster = [c for c in plan.changes if c.kind == "cluster_config"]
    if creates:
        specs = [(c.name, *_create_args(c)) for c in creates]
        errors += _rejections("create topic", admin.create_topics(specs, validate_only=True))
    alters = [(c.name, c.config_delta()) for c in updates if c.config_delta()]
    if alters:
        errors += _rejections("update configs of topic", admin.alter_topic_configs(alters, validate_only=True))
    grows = [(c.name, int(f.after)) for c in updates for f in c.fields if f.path == "partitions"]
    if grows:
        errors += _rejections("add partitions to topic", admin.create_partitions(grows, validate_only=True))
    for c in cluster:
        errors += _rejections("update cluster config", admin.alter_cluster_configs(c.config_delta(), validate_only=True))
    return tuple(errors)


def _rejections(what: str, outcomes: list[Outcome]) -> list[str]:
    return [f"the broker would reject: {what} {o.name}: {o.error}" for o in outcomes if o.error]


def _create_args(c: Change) -> tuple[int, int, Mapping[str, str]]:
    after = c.after or {}
    return int(after["partitions"]), int(after["replication_factor"]), dict(after.get("configs", {}))
