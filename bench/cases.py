"""The benchmark cases: create, plan (no changes), alter, schemas. Each returns its variants' samples.

Rules:
- Variants of a case alternate (``timing.alternate``); set-up between steps (deleting
  topics, waiting for the brokers' open files to fall) is never timed.
- kafkactl runs as a whole process (wall time, peak RSS) and, for plans, also
  in-process (``make_plan``), which separates interpreter start-up from the work.
- A kafkactl step that does not do what it should (exit code, summary line) fails the
  case: a fast wrong answer is not a result.
- B_seq and B_par10 may run on a random sample of topics and are scaled linearly to N;
  the entry says so.
"""

from __future__ import annotations

import functools
import itertools
import os
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gen_topology
import kafka_ops
import registry_ops
from timing import ProcessRun, Samples, alternate, checked, run_process, say, timed

from kafkactl.connection import resolve
from kafkactl.workflow import Clients, make_plan

TEMPLATES = 10  # N topics = N/10 tenants x 10 templates
RETENTION = "86400000"  # gen_topology's templates set retention.ms: 1d
PAR_WORKERS = 10


@dataclass(frozen=True)
class Settings:
    reps: int
    warmup: int
    sample: int  # B_seq / B_par10 measure at most this many topics, scaled to N
    timeout_s: float  # per kafkactl process
    kafkactl: str = str(Path(sys.executable).with_name("kafkactl"))


