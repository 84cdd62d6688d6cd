"""``kafkactl verify``: checks a live cluster against a topology, end to end (CONTRACT section 7).

Checks, each with a name, a target, ``ok`` and a one-line detail:
- ``delivery``: one probe per distinct shape (partitions, replication factor, configs,
  DLQ shape) of the selected declared topics: lost, duplicated and out-of-order
  messages are 0, every partition is written; p50/p99 latency and throughput reported.
- ``dlq-path``: for shapes with a DLQ, the poison-message run on that probe.
- ``dlq-companion``: every selected topic with a DLQ has its companion on the cluster.
- ``schema``: every selected subject round-trips a sample value generated from its
  declared schema through its latest registered version.

Rules:
- Only topics named ``kafkactl-probe-*`` are created or written; they are deleted at
  the end unless ``keep``. A declared topic is never written.
- A check that cannot run fails with the reason; nothing is skipped silently.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafkactl.admin import Admin
from kafkactl.clients import SerdeError, bind
from kafkactl.clients.serde import codec_for, registry_client
from kafkactl.connection import Connection
from kafkactl.errors import KafkactlError
from kafkactl.model import SubjectSpec, TopicSpec, Topology
from kafkactl.targets import Targets
from kafkactl.verify import probe
from kafkactl.verify.samples import sample

PROBE_PREFIX = "kafkactl-probe-"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Check:
    name: str
    target: str
    ok: bool
    detail: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "target": self.target, "ok": self.ok, "detail": self.detail, **self.data}


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]
    probe_topics: tuple[str, ...]
    kept: bool

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"checks": [c.to_json() for c in self.checks], "ok": self.ok}


@dataclass(frozen=True)
class Shape:
    """What a probe topic copies of the declared topics it stands for."""

    partitions: int
    replication_factor: int
    configs: tuple[tuple[str, str], ...]
    dlq: tuple[int, int, tuple[tuple[str, str], ...]] | None


@dataclass(frozen=True)
class ProbeTopic:
    name: str
    shape: Shape
    topics: tuple[str, ...]  # the declared topics of this shape

    @property
    def target(self) -> str:
        return ", ".join(self.topics)

    @property
    def dlq(self) -> str | None:
        return f"{self.name}.dlq" if self.shape.dlq else None


def verify(topology: Topology, conn: Connection, targets: Sequence[str] = (), messages: int = 1000,
           keep: bool = False, progress: Progress | None = None) -> Report:
    say = progress or (lambda _m: None)
    scope = Targets.parse(targets)
    topics = [t for name, t in topology.topics.items() if scope.topic(name, topology)]
    subjects = [s for name, s in topology.subjects.items() if scope.subject(name, topology)]
    if not topics and not subjects:
        raise KafkactlError("nothing to verify: no declared topic or subject matches the targets",
                            hint="check --target, or the topology directory")
    admin = Admin(conn)
    checks: list[Check] = [*companion_checks(topology, topics, admin)]
    say(f"checking {len(subjects)} subject(s)")
    checks += [schema_check(topology, s, conn) for s in subjects]
    probes = probe_topics(topology, topics, uuid.uuid4().hex[:8])
    try:
        checks += _create(admin, probes)
        for p in probes:
            if any(c.target == p.target and not c.ok for c in checks):
                continue
            say(f"probing {p.name} ({p.target})")
            checks += _probe(conn, p, messages)
    finally:
        if not keep:
            _delete(admin, probes)
    return Report(tuple(checks), tuple(n for p in probes for n in (p.name, p.dlq) if n), keep)


def shape_of(topology: Topology, spec: TopicSpec) -> Shape:
    dlq = bind(topology, spec.name).dlq
    return Shape(spec.partitions, spec.replication_factor, tuple(sorted(spec.configs.items())),
                 (dlq.partitions, dlq.replication_factor, tuple(sorted(dlq.configs.items()))) if dlq else None)


def probe_topics(topology: Topology, topics: Sequence[TopicSpec], run: str) -> list[ProbeTopic]:
    """One probe topic per distinct shape, named ``kafkactl-probe-RUN-N``."""
    by_shape: dict[Shape, list[str]] = {}
    for spec in topics:
        by_shape.setdefault(shape_of(topology, spec), []).append(spec.name)
    return [ProbeTopic(f"{PROBE_PREFIX}{run}-{i}", shape, tuple(names))
            for i, (shape, names) in enumerate(by_shape.items())]


def companion_checks(topology: Topology, topics: Sequence[TopicSpec], admin: Admin) -> list[Check]:
    with_dlq = [(t.name, d.name) for t in topics if (d := bind(topology, t.name).dlq) is not None]
    if not with_dlq:
        return []
    live = admin.list_topics()
    return [Check("dlq-companion", topic, dlq in live,
                  f"{dlq} exists" if dlq in live else f"{dlq} is missing on the cluster (run kafkactl apply)")
            for topic, dlq in with_dlq]


def schema_check(topology: Topology, spec: SubjectSpec, conn: Connection) -> Check:
    """Serialize a sample with the latest registered version, deserialize it, serialize it again: same bytes."""
    topic = spec.topic or spec.subject
    try:
        value = sample(spec, topology)
        codec = codec_for(spec, "value", registry_client(conn))
        data = codec.encode(value, topic)
        again = codec.encode(codec.decode(data, topic), topic)
    except (KafkactlError, SerdeError) as e:
        return Check("schema", spec.subject, False, e.summary)
    except Exception as e:  # the registry client and the serdes raise their own types
        return Check("schema", spec.subject, False, f"{type(e).__name__}: {e}")
    if data is None or again != data:
        return Check("schema", spec.subject, False, "the value read back serializes differently")
    schema_id = int.from_bytes(data[1:5], "big")
    return Check("schema", spec.subject, True, f"{spec.schema_type} sample round-tripped with schema id {schema_id}",
                 {"schema_id": schema_id})


def _create(admin: Admin, probes: Sequence[ProbeTopic]) -> list[Check]:
    wanted = [(p.name, p.shape.partitions, p.shape.replication_factor, dict(p.shape.configs)) for p in probes]
    wanted += [(p.dlq, s[0], s[1], dict(s[2])) for p in probes if p.dlq and (s := p.shape.dlq)]
    if not wanted:
        return []
    failed = {o.name: o.error for o in admin.create_topics(wanted) if o.error}
    late = admin.await_metadata({n: parts for n, parts, _rf, _c in wanted if n not in failed})
    checks = []
    for p in probes:
        problems = [f"{n}: {failed[n]}" for n in (p.name, p.dlq) if n in failed] + [n for n in late if n in (p.name, p.dlq)]
        if problems:
            checks.append(Check("delivery", p.target, False, f"cannot create probe topic: {'; '.join(problems)}"))
    return checks


def _probe(conn: Connection, p: ProbeTopic, messages: int) -> list[Check]:
    r = probe.delivery_probe(conn, p.name, p.shape.partitions, messages)
    data = {"probe_topic": p.name, "sent": r.sent, "delivered": r.delivered, "consumed": r.consumed,
            "lost": r.lost, "duplicated": r.duplicated, "out_of_order": r.out_of_order,
            "partitions": r.partitions, "partitions_written": r.partitions_written,
            "p50_ms": round(r.p50_ms, 2), "p99_ms": round(r.p99_ms, 2), "throughput": round(r.throughput, 1)}
    detail = (f"{r.consumed}/{r.sent} consumed, lost {r.lost}, duplicated {r.duplicated}, out of order "
              f"{r.out_of_order}, {r.partitions_written}/{r.partitions} partitions; p50 {r.p50_ms:.1f} ms, "
              f"p99 {r.p99_ms:.1f} ms, {r.throughput:,.0f} msg/s")
    checks = [Check("delivery", p.target, r.ok, f"{r.error}; {detail}" if r.error else detail, data)]
    if p.dlq and r.ok:
        try:
            d = probe.dlq_probe(conn, p.name, p.dlq)
            checks.append(Check("dlq-path", p.target, d.ok, d.detail, {"probe_topic": p.name}))
        except KafkactlError as e:
            checks.append(Check("dlq-path", p.target, False, e.summary, {"probe_topic": p.name}))
    return checks


def _delete(admin: Admin, probes: Sequence[ProbeTopic]) -> None:
    names = [n for p in probes for n in (p.name, p.dlq) if n]
    if names:
        admin.delete_topics(names)
