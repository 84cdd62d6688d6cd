"""`kafkactl drift`: the plan, read-only, for cron and CI. Exit 0 in sync, 2 drift, 1 error.

Rule: with ``--metrics-file``, metrics are written on every run that got past
argument parsing, failures included (success 0), and then the error is re-raised
for the one error handler in ``kafkactl.cli.main``.
"""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from kafkactl.cli import common
from kafkactl.errors import KafkactlError
from kafkactl.plan import Plan
from kafkactl.render import render_plan
from kafkactl.workflow import Clients, make_plan

EXIT_DRIFT = 2
MetricsOpt = Annotated[
    str | None,
    typer.Option("--metrics-file", help="Write Prometheus metrics here (node_exporter textfile collector, *.prom)."),
]


def drift(
    directory: common.DirArg = "topology",
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as one JSON document on stdout.")] = False,
    metrics_file: MetricsOpt = None,
    env: common.EnvOpt = None,
    bootstrap_servers: common.BootstrapOpt = None,
    schema_registry_url: common.RegistryOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
) -> int:
    """Report drift between the topology and the live cluster (read-only): exit 0 in sync, 2 drift, 1 error."""
    started = time.monotonic()
    try:
        loaded, conn = common.open_topology(directory, env, bootstrap_servers, schema_registry_url, client_config,
                                            timeout)
        run = make_plan(directory, Clients.connect(conn), loaded=loaded)
    except KafkactlError as err:
        record(metrics_file, None, started, err, env)
        raise
    record(metrics_file, run.plan, started, env=env)
    if as_json:
        typer.echo(json.dumps(run.plan.to_json(), indent=2))
    else:
        render_plan(run.plan, common.out_console(), run.topology.cluster.name)
    if run.plan.errors:
        return 1
    return EXIT_DRIFT if run.plan.has_changes else 0


def record(path: str | None, plan: Plan | None, started: float, failure: KafkactlError | None = None,
           env: str | None = None) -> None:
    """Write the metrics file; when the run already failed, a failure to write is added to that error."""
    if path is None:
        return
    from kafkactl.metrics import RunResult, write_metrics  # lazily: prometheus_client only when metrics are written

    ok = failure is None and plan is not None and not plan.errors
    result = RunResult(plan, ok, time.time(), time.monotonic() - started, env)
    try:
        write_metrics(path, result)
    except KafkactlError as e:
        if failure is None:
            raise
        failure.details = (*failure.details, f"also: {e.summary}")


def register(app: typer.Typer) -> None:
    app.command("drift")(drift)