@dataclass
class TopicSet:
    """N generated topics under one unique prefix, and the topology directory that declares them."""

    n: int
    prefix: str
    directory: Path
    rf: int
    names: list[str] = field(default_factory=list)

    @classmethod
    def generate(cls, n: int, root: Path, prefix: str, rf: int) -> TopicSet:
        if n % TEMPLATES:
            raise ValueError(f"N must be a multiple of {TEMPLATES}, not {n}")
        directory = root / f"topology-{prefix}"  # one per set: two sets of one N must not share files
        gen_topology.generate(directory, n // TEMPLATES, TEMPLATES, partitions=1, replication_factor=rf, prefix=prefix)
        names = [f"{prefix}.t{j:02d}.tenant-{i:06d}" for j in range(TEMPLATES) for i in range(1, n // TEMPLATES + 1)]
        return cls(n, prefix, directory, rf, sorted(names))

    @property
    def replicas_per_broker(self) -> int:
        return self.n * self.rf // 3

    def set_retention(self, value: str) -> None:
        templates = self.directory / "templates.yaml"
        text = templates.read_text(encoding="utf-8")
        templates.write_text(re.sub(r"retention\.ms: \S+", f"retention.ms: {value}", text), encoding="utf-8")

    def ensure_created(self) -> None:
        """Untimed: every topic present (a case may run without the create case before it).

        Creates them all and takes "already exists" as done: a broker's metadata can lag a
        delete a moment, so a listing is not trusted to say which are missing.
        """
        say(f"N={self.n}: making sure the {self.n} topics exist (set-up)")
        # Room only for what is missing: the plan case may have left them all (10k RF 3 topics hold
        # half of a broker's files, and asking room for them again would wait for nothing).
        missing = len(set(self.names) - set(kafka_ops.topics_with_prefix(self.prefix + ".")))
        kafka_ops.wait_for_room(missing * self.rf // 3, say)
        kafka_ops.create_floor(self.names, self.rf, {"retention.ms": RETENTION}, exist_ok=True)
        kafka_ops.settled(self.names, present=True)

    def delete(self) -> None:
        """Every name of the set, listed or not: a topic whose creation is still settling may not be listed yet."""
        kafka_ops.delete_topics(sorted(set(self.names) | set(kafka_ops.topics_with_prefix(self.prefix + "."))))


Result = dict[str, dict[str, Any]]


def _entry(s: Samples, note: str = "") -> dict[str, Any]:
    return {"median_s": s.median, "samples_s": s.seconds, "peak_rss_mib": max(s.rss_mib, default=None), "note": note}


def _kafkactl(cfg: Settings, what: str, *args: str, expect: str | None = None, ok: tuple[int, ...] = (0,)) -> ProcessRun:
    run = checked(run_process([cfg.kafkactl, *args], cfg.timeout_s), f"kafkactl {' '.join(args)}", ok)
    if expect is not None and expect not in run.output:
        raise RuntimeError(f"{what}: expected {expect!r} in the output:\n{run.output[-3000:]}")
    return run


def _in_process_plan(directory: Path, registry_url: str | None = None) -> None:
    run = make_plan(directory, Clients.connect(resolve(schema_registry_url=registry_url)))
    if run.plan.has_changes or run.plan.errors:
        raise RuntimeError(f"in-process plan of {directory} is not empty: {len(run.plan.changes)} changes, "
                           f"errors {run.plan.errors[:3]}")


def create(cfg: Settings, ts: TopicSet) -> Result:
    """kafkactl apply of N new topics vs chunked create_topics (futures, then metadata); deleted between steps,
    and the next step waits until the brokers have removed the deleted logs."""
    def floor() -> float:
        kafka_ops.wait_for_room(ts.replicas_per_broker, say)
        return timed(lambda: kafka_ops.create_floor(ts.names, ts.rf, {"retention.ms": RETENTION}))

    def apply() -> ProcessRun:
        kafka_ops.wait_for_room(ts.replicas_per_broker, say)
        return _kafkactl(cfg, "create", "apply", str(ts.directory), "--auto-approve", expect=f"Resources: {ts.n} added")

    baseline = kafka_ops.files_open()

    def between(last: bool) -> None:
        if not last:
            ts.delete()
            kafka_ops.quiesce(baseline, say)

    found = alternate(f"N={ts.n} create", {"floor": floor, "kafkactl apply": apply}, cfg.reps, cfg.warmup, between)
    return {"floor": _entry(found["floor"], "chunked create_topics, all futures, then metadata"),
            "kafkactl apply": _entry(found["kafkactl apply"], "process wall time")}


def _sampled(ts: TopicSet, cfg: Settings, workers: int) -> tuple[Callable[[], float], str]:
    size = min(ts.n, cfg.sample)
    rng = random.Random(f"{ts.prefix}-{workers}")

    def step() -> float:
        return timed(lambda: kafka_ops.per_topic_reads(rng.sample(ts.names, size), workers)) * ts.n / size

    note = "all topics" if size == ts.n else f"random sample of {size} per rep, scaled x{ts.n / size:g}"
    return step, note


def plan(cfg: Settings, ts: TopicSet) -> Result:
    """kafkactl plan with no changes vs the read floor and the per-topic baselines."""
    ts.ensure_created()
    seq, seq_note = _sampled(ts, cfg, 1)
    par, par_note = _sampled(ts, cfg, PAR_WORKERS)
    variants: dict[str, Callable[[], float | ProcessRun]] = {
        "F_read": lambda: timed(lambda: kafka_ops.read_floor(ts.names)),
        "kafkactl plan": lambda: _kafkactl(cfg, "plan", "plan", str(ts.directory), "--detailed-exitcode",
                                           expect="No changes"),
        "make_plan (in-process)": lambda: timed(lambda: _in_process_plan(ts.directory)),
        "B_seq": seq,
        "B_par10": par,
    }
    found = alternate(f"N={ts.n} plan", variants, cfg.reps, cfg.warmup)
    notes = {"F_read": "list_topics + chunked describe_configs + broker configs", "kafkactl plan": "process wall time",
             "make_plan (in-process)": "workflow.make_plan, clients connected per rep", "B_seq": seq_note,
             "B_par10": f"{PAR_WORKERS} threads, {par_note}"}
    return {name: _entry(s, notes[name]) for name, s in found.items()}


def alter(cfg: Settings, ts: TopicSet) -> Result:
    """One config changed on all N topics: kafkactl apply vs chunked incremental_alter_configs.

    The floor step also times how long until the brokers show the change (kafkactl's
    confirmation rule, no deadline): brokers apply config records well after the controller
    accepts them. After every step the brokers are let settle (untimed), so no step reads
    while they still apply the previous one.
    """
    ts.ensure_created()
    values = (str(int(RETENTION) + 1000 * i) for i in itertools.count(1))
    shown = Samples()
    current = {"value": RETENTION}

    def floor() -> float:
        current["value"] = value = next(values)
        started = time.perf_counter()
        kafka_ops.alter_floor(ts.names, "retention.ms", value)
        accepted = time.perf_counter() - started
        kafka_ops.configs_shown(ts.names, "retention.ms", value)
        shown.seconds.append(time.perf_counter() - started)
        return accepted

    def apply() -> ProcessRun:
        current["value"] = value = next(values)
        ts.set_retention(value)
        return _kafkactl(cfg, "alter", "apply", str(ts.directory), "--auto-approve", expect=f"{ts.n} changed")

    def between(last: bool) -> None:
        kafka_ops.configs_shown(ts.names, "retention.ms", current["value"])

    found = alternate(f"N={ts.n} alter", {"floor": floor, "kafkactl apply": apply}, cfg.reps, cfg.warmup, between)
    ts.set_retention(RETENTION)
    shown.seconds = shown.seconds[cfg.warmup:]  # one per round; the warm-up rounds come first
    return {"floor": _entry(found["floor"], "chunked incremental_alter_configs, all futures"),
            "floor, until shown": _entry(shown, "the floor, then until 5 describes in a row show it (no deadline)"),
            "kafkactl apply": _entry(found["kafkactl apply"],
                                     "process wall time (plan + broker check + alter + confirmation, 30 s deadline)")}


def startup(cfg: Settings) -> Result:
    """The fixed cost of every kafkactl process: interpreter start-up and imports (``kafkactl --version``),
    and an offline command's whole run (``kafkactl validate`` of the example topology)."""
    argv, env = example_validate()
    variants: dict[str, Callable[[], float | ProcessRun]] = {
        "python -c pass": lambda: checked(run_process([sys.executable, "-c", "pass"], cfg.timeout_s), "python", (0,)),
        "kafkactl --version": lambda: _kafkactl(cfg, "start-up", "--version", expect="kafkactl"),
        "kafkactl validate (example)": lambda: _expect(checked(run_process(
            [cfg.kafkactl, *argv], cfg.timeout_s, env), " ".join(argv)), "is valid"),
    }
    found = alternate("start-up", variants, cfg.reps, cfg.warmup)
    return {"python -c pass": _entry(found["python -c pass"], "the bare interpreter"),
            "kafkactl --version": _entry(found["kafkactl --version"], "interpreter, typer and kafkactl's CLI entry"),
            "kafkactl validate (example)": _entry(found["kafkactl validate (example)"],
                                                  f"`kafkactl {' '.join(argv)}`: imports, YAML, schema files")}


EXAMPLE = Path(__file__).resolve().parent.parent / "topology"


def example_validate() -> tuple[list[str], dict[str, str]]:
    """``validate topology`` (for its first environment, if it has any) and an environment that sets every
    ``password_env`` the example names (validate checks they are set; their values are never read here)."""
    argv = ["validate", str(EXAMPLE)]
    environments = sorted(p.stem for p in (EXAMPLE / "environments").glob("*.yaml"))
    if environments:
        argv += ["--env", environments[0]]
    names = {m for f in EXAMPLE.rglob("*.y*ml") for m in re.findall(r"password_env:\s*(\w+)", f.read_text("utf-8"))}
    return argv, {**os.environ, **{name: "bench-only" for name in sorted(names)}}


def _expect(run: ProcessRun, text: str) -> ProcessRun:
    if text not in run.output:
        raise RuntimeError(f"expected {text!r} in the output:\n{run.output[-3000:]}")
    return run


LOAD_LAYOUTS = {"explicit, one file": "file", "explicit, one file per topic": "files", "from templates": "templates"}


def load(cfg: Settings, root: Path, ns: list[int]) -> Result:
    """``kafkactl validate`` (offline: read, schema, expand, check) of N topics: declared one by one in one
    file, in one file each (as topicctl users keep them), and from tenants x templates for comparison."""
    variants: dict[str, Callable[[], float | ProcessRun]] = {}
    for n in ns:
        for label, layout in LOAD_LAYOUTS.items():
            directory = root / f"load-{n}-{layout}"
            if layout == "templates":
                gen_topology.generate(directory, n // TEMPLATES, TEMPLATES)
            else:
                gen_topology.generate_explicit(directory, n, per_file=layout == "files")
            variants[f"N={n}: {label}"] = functools.partial(
                _kafkactl, cfg, "load", "validate", str(directory), expect=f"is valid: {n} topics")
    found = alternate("load", variants, cfg.reps, cfg.warmup)
    return {name: _entry(s, "process wall time") for name, s in found.items()}


def schemas(cfg: Settings, root: Path, prefix: str, count: int, url: str) -> Result:
    """Plan of ``count`` unchanged subjects at the registry ``url`` vs its bulk read and per-subject sequential reads.

    On Apicurio the export kafkactl reads is timed too (the request alone), as a second reference.
    """
    directory, subjects = registry_ops.write_topology(root / "schemas-case", prefix, count)
    registry = ("--schema-registry-url", url)
    try:
        say(f"schemas at {url}: registering {count} subjects (set-up)")
        _kafkactl(cfg, "schemas set-up", "apply", str(directory), "--auto-approve", *registry,
                  expect=f"Resources: {count} added")
        shape, read_by = registry_ops.bulk_read_shape(url, prefix), registry_ops.strategy(url, subjects)
        variants: dict[str, Callable[[], float | ProcessRun]] = {
            "bulk read (floor)": lambda: timed(lambda: registry_ops.bulk_read(url, prefix, count)),
            "sequential reads": lambda: timed(lambda: registry_ops.sequential_reads(url, subjects)),
            "kafkactl plan": lambda: _kafkactl(cfg, "schemas plan", "plan", str(directory), "--detailed-exitcode",
                                               *registry, expect="No changes"),
            "make_plan (in-process)": lambda: timed(lambda: _in_process_plan(directory, url)),
        }
        if registry_ops.export_url(url):
            variants["export read"] = lambda: timed(lambda: registry_ops.export_read(url))
        found = alternate(f"schemas ({count}) at {url}", variants, cfg.reps, cfg.warmup)
    finally:
        say(f"schemas: deleting {count} subjects")
        registry_ops.delete_subjects(url, subjects)
    notes = {"bulk read (floor)": f"GET /schemas?subjectPrefix&latestOnly=true; items carry: {shape}",
             "sequential reads": "GET /subjects/{s}/versions/latest one by one, keep-alive",
             "kafkactl plan": f"process wall time; kafkactl's read: {read_by}",
             "make_plan (in-process)": "workflow.make_plan",
             "export read": "GET /apis/registry/v3/admin/export, the request alone (the whole registry)"}
    return {name: _entry(s, notes[name]) for name, s in found.items()} | {
        "_registry": {"url": url, "version": registry_ops.registry_version(url), "strategy": read_by}}
