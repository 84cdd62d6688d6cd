"""`kafkactl import`: write a topology that describes the live cluster, so that plan shows no changes.

    live cluster --read_live (scope: --include globs, --tenant-template)--> LiveState
                 --build (pure)--> files (YAML documents, schema texts) --write--> DIR

Rules:
- Only what the plan would compare is written: topics with partitions, replication
  factor and their *dynamic* configs; cluster-wide dynamic broker configs; subjects
  with their schema, references and subject-level compatibility. Broker defaults never.
- Internal topics (``__*``, ``_*``) are never imported (the reader's scope excludes them).
- Values are written in human units only where they read back to the same canonical
  string (``604800000`` -> ``7d``; ``604800001`` stays a number).
- The topology owns exactly what it declares (no ``cluster.owns``), so a plan of
  the imported topology plans nothing else. A tenant template owns every live topic
  its glob matches, so every such topic is imported, even outside ``--include``.
- ``cluster.brokers`` is the live broker count, so the plan's broker check passes.
- Schema files hold the registered schema; compact Avro and JSON text (as normalising
  registries store it) is pretty-printed (``schema_forms.readable``): same schema, no plan.
- The output directory must hold no topology yet; nothing is overwritten.
- Access is imported only for ``--principals`` globs (written as ``cluster.owns_principals``): the
  ACLs of matching principals (role shorthands where they fit exactly, raw bindings otherwise), the
  SCRAM users whose ``User:NAME`` matches, with a ``password_env`` placeholder (Kafka never returns a
  password), and those users' quotas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from kafkactl.admin import Admin
from kafkactl.errors import KafkactlError, UsageError
from kafkactl.folding import Folded, fold
from kafkactl.kinds.acl.spec import fold as fold_acls
from kafkactl.kinds.quota.spec import BYTE_RATES, number, parse_entity
from kafkactl.model import ClusterSpec, LiveState, LiveSubject, TemplateInfo, Topology, freeze, matches_any
from kafkactl.reader import read_live
from kafkactl.registry import Registry, subject_levels
from kafkactl.schema_forms import readable
from kafkactl.units import canonical, human

SCHEMA_DIR = "schemas"
EXTENSIONS = {"AVRO": ".avsc", "JSON": ".json", "PROTOBUF": ".proto"}
INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
TOPOLOGY_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Imported:
    """What ``import`` writes: file path (relative to the output directory) -> text, and warnings."""

    files: Mapping[str, str]
    warnings: tuple[str, ...] = ()
    topics: int = 0
    subjects: int = 0


@dataclass
class _Docs:
    """The YAML sections under construction."""

    cluster: dict[str, Any] = field(default_factory=dict)
    topics: dict[str, Any] = field(default_factory=dict)
    tenants: dict[str, Any] = field(default_factory=dict)
    subjects: dict[str, Any] = field(default_factory=dict)
    principals: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    quotas: dict[str, Any] = field(default_factory=dict)
    schemas: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def scope(includes: Sequence[str], templates: Sequence[str], principals: Sequence[str] = ()) -> Topology:
    """A topology whose ownership is exactly what to import: the include globs (all, by default), template
    globs, and the principal globs (ACLs, users and user quotas; none by default)."""
    return Topology(cluster=ClusterSpec(owns=tuple(includes) or ("*",), owns_principals=tuple(principals)),
                    templates=tuple(TemplateInfo(p) for p in templates))


def read(admin: Admin, registry: Registry | None, includes: Sequence[str], templates: Sequence[str],
         principals: Sequence[str] = ()) -> LiveState:
    """Topics and cluster configs through the plan's reader; subjects, which it reads only for declared ones, here."""
    wanted = scope(includes, templates, principals)
    live = read_live(wanted, admin, None)
    return live if registry is None else _read_subjects(registry, wanted, live)


def _read_subjects(registry: Registry, wanted: Topology, live: LiveState) -> LiveState:
    """Every subject the scope owns, plus (transitively) the subjects they reference, which must be declared too.

    Only live versions are read (the registry's own rules, kafkactl.registry_read): a
    soft-deleted version is never written as a subject's schema.
    """
    seen = registry.view(wanted.owns_subject)
    current = registry.current((s for s in seen.names if wanted.owns_subject(s)), seen)
    latest, levels = dict(current.latest), dict(current.levels)
    todo = {r.subject for s in latest.values() for r in s.references} - set(latest)
    while todo:
        found = registry.current(todo, seen)
        latest.update(found.latest)
        levels.update(found.levels)
        todo = {r.subject for s in found.latest.values() for r in s.references} - set(latest)
    global_level = registry.call("GET", "config").get("compatibilityLevel")
    # Only levels that differ from the global one are written: the diff compares effective levels.
    return replace(live, subjects=MappingProxyType(dict(sorted(latest.items()))), global_compatibility=global_level,
                   subject_compatibility=freeze(subject_levels(levels, latest, global_level)), registry_read=True)


