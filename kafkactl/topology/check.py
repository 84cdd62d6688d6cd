"""Semantic rules over the expanded topology; every broken rule is reported.

Rules (Kafka's, and kafkactl's own):
- Topic names: ``[a-zA-Z0-9._-]``, at most 249 characters, not ``.`` or ``..``, not
  starting with ``_`` (internal). Two names equal once ``.`` and ``_`` are treated alike
  collide in Kafka's metric names, so they are refused too.
- A template name holds ``{tenant}`` exactly once; its names are checked once per template
  (tenant ids only add ``[a-z0-9-]``) and only their length per tenant.
- Tenant ids match ``^[a-z0-9][a-z0-9-]{0,62}$``; overrides name existing templates.
- 1 <= replication_factor <= cluster.brokers; min.insync.replicas <= replication_factor
  (a warning when equal: one broker down stops acks=all writes).
- Config keys Kafka 4.x does not know are warnings (vendors add keys); plan refuses them
  against the live broker.
- cluster.owns / protect globs use topic-name characters and wildcards only, and never
  reach internal names (owns may not even match them; protect may not start with ``_``).
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterator

from kafkactl.model import TENANT_PLACEHOLDER, Location, Topology
from kafkactl.topology.expand import Expansion, Shape, origin
from kafkactl.topology.known_configs import DYNAMIC_CLUSTER_CONFIGS, TOPIC_CONFIGS, unknown_key_message
from kafkactl.topology.marked import MarkedDict
from kafkactl.topology.merge import Entry, Sections
from kafkactl.topology.problems import Problems

MAX_TOPIC_NAME = 249
TENANT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_LEGAL_NAME = re.compile(r"[a-zA-Z0-9._-]+")
_GLOB = re.compile(r"[a-zA-Z0-9._\-*?\[\]!]+")
# Internal names a glob must not reach (Kafka's own topics and the usual registries').
_INTERNAL_SAMPLES = ("__consumer_offsets", "__transaction_state", "__cluster_metadata",
                     "__share_group_state", "__remote_log_metadata", "_schemas", "_confluent-metrics")


def check(expansion: Expansion, sections: Sections, problems: Problems) -> None:
    topology = expansion.topology
    _check_templates(sections, problems)
    _check_tenants(sections, problems)
    _check_names(topology, sections, problems)
    _check_collisions(topology, sections, problems)
    for shape in expansion.shapes:
        _check_replication(shape, topology.cluster.brokers, problems)
    _check_config_keys(sections, problems)
    _check_globs(sections, problems)


def topic_name_problem(name: str) -> str | None:
    """Why Kafka (or kafkactl) refuses ``name`` as a topic name, or None."""
    if name in ("", ".", ".."):
        return f"{name!r} is not a legal topic name"
    if len(name) > MAX_TOPIC_NAME:
        return f"is {len(name)} characters long; Kafka allows at most {MAX_TOPIC_NAME}"
    if not _LEGAL_NAME.fullmatch(name):
        bad = "".join(sorted({c for c in name if not _LEGAL_NAME.fullmatch(c)}))
        return f"has characters Kafka refuses ({bad!r}): use letters, digits, '.', '_' and '-'"
    if name.startswith("_"):
        return "starts with '_': such names are internal and kafkactl never manages them"
    return None


def _check_templates(sections: Sections, problems: Problems) -> None:
    for pattern, entry in sections.templates.items():
        if pattern.count(TENANT_PLACEHOLDER) != 1:
            problems.error(entry.loc, f"template {pattern!r} must contain {TENANT_PLACEHOLDER} exactly once")
            continue
        problem = topic_name_problem(pattern.replace(TENANT_PLACEHOLDER, "t"))
        if problem:
            problems.error(entry.loc, f"template {pattern!r} makes illegal topic names: {problem}")


def _check_tenants(sections: Sections, problems: Problems) -> None:
    templates = sorted(sections.templates)
    for tenant, member in sections.members.items():
        if not TENANT_ID.fullmatch(tenant):
            problems.error(member.loc, f"tenant id {tenant!r} must match ^[a-z0-9][a-z0-9-]{{0,62}}$ "
                                       "(lowercase letters, digits and '-', at most 63)")
        for pattern in member.value or ():
            if pattern not in sections.templates:
                close = difflib.get_close_matches(pattern, templates, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.error(member.at(member.value, pattern),
                               f"tenant {tenant!r} overrides {pattern!r}, which is not a template{hint}")


def _check_names(topology: Topology, sections: Sections, problems: Problems) -> None:
    for name, spec in topology.topics.items():
        if spec.tenant is None:
            problem = topic_name_problem(name)
            if problem:
                problems.error(spec.location, f"topic {name!r}: {problem}")
        elif len(name) > MAX_TOPIC_NAME:
            problems.error(sections.members[spec.tenant].loc,
                           f"tenant {spec.tenant!r} makes topic {name!r} of {len(name)} characters; "
                           f"Kafka allows at most {MAX_TOPIC_NAME}")


def _check_collisions(topology: Topology, sections: Sections, problems: Problems) -> None:
    seen: dict[str, str] = {}
    for name, spec in topology.topics.items():
        other = seen.setdefault(name.replace(".", "_"), name)
        if other != name:
            there = origin(topology.topics[other], sections)
            problems.error(origin(spec, sections), f"topic {name!r} collides with {other!r} (at {there}): "
                                                   "Kafka's metric names treat '.' and '_' alike")


def _check_replication(shape: Shape, brokers: int, problems: Problems) -> None:
    rf = shape.replication_factor
    if rf > brokers:
        problems.error(shape.loc, f"{shape.label}: replication_factor {rf} is more than cluster.brokers ({brokers})")
    raw = shape.configs.get("min.insync.replicas")
    if raw is None:
        return
    try:
        min_isr = int(raw)
    except ValueError:
        problems.error(shape.loc, f"{shape.label}: min.insync.replicas {raw!r} is not an integer")
        return
    if min_isr > rf:
        problems.error(shape.loc, f"{shape.label}: min.insync.replicas {min_isr} is more than replication_factor {rf}: "
                                  "producers with acks=all could never write")
    elif min_isr == rf and rf > 1:
        problems.warn(shape.loc, f"{shape.label}: min.insync.replicas equals replication_factor ({rf}): "
                                 "one broker down stops producers with acks=all")


def _check_config_keys(sections: Sections, problems: Problems) -> None:
    for key, entry in sections.cluster_configs.items():
        _warn_unknown(key, entry.loc, DYNAMIC_CLUSTER_CONFIGS, "dynamic cluster-wide broker config", problems)
    for key, entry in sections.default_configs.items():
        _warn_unknown(key, entry.loc, TOPIC_CONFIGS, "topic config", problems)
    for entry, configs in _topic_config_maps(sections):
        for key in configs:
            if key not in TOPIC_CONFIGS:  # the location only for a warning: 100,000 topics have 200,000 keys
                _warn_unknown(key, entry.at(configs, key), TOPIC_CONFIGS, "topic config", problems)


def _topic_config_maps(sections: Sections) -> Iterator[tuple[Entry, MarkedDict]]:
    """Every ``configs`` mapping of topics, templates, overrides and their DLQs."""
    bodies: list[tuple[Entry, MarkedDict]] = [(e, e.value) for e in sections.topics.values()]
    bodies += [(e, e.value) for e in sections.templates.values()]
    for member in sections.members.values():
        bodies += [(member, body) for body in (member.value or {}).values()]
    for entry, body in bodies:
        for holder in (body, body.get("dlq")):
            if isinstance(holder, MarkedDict) and holder.get("configs"):
                yield entry, holder["configs"]


def _warn_unknown(key: str, loc: Location, known: frozenset[str], what: str, problems: Problems) -> None:
    message = unknown_key_message(key, known, what)
    if message:
        problems.warn(loc, message)


def _check_globs(sections: Sections, problems: Problems) -> None:
    for key in ("owns", "protect"):
        for entry in sections.cluster_lists[key]:
            problem = _glob_problem(str(entry.value), may_reach_internal=key == "protect")
            if problem:
                problems.error(entry.loc, f"cluster.{key} glob {entry.value!r} {problem}")


def _glob_problem(glob: str, may_reach_internal: bool) -> str | None:
    if not _GLOB.fullmatch(glob):
        return "may only hold topic-name characters and the wildcards * ? [ ]"
    if glob.count("[") != glob.count("]"):
        return "has an unclosed [ ]"
    if glob.startswith("_"):
        return "names internal topics, which kafkactl never manages"
    if not may_reach_internal and any(fnmatch.fnmatchcase(name, glob) for name in _INTERNAL_SAMPLES):
        return "also matches internal topics (such as __consumer_offsets): start it with a letter or digit"
    return None
