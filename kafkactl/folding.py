"""Fold imported topics into tenant templates (``--tenant-template 'chat.messages.{tenant}'``). Pure.

Rules:
- A topic belongs to a template when the template's pattern matches its name with
  a valid tenant id in place of ``{tenant}`` (``chat.messages.acme.dlq`` is not a
  ``chat.messages.{tenant}`` topic: ``acme.dlq`` is no tenant id).
- Members apply to every template, so a tenant becomes a member only if it has a
  topic for *every* template; its topics under fewer templates stay plain topics.
- The template holds the most common partitions, replication factor and value of
  each config key that every member sets (ties go to the smaller value); each
  member's override holds only what differs from it.
- A member override is a topic spec keyed by the template's pattern, and its
  configs add to the template's configs (keys not set on the member stay inherited).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafkactl.errors import UsageError
from kafkactl.model import TENANT_PLACEHOLDER, TemplateInfo
from kafkactl.targets import TENANT_ID

Doc = dict[str, Any]
FIELDS = ("partitions", "replication_factor")


@dataclass(frozen=True)
class Folded:
    topics: Mapping[str, Doc]  # plain topics, by name
    templates: Mapping[str, Doc]  # pattern -> template spec
    members: Mapping[str, Doc | None]  # tenant -> {pattern: override} or None
    member_topics: Mapping[str, Mapping[str, str]]  # pattern -> tenant -> topic name


def check_pattern(pattern: str) -> str:
    if pattern.count(TENANT_PLACEHOLDER) != 1:
        raise UsageError(f"--tenant-template {pattern!r} must contain {TENANT_PLACEHOLDER} exactly once",
                         hint="for example --tenant-template 'chat.messages.{tenant}'")
    return pattern


def fold(topics: Mapping[str, Doc], patterns: Sequence[str]) -> Folded:
    """Split topic docs into plain topics and templates with members."""
    infos = [TemplateInfo(check_pattern(p)) for p in dict.fromkeys(patterns)]
    instances = {t.pattern: _instances(t, topics) for t in infos}
    members = sorted(set.intersection(*(set(i) for i in instances.values()))) if infos else []
    member_topics = {p: {m: inst[m] for m in members} for p, inst in instances.items()} if members else {}
    folded = {name for by_tenant in member_topics.values() for name in by_tenant.values()}
    templates = {p: _template([topics[n] for n in by_tenant.values()]) for p, by_tenant in member_topics.items()}
    return Folded(
        topics={n: d for n, d in sorted(topics.items()) if n not in folded},
        templates=templates,
        members={m: _overrides(m, member_topics, templates, topics) for m in members},
        member_topics=member_topics,
    )


def _instances(template: TemplateInfo, topics: Mapping[str, Doc]) -> dict[str, str]:
    out = {}
    for name in sorted(topics):
        tenant = template.tenant_of(name)
        if tenant is not None and TENANT_ID.fullmatch(tenant):
            out[tenant] = name
    return out


def _most_common(values: Sequence[Any]) -> Any:
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], _order(v)))


def _order(value: Any) -> tuple[int, int, str]:
    """Numbers before strings, each in natural order (so 3 comes before 12)."""
    return (0, value, "") if isinstance(value, int) else (1, 0, str(value))


def _template(docs: Sequence[Doc]) -> Doc:
    template: Doc = {f: _most_common([d[f] for d in docs]) for f in FIELDS}
    shared = set.intersection(*(set(d.get("configs", {})) for d in docs))
    configs = {k: _most_common([d["configs"][k] for d in docs]) for k in sorted(shared)}
    if configs:
        template["configs"] = configs
    return template


def _overrides(member: str, member_topics: Mapping[str, Mapping[str, str]], templates: Mapping[str, Doc],
               topics: Mapping[str, Doc]) -> Doc | None:
    out: Doc = {}
    for pattern, by_tenant in member_topics.items():
        diff = _difference(topics[by_tenant[member]], templates[pattern])
        if diff:
            out[pattern] = diff
    return out or None


def _difference(doc: Doc, template: Doc) -> Doc:
    diff: Doc = {f: doc[f] for f in FIELDS if doc[f] != template[f]}
    inherited = template.get("configs", {})
    configs = {k: v for k, v in doc.get("configs", {}).items() if inherited.get(k) != v}
    if configs:
        diff["configs"] = configs
    return diff
