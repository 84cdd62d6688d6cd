"""Prometheus text-format metrics of a drift run, for node_exporter's textfile collector.

Series (all gauges):
- ``kafkactl_drift_detected``                 1 when the plan has changes, else 0
- ``kafkactl_drift_changes{kind,action}``     planned changes, every kind x action (zeros included)
- ``kafkactl_last_run_success``               1 when the plan was made without errors, else 0
- ``kafkactl_last_run_timestamp_seconds``     when the run ended (Unix time)
- ``kafkactl_run_duration_seconds``           how long the run took

A run for an environment (``drift --env NAME``) adds the label ``env=NAME`` to every series.

Rules:
- A run that failed before it had a plan writes only the three ``last_run``/``run``
  series (success 0): an unknown drift is absent, never a made-up 0.
- The file is written atomically (prometheus-client writes a temp file in the
  same directory, then renames it), so the collector never reads half a file.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

from kafkactl.errors import KafkactlError
from kafkactl.plan import KINDS, Action, Plan


@dataclass(frozen=True)
class RunResult:
    """One drift run: its plan (None when it failed before planning), and its timing."""

    plan: Plan | None
    success: bool
    finished_at: float  # Unix time
    duration_s: float
    env: str | None = None


def registry_for(run: RunResult) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=True)
    env = {"env": run.env} if run.env is not None else {}
    if run.plan is not None:
        _drift_series(run.plan, registry, env)
    _gauge("kafkactl_last_run_success", "1 if the last drift run planned without errors, else 0.",
           registry, env).set(1 if run.success else 0)
    _gauge("kafkactl_last_run_timestamp_seconds", "Unix time the last drift run ended.",
           registry, env).set(run.finished_at)
    _gauge("kafkactl_run_duration_seconds", "Duration of the last drift run in seconds.",
           registry, env).set(run.duration_s)
    return registry


def _gauge(name: str, doc: str, registry: CollectorRegistry, env: dict[str, str]) -> Gauge:
    gauge = Gauge(name, doc, list(env), registry=registry)
    return gauge.labels(**env) if env else gauge


def _drift_series(plan: Plan, registry: CollectorRegistry, env: dict[str, str]) -> None:
    _gauge("kafkactl_drift_detected", "1 if the live cluster differs from the topology, else 0.",
           registry, env).set(1 if plan.has_changes else 0)
    changes = Gauge("kafkactl_drift_changes", "Changes apply would make, by resource kind and action.",
                    ["kind", "action", *env], registry=registry)
    for kind in KINDS:
        for action in Action:
            count = sum(1 for c in plan.changes if c.kind == kind and c.action is action)
            changes.labels(kind=kind, action=action.value, **env).set(count)


def write_metrics(path: str, run: RunResult) -> None:
    try:
        write_to_textfile(path, registry_for(run))
    except OSError as e:
        raise KafkactlError(f"cannot write metrics file {path}: {e.strerror}",
                            hint="--metrics-file needs a writable directory (node_exporter reads *.prom files)") from None