def build(live: LiveState, templates: Sequence[str], includes: Sequence[str] = (),
          principals: Sequence[str] = ()) -> Imported:
    """The topology files for ``live``. Pure."""
    docs = _Docs()
    docs.cluster = {"brokers": live.broker_count}
    cluster_configs = {k: config_value(k, v) for k, v in live.cluster_configs.items() if k not in live.cluster_sensitive}
    if cluster_configs:
        docs.cluster["configs"] = cluster_configs
    docs.warnings += [f"cluster config {k}: sensitive, its value cannot be read; not imported"
                      for k in sorted(live.cluster_sensitive & set(live.cluster_configs))]
    folded = fold({n: _topic_doc(live, n, docs) for n in live.topics}, templates)
    docs.warnings += _outside_include(folded, includes)
    docs.topics = dict(folded.topics)
    if folded.templates:
        docs.tenants = {"templates": dict(folded.templates), "members": dict(folded.members)}
    _add_subjects(live, folded, docs)
    _add_access(live, principals, docs)
    return Imported(_render(live, docs), tuple(docs.warnings), len(live.topics), len(live.subjects))


def config_value(key: str, raw: str) -> Any:
    """The value as a person would write it, reading back to exactly ``raw``."""
    nice = human(key, raw)
    if nice is not None and _canonical_or_none(key, nice) == raw:
        return nice
    return int(raw) if INTEGER.fullmatch(raw) else raw


def _canonical_or_none(key: str, value: str) -> str | None:
    try:
        return canonical(key, value)
    except ValueError:
        return None


def _topic_doc(live: LiveState, name: str, docs: _Docs) -> dict[str, Any]:
    t = live.topics[name]
    configs = {k: config_value(k, v) for k, v in t.configs.items() if k not in t.sensitive}
    docs.warnings += [f"topic {name}: config {k} is sensitive, its value cannot be read; not imported"
                      for k in sorted(t.sensitive & set(t.configs))]
    doc: dict[str, Any] = {"partitions": t.partitions, "replication_factor": t.replication_factor}
    if configs:
        doc["configs"] = configs
    return doc


def _outside_include(folded: Folded, includes: Sequence[str]) -> list[str]:
    if not includes:
        return []
    names = [n for members in folded.member_topics.values() for n in members if not matches_any(n, includes)]
    return [f"topic {n}: imported although --include does not match it: its tenant template owns it" for n in names]


# ---- subjects ---------------------------------------------------------------------------------


def _add_subjects(live: LiveState, folded: Folded, docs: _Docs) -> None:
    """Subjects of a topic go on the topic (``key_schema``/``value_schema``) or its template when
    that expresses them exactly; any other goes under ``subjects:`` with its own settings."""
    placed: set[str] = set()
    for pattern, tenants in folded.member_topics.items():
        placed |= _on_template(live, pattern, tenants, docs)
    for topic in folded.topics:
        placed |= _on_topic(live, topic, docs)
    for name in sorted(set(live.subjects) - placed):
        docs.subjects[name] = _subject_doc(live, name, docs)


def _compat(live: LiveState, subject: str) -> str | None:
    return live.subject_compatibility.get(subject)


def _simple_group(live: LiveState, subjects: Sequence[str]) -> str | bool | None:
    """The shared compatibility (or None) if these subjects fit a topic's fields; False if they don't."""
    if any(live.subjects[s].references for s in subjects):
        return False  # key_schema/value_schema carry no references
    levels = {_compat(live, s) for s in subjects}
    return levels.pop() if len(levels) == 1 else False


def _on_topic(live: LiveState, topic: str, docs: _Docs) -> set[str]:
    subjects = [f"{topic}{sfx}" for sfx in ("-key", "-value") if f"{topic}{sfx}" in live.subjects]
    level = _simple_group(live, subjects)
    if not subjects or level is False:
        return set()
    for s in subjects:
        docs.topics[topic][_schema_field(s)] = _schema_file(live.subjects[s], s, docs)
    if isinstance(level, str):
        docs.topics[topic]["compatibility"] = level
    return set(subjects)


def _on_template(live: LiveState, pattern: str, members: Mapping[str, str], docs: _Docs) -> set[str]:
    """A template carries a subject only if every member's subject has the very same schema and settings."""
    placed: set[str] = set()
    for sfx in ("-key", "-value"):
        subjects = [f"{topic}{sfx}" for topic in members.values()]
        if not all(s in live.subjects for s in subjects):
            continue
        texts = {(live.subjects[s].schema_type, live.subjects[s].schema) for s in subjects}
        level = _simple_group(live, subjects)
        if len(texts) != 1 or level is False:
            continue
        template = docs.tenants["templates"][pattern]
        template[_schema_field(subjects[0])] = _schema_file(live.subjects[subjects[0]], f"{pattern}{sfx}", docs)
        if isinstance(level, str):
            template["compatibility"] = level
        placed |= set(subjects)
    return placed


def _subject_doc(live: LiveState, name: str, docs: _Docs) -> dict[str, Any]:
    s = live.subjects[name]
    doc: dict[str, Any] = {"schema": _schema_file(s, name, docs, prefix=""), "type": s.schema_type}
    level = _compat(live, name)
    if level:
        doc["compatibility"] = level
    if s.references:
        doc["references"] = [{"name": r.name, "subject": r.subject, "version": r.version or "latest"}
                             for r in s.references]
    return doc


def _schema_field(subject: str) -> str:
    return "key_schema" if subject.endswith("-key") else "value_schema"


def _schema_file(s: LiveSubject, stem: str, docs: _Docs, prefix: str = "") -> str:
    """Store the schema text (compact JSON pretty-printed); return its path relative to the YAML files."""
    path = f"{SCHEMA_DIR}/{prefix}{_safe_file_name(stem)}{EXTENSIONS[s.schema_type]}"
    docs.schemas[path] = readable(s.schema_type, s.schema)
    return path


def _safe_file_name(stem: str) -> str:
    # Subject names may hold characters a file name can't ('/', ':' on some systems).
    return re.sub(r"[^A-Za-z0-9._{}-]", "_", stem)


# ---- access -----------------------------------------------------------------------------------


def _add_access(live: LiveState, principals: Sequence[str], docs: _Docs) -> None:
    """Principals, users and user quotas as read for ``--principals`` (the reader kept only matching ones)."""
    if not principals:
        return
    docs.cluster["owns_principals"] = list(dict.fromkeys(principals))
    docs.principals = {p: fold_acls(bs) for p, bs in live.acls.items()}
    for name, user in live.users.items():
        mechanism, iterations = user.credentials[-1]  # SCRAM-SHA-512 when both are set (sorted)
        docs.users[name] = {"mechanism": mechanism, "iterations": iterations, "password_env": password_var(name)}
        if len(user.credentials) > 1:
            docs.warnings.append(f"user {name}: has {len(user.credentials)} SCRAM mechanisms; only {mechanism} is "
                                 "imported, so the plan replaces the others")
    users = {parse_entity(e)[1]: _quota_doc(v) for e, v in live.quotas.items() if parse_entity(e)[0] == "user"}
    if users:
        docs.quotas = {"users": {str(n): v for n, v in users.items()}}


def password_var(user: str) -> str:
    """``socket-service`` -> ``SOCKET_SERVICE_PASSWORD``: the placeholder a user's password is read from."""
    return re.sub(r"[^A-Za-z0-9]", "_", user).upper() + "_PASSWORD"


def _quota_doc(values: Mapping[str, float]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        shown = number(value)
        nice = human("x.bytes", str(shown)) if key in BYTE_RATES and isinstance(shown, int) else None
        out[key] = nice if nice is not None and _canonical_or_none("x.bytes", nice) == str(shown) else shown
    return out


# ---- output -----------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper (YAML 1.1 quoting, as the loader reads it), with ``key:`` for null."""


_Dumper.add_representer(type(None), lambda d, _: d.represent_scalar("tag:yaml.org,2002:null", ""))


def dump(section: str, body: Mapping[str, Any], header: str) -> str:
    text = yaml.dump({section: dict(body)}, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=4096)
    return f"{header}{text}"


def _render(live: LiveState, docs: _Docs) -> dict[str, str]:
    header = f"# Imported by 'kafkactl import' from cluster {live.cluster_id}.\n"
    files = {"cluster.yaml": dump("cluster", docs.cluster, header)}
    for name, section, body in (("topics.yaml", "topics", docs.topics), ("tenants.yaml", "tenants", docs.tenants),
                                ("subjects.yaml", "subjects", docs.subjects)):
        if body:
            files[name] = dump(section, body, header)
    access = [dump(section, body, "") for section, body in
              (("principals", docs.principals), ("users", docs.users), ("quotas", docs.quotas)) if body]
    if access:
        files["access.yaml"] = header + "\n".join(access)
    files.update(docs.schemas)
    return files


def write(out: str | Path, imported: Imported) -> list[Path]:
    """Write every file under ``out``; refuses a directory that already holds a topology."""
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise UsageError(f"--out {out} is not a directory")
    existing = [p for p in root.rglob("*") if p.suffix in TOPOLOGY_SUFFIXES] if root.exists() else []
    clashes = [p for p in (root / f for f in imported.files) if p.exists()]
    if existing or clashes:
        raise KafkactlError(f"{out} already holds a topology ({(existing or clashes)[0]}); nothing was written",
                            hint="import into a new or empty directory (--out DIR)")
    written = []
    for rel, text in sorted(imported.files.items()):
        path = root / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as e:
            raise KafkactlError(f"cannot write {path}: {e.strerror}") from None
        written.append(path)
    return written
